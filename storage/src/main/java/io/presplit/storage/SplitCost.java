package io.presplit.storage;

/**
 * What compaction would move after a split of a partition at {@code splitKey} ({@link PartitionStore#splitCost}):
 * the bytes each child would copy from the partition's data, as of the call.
 *
 * @param splitKey        the candidate split key: the upper child's first key.
 * @param lowerChildBytes bytes of the records with a key below {@code splitKey}.
 * @param upperChildBytes bytes of the records with a key at or above {@code splitKey}.
 */
public record SplitCost(long splitKey, long lowerChildBytes, long upperChildBytes) {
    /** Bytes both children copy together. */
    public long totalBytes() {
        return lowerChildBytes + upperChildBytes;
    }

    /** Bytes the larger copy moves: at the compaction budget, how long until both children read only their own. */
    public long largerChildBytes() {
        return Math.max(lowerChildBytes, upperChildBytes);
    }
}
