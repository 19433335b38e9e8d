package io.presplit.profile;

import io.presplit.keyspace.KeySpace;

/**
 * Off-heap layout of a {@link LoadRecorder}: one stripe per writer thread, one slot record per partition slot
 * inside each stripe. Native byte order.
 *
 * <pre>
 * stripes 0 .. stripeCount-1 belong to writers; stripe stripeCount (one more) is the profiler's: in the same slot
 * record layout it holds each slot's totals at the previous fold (its dirty bitmap unused), written and read by
 * the profiler thread only.
 *
 * stripe s starts at s * stripeLength, stripeLength = dirtyOffset + dirtyLength + STRIPE_PADDING: records are
 * SLOT_ALIGNMENT-aligned, and two writers never share or prefetch each other's line pair.
 *
 *   offset 0                      slot records, slotCapacity * SLOT_LENGTH bytes (below)
 *   dirtyOffset = slotCapacity * SLOT_LENGTH
 *                                 dirty-slot bitmap: int64 words, bit (slot mod 64) of word (slot / 64) set by the
 *                                 stripe's owner after each record of that slot (plain read, release store of
 *                                 word | bit); cleared by the profiler with an atomic exchange when it folds the
 *                                 slot. dirtyLength = ceil(slotCapacity / 64) * 8, rounded up to SLOT_ALIGNMENT
 *   dirtyOffset + dirtyLength     STRIPE_PADDING bytes of zero
 *
 * slot record (SLOT_LENGTH = 128 bytes, aligned to 128: one adjacent-line pair), written by the stripe's owner
 * thread only (plain read, plain write, published by the release store of its dirty bit), read by the profiler
 * thread (opaque read, after taking the dirty bit):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+  cache line 0
 * |                points (int64, grows)             offset 0     |
 * +---------------------------------------------------------------+
 * |                bytes (int64, grows)              offset 8     |
 * +---------------------------------------------------------------+
 * |        query cost: points scanned (int64, grows) offset 16    |
 * +---------------------------------------------------------------+
 * |                reserved (zero)                   offset 24    |
 * +-------------------------------+-------------------------------+
 * | bucket points [0..7] (uint32, wrapping)          offset 32    |
 * +-------------------------------+-------------------------------+  cache line 1
 * | bucket points [8..15] (uint32, wrapping)         offset 64    |
 * +---------------------------------------------------------------+
 * |                padding (zero)                    offset 96    |
 * +---------------------------------------------------------------+
 * </pre>
 * Bucket counters are 32-bit so that a record fits one 128-byte line pair; they wrap, and the profiler takes their
 * differences modulo 2<sup>32</sup>, which is exact while a slot's points per tick stay below 2<sup>31</sup>
 * (the profiler counts the ticks where they do not: {@link ProfilerAgent#bucketOverflowCount()}).
 */
public final class LoadRecorderDescriptor {
    /** Offset of the point count. */
    public static final int POINTS_OFFSET = 0;
    /** Offset of the byte count. */
    public static final int BYTES_OFFSET = POINTS_OFFSET + Long.BYTES;
    /** Offset of the query cost (points scanned). */
    public static final int QUERY_COST_OFFSET = BYTES_OFFSET + Long.BYTES;
    /** Offset of the reserved word. */
    public static final int RESERVED_OFFSET = QUERY_COST_OFFSET + Long.BYTES;
    /** Offset of the first per-bucket point count. */
    public static final int BUCKET_POINTS_OFFSET = RESERVED_OFFSET + Long.BYTES;
    /** Length of one bucket counter. */
    public static final int BUCKET_POINTS_LENGTH = Integer.BYTES;
    /** Offset of the padding that rounds the record up to its alignment. */
    public static final int PADDING_OFFSET = BUCKET_POINTS_OFFSET + KeySpace.BUCKET_COUNT * BUCKET_POINTS_LENGTH;
    /** Alignment of a slot record: an adjacent-line pair, which the hardware prefetches together. */
    public static final int SLOT_ALIGNMENT = 128;
    /** Length of one slot record. */
    public static final int SLOT_LENGTH = (PADDING_OFFSET + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    /** {@code log2(SLOT_LENGTH)}, for the record's offset. */
    public static final int SLOT_SHIFT = Integer.numberOfTrailingZeros(SLOT_LENGTH);
    /** Alignment of each stripe. */
    public static final int STRIPE_ALIGNMENT = SLOT_ALIGNMENT;
    /** Gap between stripes so that different writers never touch neighbouring lines. */
    public static final int STRIPE_PADDING = 128;

    private LoadRecorderDescriptor() {
    }

    /** Slots per dirty-bitmap word. */
    public static final int SLOTS_PER_DIRTY_WORD = Long.SIZE;
    /** {@code log2(SLOTS_PER_DIRTY_WORD)}. */
    public static final int DIRTY_WORD_SHIFT = Integer.numberOfTrailingZeros(SLOTS_PER_DIRTY_WORD);

    /** Length of one stripe, dirty bitmap and padding included, for the given slot capacity. */
    public static long stripeLength(final int slotCapacity) {
        return dirtyOffset(slotCapacity) + dirtyLength(slotCapacity) + STRIPE_PADDING;
    }

    /** Offset, within a stripe, of its dirty-slot bitmap: right after the slot records. */
    public static long dirtyOffset(final int slotCapacity) {
        return (long) slotCapacity << SLOT_SHIFT;
    }

    /** Number of 64-bit words of the dirty-slot bitmap. */
    public static int dirtyWords(final int slotCapacity) {
        return (slotCapacity + SLOTS_PER_DIRTY_WORD - 1) >>> DIRTY_WORD_SHIFT;
    }

    /** Length of the dirty-slot bitmap, rounded up to {@link #SLOT_ALIGNMENT}. */
    public static long dirtyLength(final int slotCapacity) {
        return ((long) dirtyWords(slotCapacity) * Long.BYTES + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    }

    /** Offset of a slot record within the recorder's memory. */
    public static long slotOffset(final long stripeLength, final int stripe, final int slot) {
        return stripe * stripeLength + ((long) slot << SLOT_SHIFT);
    }

    /** Offset of a bucket counter within a slot record. */
    public static int bucketOffset(final int bucket) {
        return BUCKET_POINTS_OFFSET + bucket * BUCKET_POINTS_LENGTH;
    }
}
