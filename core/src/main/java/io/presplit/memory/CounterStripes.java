package io.presplit.memory;

import org.agrona.concurrent.UnsafeBuffer;

import java.lang.foreign.MemorySegment;

/**
 * Single-writer counters in native memory, one stripe per writer thread, viewed through one Agrona
 * {@link UnsafeBuffer} per stripe (so each stripe may be up to 2 GiB, indexed by {@code int}).
 * <p>
 * Why not a {@link java.lang.foreign.MemorySegment} var handle: on the record path every access through a layout
 * var handle re-checks alignment and bounds against the segment, which measurably costs at a few nanoseconds a
 * record; Agrona's buffer keeps one cheap bounds check. The style guide allows Agrona wrappers of segment
 * addresses only in {@code io.presplit.ring} and here.
 * <p>
 * Assumptions: stripe {@code s} is written by one thread at a time; offsets are naturally aligned. Guarantees:
 * {@code add*} are a plain read of the writer's own value and an opaque store (never torn, no fence, no
 * allocation); {@code get*Opaque} from any thread sees each stripe's stores in program order per counter.
 */
public final class CounterStripes implements AutoCloseable {
    private final NativeRegion region;
    private final UnsafeBuffer[] stripes;
    private final int stripeLengthBytes;

    /**
     * @param owner             owner tag for leak accounting.
     * @param stripeCount       number of stripes, at least 1.
     * @param stripeLengthBytes bytes per stripe, a multiple of {@code alignmentBytes}, at most 2<sup>31</sup>-1.
     * @param alignmentBytes    alignment of each stripe, a power of two.
     */
    public CounterStripes(
        final String owner, final int stripeCount, final long stripeLengthBytes, final int alignmentBytes) {
        if (stripeCount < 1 || stripeLengthBytes < 1 || stripeLengthBytes > Integer.MAX_VALUE
            || Integer.bitCount(alignmentBytes) != 1 || stripeLengthBytes % alignmentBytes != 0) {
            throw new IllegalArgumentException("invalid counter stripes [owner=" + owner + ", stripeCount="
                + stripeCount + ", stripeLengthBytes=" + stripeLengthBytes + ", alignmentBytes=" + alignmentBytes
                + "]");
        }
        this.stripeLengthBytes = (int) stripeLengthBytes;
        this.region = NativeMemory.allocate(owner, stripeLengthBytes * stripeCount, alignmentBytes);
        this.stripes = new UnsafeBuffer[stripeCount];
        final long address = region.segment().address();
        for (int s = 0; s < stripeCount; s++) {
            stripes[s] = new UnsafeBuffer(address + s * stripeLengthBytes, this.stripeLengthBytes);
        }
    }

    /** Adds to a 64-bit counter of {@code stripe}: plain read, opaque write. Stripe owner only; allocation-free. */
    public void addLong(final int stripe, final int offset, final long delta) {
        stripes[stripe].addLongOpaque(offset, delta);
    }

    /** Adds to a 32-bit wrapping counter of {@code stripe}: plain read, opaque write. Stripe owner only. */
    public void addInt(final int stripe, final int offset, final int delta) {
        stripes[stripe].addIntOpaque(offset, delta);
    }

    /** Opaque read of a 64-bit counter. Any thread. */
    public long getLongOpaque(final int stripe, final int offset) {
        return stripes[stripe].getLongOpaque(offset);
    }

    /** Opaque read of a 32-bit counter. Any thread. */
    public int getIntOpaque(final int stripe, final int offset) {
        return stripes[stripe].getIntOpaque(offset);
    }

    /**
     * The whole memory, stripe {@code s} at {@code s * stripeLengthBytes()}, for bulk (vector) reads by the
     * reader thread. Unscoped: valid until {@link #close()}. Plain reads of aligned {@code int}s and {@code long}s
     * are never torn; the reader must not rely on them for ordering.
     */
    public MemorySegment segment() {
        return region.segment();
    }

    /** Number of stripes. */
    public int stripeCount() {
        return stripes.length;
    }

    /** Bytes per stripe. */
    public int stripeLengthBytes() {
        return stripeLengthBytes;
    }

    /** Whether the kernel took the huge-page advice. */
    public boolean isHugePageAdvised() {
        return region.isHugePageAdvised();
    }

    /** Frees the memory. Safe to call twice; every writer and reader must have stopped. */
    @Override
    public void close() {
        region.close();
    }
}
