package io.presplit.profile;

import io.presplit.keyspace.KeySpace;

/**
 * Layout of the skeleton recorder (the benchmark baseline). Off-heap layout of a
 * {@link SkeletonLoadRecorder}: one stripe per writer thread, one slot record per partition slot
 * inside each stripe. All fields are native-order 64-bit counters that only ever grow.
 *
 * <pre>
 * stripe s starts at s * stripeLength (stripeLength = slotCapacity * SLOT_LENGTH, rounded up to
 * STRIPE_ALIGNMENT, plus STRIPE_PADDING so that two writers never share or prefetch each other's lines)
 *
 * slot record (SLOT_LENGTH = 160 bytes), written by the stripe's owner thread only (plain read, opaque write),
 * read by the profiler thread (opaque read):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                    points (int64)              offset 0       |
 * +---------------------------------------------------------------+
 * |                    bytes (int64)               offset 8       |
 * +---------------------------------------------------------------+
 * |                    query cost: points scanned  offset 16      |
 * +---------------------------------------------------------------+
 * |                    reserved (zero)             offset 24      |
 * +---------------------------------------------------------------+
 * |           bucket points [BUCKET_COUNT] (int64) offset 32 ..159 |
 * +---------------------------------------------------------------+
 * </pre>
 */
final class SkeletonLoadRecorderDescriptor {
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
    /** Length of one slot record. */
    public static final int SLOT_LENGTH = BUCKET_POINTS_OFFSET + KeySpace.BUCKET_COUNT * Long.BYTES;
    /** Alignment of each stripe: two cache lines, against adjacent-line prefetch. */
    public static final int STRIPE_ALIGNMENT = 128;
    /** Gap between stripes so that different writers never touch neighbouring lines. */
    public static final int STRIPE_PADDING = 128;

    private SkeletonLoadRecorderDescriptor() {
    }

    /** Length of one stripe, padding included, for the given slot capacity. */
    public static long stripeLength(final int slotCapacity) {
        final long raw = (long) slotCapacity * SLOT_LENGTH;
        final long aligned = (raw + STRIPE_ALIGNMENT - 1) & -STRIPE_ALIGNMENT;
        return aligned + STRIPE_PADDING;
    }

    /** Offset of a slot record within the recorder's memory. */
    public static long slotOffset(final long stripeLength, final int stripe, final int slot) {
        return stripe * stripeLength + (long) slot * SLOT_LENGTH;
    }
}
