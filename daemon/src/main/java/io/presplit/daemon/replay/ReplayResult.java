package io.presplit.daemon.replay;

/**
 * What one policy did on one trace.
 *
 * @param policy                  the policy.
 * @param forecaster              the forecaster's name.
 * @param splitThreshold          the split threshold used (share of capacity).
 * @param ticks                   ticks replayed.
 * @param partitionTicks          sum over ticks of live partitions: the cost.
 * @param saturatedPartitionTicks partition-ticks whose measured load exceeded capacity.
 * @param unannounced             saturated partition-ticks whose partition was at or under the split level the
 *                                tick before: jumps from normal to overload within one tick, which no past data
 *                                announced and no forecast from history can be expected to catch.
 * @param hotKeyFloor             (tick, key) pairs where one key alone exceeded a partition's capacity: each forces
 *                                a saturated partition-tick on any policy, since no split divides a key. A property
 *                                of the trace and capacity, the same for every policy.
 * @param worstOverload           the highest measured load / capacity of any partition in any tick.
 * @param splits                  splits committed during the replay (the initial partitioning not counted).
 * @param merges                  merges committed.
 * @param thrash                  splits undone by a merge, or merges by a split, within the thrash window.
 * @param movedBytes              bytes compaction copied: a split or merge hands sealed segments over without
 *                                copying, and the replay compacts each new partition after the tick it appears in,
 *                                so this is the data movement the policy's changes cost; {@link #NOT_MEASURED}
 *                                when the replay ran without compaction.
 * @param aborts                  transactions aborted.
 * @param hotKeyHolds             times a partition over threshold was held because of a hot key.
 * @param maxPartitions           the most live partitions at once.
 * @param pointsWritten           points acknowledged by the store.
 * @param pointsReadBack          points read back from the store after the replay.
 * @param elapsedMs               wall time of the replay.
 */
public record ReplayResult(
    Policy policy,
    String forecaster,
    double splitThreshold,
    int ticks,
    long partitionTicks,
    long saturatedPartitionTicks,
    long unannounced,
    long hotKeyFloor,
    double worstOverload,
    long splits,
    long merges,
    long thrash,
    long movedBytes,
    long aborts,
    long hotKeyHolds,
    int maxPartitions,
    long pointsWritten,
    long pointsReadBack,
    long elapsedMs) {

    /** {@link #movedBytes} of a replay that ran without compaction. */
    public static final long NOT_MEASURED = -1;

    /** Share of partition-ticks that were saturated. */
    public double saturatedShare() {
        return partitionTicks == 0 ? 0 : (double) saturatedPartitionTicks / partitionTicks;
    }
}
