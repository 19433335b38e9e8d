package io.presplit.adjust;

import java.util.Arrays;

/**
 * What compaction would move after a split: the tie-breaker between split points that leave the same predicted
 * load in the larger child.
 * <p>
 * A split copies nothing; compaction later copies each child's records out of the parent's data, at a budget. The
 * total copied is the parent's data whatever the split point, but the larger child's share sets how long until
 * both children read only their own files; so among equally good points the engine takes the one whose larger
 * child copies least. Ties are exact, not approximate: they arise where key buckets took no recent load (a run of
 * empty buckets between two loaded ones, or a partition whose decayed bucket loads are all zero), and the data
 * written there earlier can still sit anywhere in the range.
 * <p>
 * The store knows the bytes (in the storage module, {@code PartitionStore.splitCost}); the engine asks only when it
 * has such a tie, so an implementation may allocate and scan (cold path: a split decision), once per call for all
 * the candidates.
 */
@FunctionalInterface
public interface CompactionCost {
    /** No knowledge of the data: every candidate costs the same, and ties go to the boundary nearest the low end. */
    CompactionCost NONE = (partitionId, splitKeys, count, bytesOut) -> Arrays.fill(bytesOut, 0, count, 0L);

    /**
     * Fills {@code bytesOut[i]} with the bytes that the larger child would copy if partition {@code partitionId}
     * were split at {@code splitKeys[i]}, for {@code i} in {@code [0, count)}. Control thread.
     *
     * @param partitionId a live partition.
     * @param splitKeys   candidate split keys (the upper child's first key), ascending, each inside the partition.
     * @param count       how many candidates.
     * @param bytesOut    where the costs go.
     * @throws RuntimeException when the store cannot say (the engine then counts it and keeps the lowest boundary).
     */
    void largerChildBytes(long partitionId, long[] splitKeys, int count, long[] bytesOut);
}
