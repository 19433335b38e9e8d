package io.presplit.adjust;

/**
 * The thresholds and limits of the adjustment engine. Immutable; the engine reads the current policy once per
 * step, so a new policy can be published while it runs.
 *
 * @param splitThreshold       split when the predicted peak exceeds capacity times this (e.g. 0.8).
 * @param mergeThreshold       merge two neighbours when both are predicted and measured below capacity times this,
 *                             and their merged prediction stays below the split threshold.
 * @param mergeWindowTicks     the recent window whose measured maximum must also be low before a merge.
 * @param cooldownNs           no decision on a partition born or changed less than this long ago, except a further
 *                             split of a split child (that continues the split; only undoing it is thrash).
 * @param maxPartitions        never more live partitions than this.
 * @param minSplitImprovement  a split must leave the larger child at most this share of the parent's load;
 *                             otherwise the load sits on a hot key that no split relieves (e.g. 0.9).
 * @param splitLookaheadTicks  the leading forecast steps a split judges (at most the horizon in use). A split
 *                             need only cover the load until the children may change again (decision delay plus
 *                             cooldown); splitting for a peak further out buys partitions too early. Merges
 *                             always judge the whole horizon: split late enough, merge only what will hold.
 */
public record AdjustmentPolicy(
    double splitThreshold,
    double mergeThreshold,
    int mergeWindowTicks,
    long cooldownNs,
    int maxPartitions,
    double minSplitImprovement,
    int splitLookaheadTicks) {

    /** Splits judge the whole horizon. */
    public static final int WHOLE_HORIZON = Integer.MAX_VALUE;

    /** A policy whose splits judge the whole horizon ({@link #WHOLE_HORIZON}). */
    public AdjustmentPolicy(final double splitThreshold, final double mergeThreshold, final int mergeWindowTicks,
        final long cooldownNs, final int maxPartitions, final double minSplitImprovement) {
        this(splitThreshold, mergeThreshold, mergeWindowTicks, cooldownNs, maxPartitions, minSplitImprovement,
            WHOLE_HORIZON);
    }

    /** Checks the policy. */
    public AdjustmentPolicy {
        if (!(splitThreshold > 0) || !(mergeThreshold >= 0) || mergeThreshold >= splitThreshold) {
            throw new IllegalArgumentException("thresholds must satisfy 0 <= merge < split [splitThreshold="
                + splitThreshold + ", mergeThreshold=" + mergeThreshold + "]");
        }
        if (mergeWindowTicks < 1 || cooldownNs < 0 || maxPartitions < 1) {
            throw new IllegalArgumentException("invalid limits [mergeWindowTicks=" + mergeWindowTicks
                + ", cooldownNs=" + cooldownNs + ", maxPartitions=" + maxPartitions + "]");
        }
        if (!(minSplitImprovement > 0.5 && minSplitImprovement <= 1)) {
            throw new IllegalArgumentException(
                "minSplitImprovement must lie in (0.5, 1] [minSplitImprovement=" + minSplitImprovement + "]");
        }
        if (splitLookaheadTicks < 1) {
            throw new IllegalArgumentException(
                "splitLookaheadTicks must be at least 1 [splitLookaheadTicks=" + splitLookaheadTicks + "]");
        }
    }
}
