package io.presplit.profile;

import io.presplit.keyspace.KeySpace;

/**
 * Off-heap layout of a {@link LoadRecorder}: one stripe per writer thread, one 64-byte ingest record per partition
 * slot inside each stripe, so that an ingest record touches one cache line. Native byte order.
 *
 * <pre>
 * stripes 0 .. stripeCount-1 belong to writers; stripe stripeCount (one more) is the profiler's: in the same layout
 * it holds each slot's totals at the previous fold of its bucket counts (every tick by default; its dirty flags
 * unused), written and read by the profiler thread only.
 *
 * fold tick totals, a region of its own (TICK_TOTALS_LENGTH = 16 bytes per slot, four slots a line), the profiler's
 * only, used when it folds bucket counts every K &gt; 1 ticks: each slot's points and bytes at its previous fold, so
 * that a tick's fold reads and rewrites a quarter line per slot rather than the whole totals record:
 *   +0  int64  points summed over the stripes at the slot's previous fold
 *   +8  int64  bytes, the same
 *
 * stripe s starts at s * stripeLength; every region below is SLOT_ALIGNMENT-aligned, and STRIPE_PADDING bytes
 * (two lines) separate stripes, so that two writers never share a line or an adjacent-line pair:
 *
 *   offset 0                        ingest records, slotCapacity * SLOT_LENGTH bytes (below)
 *   queryCostOffset                 query cost per slot: int64 (grows), slotCapacity * 8 bytes rounded up
 *   ingestDirtyOffset               ingest dirty flags: one byte per slot (byte slot), set to 1 by the stripe's
 *                                   owner after each ingest record of that slot (a release store, no read),
 *                                   cleared by the profiler eight at a time with an atomic exchange (or and-not) of
 *                                   the aligned int64 holding them when it folds the slots; one 64-byte line per
 *                                   SLOTS_PER_DIRTY_WORD slots: dirtyLength = ceil(slotCapacity / 64) * 64
 *   queryDirtyOffset                query dirty flags, the same for query records
 *   queryDirtyOffset + dirtyLength  STRIPE_PADDING bytes of zero
 *
 * ingest record (SLOT_LENGTH = 64 bytes, aligned to 64: one cache line), written by the stripe's owner thread only
 * (plain read, plain write, published by the release store of its dirty flag), read by the profiler thread after
 * taking the dirty flag:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                points (int64, grows)             offset 0     |
 * +---------------------------------------------------------------+
 * |                bytes (int64, grows)              offset 8     |
 * +---------------------------------------------------------------+
 * | bucket word 0: buckets 0, 1, 2                   offset 16    |
 * | bucket word 1: buckets 3, 4, 5                   offset 24    |
 * | bucket word 2: buckets 6, 7, 8                   offset 32    |
 * | bucket word 3: buckets 9, 10, 11                 offset 40    |
 * | bucket word 4: buckets 12, 13, 14                offset 48    |
 * | bucket word 5: bucket 15                         offset 56    |
 * +---------------------------------------------------------------+
 *
 * bucket word (int64): three 21-bit fields, bucket 3w + k at bits [21k, 21k + 21), the field of bucket 3w + 2 running
 * on to bit 63 (22 bits); word 5 holds bucket 15 at field 0 only:
 *   63 62          42 41          21 20           0
 *  +--+--------------+--------------+--------------+
 *  |   bucket 3w+2   |  bucket 3w+1 |  bucket 3w   |
 *  +--+--------------+--------------+--------------+
 * </pre>
 * A record adds {@code points << 21k} to its bucket's word with a plain 64-bit add: the word is the mixed-radix
 * number sum<sub>k</sub> count<sub>k</sub> 2<sup>21k</sup> modulo 2<sup>64</sup>, and a field that passes
 * 2<sup>21</sup> carries into the next one. That is harmless, because nothing reads single fields of a word that
 * only grows: the profiler sums the words of all stripes and subtracts its totals with plain 64-bit arithmetic
 * (one 512-bit vector add and subtract for the whole record), and the difference of a word is
 * sum<sub>k</sub> delta<sub>k</sub> 2<sup>21k</sup>, whose fields do not overlap, so decode exactly, while every
 * bucket's delta is below 2<sup>21</sup>: always when the slot took fewer than 2<sup>21</sup> points in the tick
 * (about two million). The profiler counts the ticks where it did not ({@link ProfilerAgent#bucketOverflowCount()});
 * points, bytes and query cost stay exact 64-bit counters whatever the rate. The 21-bit fields are what lets a
 * slot's totals and all 16 bucket counters share one cache line; the plain add is what keeps the record to one
 * shift and one add per bucket (a masked, carry-free field update measured about 0.7 ns more a record).
 */
