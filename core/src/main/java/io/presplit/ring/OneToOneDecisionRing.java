package io.presplit.ring;

import io.presplit.adjust.DecisionSink;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Carries decisions from the adjustment engine (one producer thread) to the coordinator (one consumer thread)
 * over an Agrona {@link OneToOneRingBuffer} in off-heap memory. Layout of a message: {@link DecisionDescriptor}.
 * <p>
 * Guarantees: writing and draining allocate nothing and take no lock; a full ring refuses the decision
 * ({@code false}) and counts it, so back-pressure is visible, never silent.
 */
public final class OneToOneDecisionRing implements DecisionSink, AutoCloseable {
    private final Arena arena;
    private final RingBuffer ring;
    private final MessageHandler dispatcher = this::dispatch;
    private DecisionHandler handler;
    private long refused;

    /** @param capacityBytes ring capacity, a power of two (at least 1024). */
    public OneToOneDecisionRing(final int capacityBytes) {
        if (capacityBytes < 1024 || Integer.bitCount(capacityBytes) != 1) {
            throw new IllegalArgumentException(
                "ring capacity must be a power of two of at least 1024 [capacityBytes=" + capacityBytes + "]");
        }
        final int length = capacityBytes + RingBufferDescriptor.TRAILER_LENGTH;
        this.arena = Arena.ofShared();
        final MemorySegment memory = arena.allocate(length, 64);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory.address(), length));
    }

    @Override
    public boolean split(final int slot, final long splitKey) {
        return write(DecisionDescriptor.SPLIT_MSG_TYPE_ID, slot, -1, splitKey);
    }

    @Override
    public boolean merge(final int lowerSlot, final int upperSlot) {
        return write(DecisionDescriptor.MERGE_MSG_TYPE_ID, lowerSlot, upperSlot, -1L);
    }

    /**
     * Delivers up to {@code limit} decisions to {@code handler}, in order. Consumer thread only.
     *
     * @return the number delivered.
     */
    public int drain(final DecisionHandler handler, final int limit) {
        this.handler = handler;
        try {
            return ring.read(dispatcher, limit);
        } finally {
            this.handler = null;
        }
    }

    /** Decisions refused because the ring was full. */
    public long refused() {
        return refused;
    }

    /** Frees the ring. Safe to call twice. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private boolean write(final int msgTypeId, final int slot, final int otherSlot, final long splitKey) {
        final int index = ring.tryClaim(msgTypeId, DecisionDescriptor.LENGTH);
        if (index <= 0) {
            refused++;
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putInt(index + DecisionDescriptor.SLOT_OFFSET, slot);
        buffer.putInt(index + DecisionDescriptor.OTHER_SLOT_OFFSET, otherSlot);
        buffer.putLong(index + DecisionDescriptor.SPLIT_KEY_OFFSET, splitKey);
        ring.commit(index);
        return true;
    }

    private void dispatch(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
        final int slot = buffer.getInt(index + DecisionDescriptor.SLOT_OFFSET);
        if (msgTypeId == DecisionDescriptor.SPLIT_MSG_TYPE_ID) {
            handler.onSplit(slot, buffer.getLong(index + DecisionDescriptor.SPLIT_KEY_OFFSET));
        } else if (msgTypeId == DecisionDescriptor.MERGE_MSG_TYPE_ID) {
            handler.onMerge(slot, buffer.getInt(index + DecisionDescriptor.OTHER_SLOT_OFFSET));
        } else {
            throw new IllegalStateException("unknown decision message [msgTypeId=" + msgTypeId + "]");
        }
    }
}
