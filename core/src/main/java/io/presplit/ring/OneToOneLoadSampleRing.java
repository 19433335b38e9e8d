package io.presplit.ring;

import io.presplit.memory.NativeMemory;
import io.presplit.memory.NativeRegion;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * Carries load samples from the profiler (one producer thread) to the forecasting side (one consumer thread)
 * over an Agrona {@link OneToOneRingBuffer} in native memory (owner tag {@value #MEMORY_OWNER}). Layout of a
 * message: {@link LoadSampleDescriptor}.
 * <p>
 * Guarantees: offering and draining allocate nothing and take no lock; a full ring refuses the sample
 * ({@code false}) and counts the refusal ({@link #refusedCount()}), so the producer decides, visibly, whether to
 * drop or retry.
 */
public final class OneToOneLoadSampleRing implements AutoCloseable {
    /** Owner tag of the ring's native memory. */
    public static final String MEMORY_OWNER = "OneToOneLoadSampleRing";

    private final NativeRegion memory;
    private final RingBuffer ring;
    private final MessageHandler dispatcher = this::dispatch;
    private LoadSampleHandler handler;
    private long refusedCount;

    /** @param capacityBytes ring capacity, a power of two, at least 1024. */
    public OneToOneLoadSampleRing(final int capacityBytes) {
        if (capacityBytes < 1024 || Integer.bitCount(capacityBytes) != 1) {
            throw new IllegalArgumentException(
                "ring capacity must be a power of two of at least 1024 [capacityBytes=" + capacityBytes + "]");
        }
        final int length = capacityBytes + RingBufferDescriptor.TRAILER_LENGTH;
        this.memory = NativeMemory.allocate(MEMORY_OWNER, length, 128);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory.segment().address(), length));
    }

    /**
     * Offers one sample. Producer thread only; allocation-free, never blocks.
     *
     * @return {@code false} when the ring is full (counted).
     */
    public boolean offer(
        final long tick, final int slot, final double points, final double bytes, final double queryCost) {
        final int index = ring.tryClaim(LoadSampleDescriptor.SAMPLE_MSG_TYPE_ID, LoadSampleDescriptor.LENGTH);
        if (index <= 0) {
            refusedCount++;
            return false;
        }
        final MutableDirectBuffer buffer = ring.buffer();
        buffer.putLong(index + LoadSampleDescriptor.TICK_OFFSET, tick);
        buffer.putInt(index + LoadSampleDescriptor.SLOT_OFFSET, slot);
        buffer.putInt(index + LoadSampleDescriptor.RESERVED_OFFSET, 0);
        buffer.putDouble(index + LoadSampleDescriptor.POINTS_OFFSET, points);
        buffer.putDouble(index + LoadSampleDescriptor.BYTES_OFFSET, bytes);
        buffer.putDouble(index + LoadSampleDescriptor.QUERY_COST_OFFSET, queryCost);
        ring.commit(index);
        return true;
    }

    /**
     * Delivers up to {@code limit} samples to {@code handler}, in order. Consumer thread only; allocation-free.
     *
     * @return the number delivered.
     */
    public int drain(final LoadSampleHandler handler, final int limit) {
        this.handler = handler;
        try {
            return ring.read(dispatcher, limit);
        } finally {
            this.handler = null;
        }
    }

    /** Samples refused because the ring was full. Producer thread (a plain counter). */
    public long refusedCount() {
        return refusedCount;
    }

    /** Bytes of messages waiting to be drained. Any thread. */
    public int size() {
        return ring.size();
    }

    /** Ring capacity in bytes. */
    public int capacity() {
        return ring.capacity();
    }

    /** Frees the ring. Safe to call twice; both threads must have stopped. */
    @Override
    public void close() {
        memory.close();
    }

    private void dispatch(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length) {
        if (msgTypeId != LoadSampleDescriptor.SAMPLE_MSG_TYPE_ID) {
            throw new IllegalStateException("unknown load sample message [msgTypeId=" + msgTypeId + "]");
        }
        handler.onSample(buffer.getLong(index + LoadSampleDescriptor.TICK_OFFSET),
            buffer.getInt(index + LoadSampleDescriptor.SLOT_OFFSET),
            buffer.getDouble(index + LoadSampleDescriptor.POINTS_OFFSET),
            buffer.getDouble(index + LoadSampleDescriptor.BYTES_OFFSET),
            buffer.getDouble(index + LoadSampleDescriptor.QUERY_COST_OFFSET));
    }
}