public final class LoadRecorderDescriptor {
    /** Offset of the point count. */
    public static final int POINTS_OFFSET = 0;
    /** Offset of the byte count. */
    public static final int BYTES_OFFSET = POINTS_OFFSET + Long.BYTES;
    /** Offset of the first bucket word. */
    public static final int BUCKET_WORDS_OFFSET = BYTES_OFFSET + Long.BYTES;
    /** Width of one bucket counter field. */
    public static final int BUCKET_FIELD_BITS = 21;
    /** Bucket counter fields per bucket word. */
    public static final int BUCKETS_PER_WORD = Long.SIZE / BUCKET_FIELD_BITS;
    /** Mask of one bucket counter field, at bit 0. */
    public static final long BUCKET_FIELD_MASK = (1L << BUCKET_FIELD_BITS) - 1;
    /** Number of bucket words. */
    public static final int BUCKET_WORDS = (KeySpace.BUCKET_COUNT + BUCKETS_PER_WORD - 1) / BUCKETS_PER_WORD;
    /** Offset of the end of the record's fields. */
    public static final int RECORD_END_OFFSET = BUCKET_WORDS_OFFSET + BUCKET_WORDS * Long.BYTES;
    /** Length of one slot's fold tick totals: points and bytes. */
    public static final int TICK_TOTALS_LENGTH = 2 * Long.BYTES;
    /** Alignment of an ingest record: one cache line. */
    public static final int SLOT_ALIGNMENT = 64;
    /** Length of one ingest record. */
    public static final int SLOT_LENGTH = (RECORD_END_OFFSET + SLOT_ALIGNMENT - 1) & -SLOT_ALIGNMENT;
    /** {@code log2(SLOT_LENGTH)}, for the record's offset. */
    public static final int SLOT_SHIFT = Integer.numberOfTrailingZeros(SLOT_LENGTH);
    /** Length of one query cost counter. */
    public static final int QUERY_COST_LENGTH = Long.BYTES;
    /** {@code log2(QUERY_COST_LENGTH)}. */
    public static final int QUERY_COST_SHIFT = Integer.numberOfTrailingZeros(QUERY_COST_LENGTH);
    /** Alignment of each stripe. */
    public static final int STRIPE_ALIGNMENT = 128;
    /** Gap between stripes so that different writers never touch neighbouring lines. */
    public static final int STRIPE_PADDING = 128;
    /** Slots per group of dirty flags that the profiler takes together (one 64-byte line of flags). */
    public static final int SLOTS_PER_DIRTY_WORD = Long.SIZE;
    /** {@code log2(SLOTS_PER_DIRTY_WORD)}. */
    public static final int DIRTY_WORD_SHIFT = Integer.numberOfTrailingZeros(SLOTS_PER_DIRTY_WORD);
    /**
     * {@code bucket / BUCKETS_PER_WORD} for every bucket, three bits each (bucket b at bit 3b): the record path
     * looks its word up with a shift and a mask rather than a division (measured: about half a nanosecond).
     */
    private static final long BUCKET_WORD_TABLE = packBuckets(3, BUCKETS_PER_WORD, true);
    /** {@code bucket % BUCKETS_PER_WORD} for every bucket, two bits each (bucket b at bit 2b). */
    private static final long BUCKET_FIELD_TABLE = packBuckets(2, BUCKETS_PER_WORD, false);
    /** Length of one dirty flag. */
    public static final int DIRTY_FLAG_LENGTH = Byte.BYTES;

