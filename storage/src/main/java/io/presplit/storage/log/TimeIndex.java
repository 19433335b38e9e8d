package io.presplit.storage.log;

/**
 * Sparse time index of one segment that no longer takes records (ROLLED or SEALED): the segment's records cut
 * into blocks of {@link #RECORDS_PER_BLOCK}, each with its start offset and the smallest and largest timestamp in
 * it. A range read skips the whole segment when its time span misses the range, and every block whose span
 * misses it. Timestamps need not be ordered: the spans are exact bounds.
 * <p>
 * Built in memory from the records, once per segment, on the first range read after the segment stopped taking
 * records (one sequential pass; not persisted). Immutable; shared by readers.
 */
final class TimeIndex {
    /** Records per index block. */
    static final int RECORDS_PER_BLOCK = 64;

    private final long[] blockStartOffsets;
    private final long[] blockMinTimestampNs;
    private final long[] blockMaxTimestampNs;
    private final int blockCount;
    private final long endOffset;
    private final long minTimestampNs;
    private final long maxTimestampNs;

    TimeIndex(final long[] blockStartOffsets, final long[] blockMinTimestampNs, final long[] blockMaxTimestampNs,
        final int blockCount, final long endOffset) {
        this.blockStartOffsets = blockStartOffsets;
        this.blockMinTimestampNs = blockMinTimestampNs;
        this.blockMaxTimestampNs = blockMaxTimestampNs;
        this.blockCount = blockCount;
        this.endOffset = endOffset;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < blockCount; i++) {
            min = Math.min(min, blockMinTimestampNs[i]);
            max = Math.max(max, blockMaxTimestampNs[i]);
        }
        this.minTimestampNs = min;
        this.maxTimestampNs = max;
    }

    /** Number of blocks. */
    int blockCount() {
        return blockCount;
    }

    /** Whether block {@code block} may hold a timestamp in {@code [fromNs, toNs]}. */
    boolean overlaps(final int block, final long fromNs, final long toNs) {
        return blockMinTimestampNs[block] <= toNs && blockMaxTimestampNs[block] >= fromNs;
    }

    /** Whether any record of the segment may have a timestamp in {@code [fromNs, toNs]}. */
    boolean overlaps(final long fromNs, final long toNs) {
        return blockCount > 0 && minTimestampNs <= toNs && maxTimestampNs >= fromNs;
    }

    /** Offset of the first record of {@code block}. */
    long blockStart(final int block) {
        return blockStartOffsets[block];
    }

    /** Offset just past the last record of {@code block}. */
    long blockEnd(final int block) {
        return block + 1 < blockCount ? blockStartOffsets[block + 1] : endOffset;
    }

    /** Smallest timestamp in the segment, or {@link Long#MAX_VALUE} when empty. */
    long minTimestampNs() {
        return minTimestampNs;
    }

    /** Largest timestamp in the segment, or {@link Long#MIN_VALUE} when empty. */
    long maxTimestampNs() {
        return maxTimestampNs;
    }
}