    private LoadRecorderDescriptor() {
    }

    /** Length of one stripe, for the given slot capacity: a multiple of {@link #STRIPE_ALIGNMENT}. */
    public static long stripeLength(final int slotCapacity) {
        return align(queryDirtyOffset(slotCapacity) + dirtyLength(slotCapacity) + STRIPE_PADDING, STRIPE_ALIGNMENT);
    }

    /** Offset, within a stripe, of the query cost counters: right after the ingest records. */
    public static long queryCostOffset(final int slotCapacity) {
        return (long) slotCapacity << SLOT_SHIFT;
    }

    /** Offset, within a stripe, of its ingest dirty flags: after the query cost counters. */
    public static long ingestDirtyOffset(final int slotCapacity) {
        return queryCostOffset(slotCapacity)
            + align((long) slotCapacity << QUERY_COST_SHIFT, SLOT_ALIGNMENT);
    }

    /** Offset, within a stripe, of its query dirty flags: after the ingest flags. */
    public static long queryDirtyOffset(final int slotCapacity) {
        return ingestDirtyOffset(slotCapacity) + dirtyLength(slotCapacity);
    }

    /** Number of groups of {@link #SLOTS_PER_DIRTY_WORD} dirty flags (lines of flags) per kind. */
    public static int dirtyWords(final int slotCapacity) {
        return (slotCapacity + SLOTS_PER_DIRTY_WORD - 1) >>> DIRTY_WORD_SHIFT;
    }

    /** Length of one kind's dirty flags: whole lines of {@link #SLOTS_PER_DIRTY_WORD} one-byte flags. */
    public static long dirtyLength(final int slotCapacity) {
        return align((long) dirtyWords(slotCapacity) * SLOTS_PER_DIRTY_WORD * DIRTY_FLAG_LENGTH, SLOT_ALIGNMENT);
    }

    /** Offset, within the fold tick totals, of {@code slot}'s points; its bytes follow. */
    public static long tickTotalsOffset(final int slot) {
        return (long) slot * TICK_TOTALS_LENGTH;
    }

    /** Offset of a slot's ingest record within the recorder's memory. */
    public static long slotOffset(final long stripeLength, final int stripe, final int slot) {
        return stripe * stripeLength + ((long) slot << SLOT_SHIFT);
    }

    /** Index of the bucket word holding {@code bucket}'s counter: {@code bucket / 3}, from a packed table. */
    public static int bucketWord(final int bucket) {
        return (int) (BUCKET_WORD_TABLE >>> (3 * bucket)) & 7;
    }

    /** Bit position of {@code bucket}'s counter field within its bucket word: {@code 21 (bucket % 3)}. */
    public static int bucketShift(final int bucket) {
        return ((int) (BUCKET_FIELD_TABLE >>> (2 * bucket)) & 3) * BUCKET_FIELD_BITS;
    }

    /** Offset, within an ingest record, of the bucket word holding {@code bucket}'s counter. */
    public static int bucketWordOffset(final int bucket) {
        return BUCKET_WORDS_OFFSET + (bucketWord(bucket) << 3);
    }

    private static long packBuckets(final int bitsPerBucket, final int perWord, final boolean isWord) {
        long table = 0;
        for (int bucket = 0; bucket < KeySpace.BUCKET_COUNT; bucket++) {
            table |= (long) (isWord ? bucket / perWord : bucket % perWord) << (bitsPerBucket * bucket);
        }
        return table;
    }

    private static long align(final long offset, final int alignment) {
        return (offset + alignment - 1) & -alignment;
    }
}
