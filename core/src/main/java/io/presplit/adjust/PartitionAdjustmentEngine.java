package io.presplit.adjust;

import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.ForecastTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

/**
 * Decides, once per control step, which partitions to split and which neighbours to merge, from their predicted
 * load over the horizon against capacity.
 * <p>
 * Predictions are the forecast's 90 % quantile ({@link ForecastTable#peakUpper}), not only its mean, so that an
 * ordinary bad tick does not catch a partition out; a forecaster without intervals gives its point forecast.
 * Look-aheads are in ticks: where the table's long steps are roll-up rows ({@link io.presplit.forecast.StepSchedule}),
 * each row step's p90 bounds its largest tick, and a look-ahead ending inside a row reads that whole row's bound
 * (conservative: it may see a peak up to a row past its end, never misses one inside it).
 * <p>
 * The rule, per live partition in key order:
 * <ul>
 *   <li>split when the predicted peak over the split look-ahead (the leading
 *       {@link AdjustmentPolicy#splitLookaheadTicks} ticks of the horizon, through the steps covering them) exceeds
 *       {@code capacity * splitThreshold}, unless it is cooling down (a split child is not, for a further split:
 *       that continues its parent's split instead of undoing it), the partition limit is reached, or its
 *       load sits on one key bucket (a hot key). The split point is the key-bucket boundary that minimises the
 *       larger child's load (from the decayed per-bucket load), ties broken by what compaction must then copy
 *       ({@link CompactionCost}). When the peak needs more than two pieces to fit
 *       under the split level, one decision cuts the partition into up to {@link #MAX_PIECES} pieces of about
 *       equal load, instead of one split per cooldown;</li>
 *   <li>merge a partition with its upper neighbour when neither is cooling down, both are predicted and were
 *       measured over the recent window below {@code capacity * mergeThreshold}, and their summed prediction
 *       stays below {@code capacity * splitThreshold} over the whole horizon (every step covering it, row steps
 *       summed bound by bound): split early, merge late.</li>
 * </ul>
 * Every partition held back from a split records why ({@link HoldReason}), per slot and in counters.
 * <p>
 * Threading: the control thread. {@link #step} allocates nothing; the policy can be replaced from any thread
 * and takes effect at the next step.
 */
public final class PartitionAdjustmentEngine {
    /** Most pieces one decision cuts a partition into. */
    public static final int MAX_PIECES = 4;
    /** {@link #chooseSplitKey} result when no split point relieves the partition. */
    public static final long NO_SPLIT_KEY = -1L;

    private final PartitionTable partitions;
    private final long[] holdCounts = new long[HoldReason.VALUES.length];
    private final long[] splitKeys = new long[MAX_PIECES - 1];
    private final CompactionCost compactionCost;
    /** Scratch of {@link #chooseSplitKey}: the keys of the boundaries tied for the best split, and their costs. */
    private final long[] tiedKeys = new long[KeySpace.BUCKET_COUNT];
    private final long[] tiedBytes = new long[KeySpace.BUCKET_COUNT];
    private volatile AdjustmentPolicy policy;
    private long splitsDecided;
    private long mergesDecided;
    private long splitCostFailures;

    /**
     * An engine without knowledge of the data: ties between split points go to the boundary nearest the low end.
     *
     * @param partitions the live partitions.
     * @param policy     the initial thresholds and limits.
     */
    public PartitionAdjustmentEngine(final PartitionTable partitions, final AdjustmentPolicy policy) {
        this(partitions, policy, CompactionCost.NONE);
    }

    /**
     * @param partitions     the live partitions.
     * @param policy         the initial thresholds and limits.
     * @param compactionCost what compaction would move after a split: breaks ties between split points.
     */
    public PartitionAdjustmentEngine(
        final PartitionTable partitions, final AdjustmentPolicy policy, final CompactionCost compactionCost) {
        this.partitions = partitions;
        this.policy = policy;
        this.compactionCost = compactionCost;
    }

    /** Replaces the thresholds and limits from the next step on. Any thread. */
    public void policy(final AdjustmentPolicy policy) {
        this.policy = policy;
    }

    /** The thresholds and limits in force. */
    public AdjustmentPolicy policy() {
        return policy;
    }

    /**
     * Runs one control step. Allocation-free.
     *
     * @param nowNs     the control clock.
     * @param forecasts predicted ingest points per slot over the horizon.
     * @param history   the measured load.
     * @param capacity  the capacity plan.
     * @param sink      where decisions go.
     * @return the number of decisions sent.
     */
    public int step(
        final long nowNs, final ForecastTable forecasts, final LoadHistory history, final CapacityPlan capacity,
        final DecisionSink sink) {
        final AdjustmentPolicy policy = this.policy;
        final PartitionTable partitions = this.partitions;
        final double splitLevel = capacity.ingestPointsPerTick() * policy.splitThreshold();
        final double mergeLevel = capacity.ingestPointsPerTick() * policy.mergeThreshold();
        final double capacityLevel = capacity.ingestPointsPerTick();
        final int liveCount = partitions.liveCount();
        int pendingSplits = 0;
        int decisions = 0;
        // Each partition's peak is read once and carried, since the merge check also needs the upper neighbour's.
        double peak = liveCount > 0 ? forecasts.peakUpper(partitions.liveSlot(0)) : 0;
        for (int i = 0; i < liveCount; i++) {
            final int slot = partitions.liveSlot(i);
            final boolean hasUpper = i + 1 < liveCount;
            final int upper = hasUpper ? partitions.liveSlot(i + 1) : -1;
            final double upperPeak = hasUpper ? forecasts.peakUpper(upper) : 0;
            // The whole-horizon peak bounds the split's shorter look ahead: read that only when it may matter.
            final double splitPeak = peak > splitLevel ? forecasts.peakUpper(slot, policy.splitLookaheadTicks()) : 0;
            if (splitPeak > splitLevel) {
                final HoldReason reason;
                if (nowNs - partitions.splitHoldUntilNs(slot) < 0) {
                    reason = HoldReason.COOLDOWN;
                } else if (liveCount + pendingSplits >= policy.maxPartitions()) {
                    reason = HoldReason.PARTITION_LIMIT;
                } else {
                    // As many pieces as the predicted peak needs to fit under the split level, within the limits.
                    final int wanted = (int) Math.min(MAX_PIECES, Math.ceil(splitPeak / splitLevel));
                    final int allowed = policy.maxPartitions() - liveCount - pendingSplits + 1;
                    final int pieces = chooseSplitKeys(history, slot, Math.max(2, Math.min(wanted, allowed)),
                        largestUsefulShare(policy.minSplitImprovement(), splitPeak, capacityLevel), splitKeys);
                    if (pieces < 2) {
                        reason = HoldReason.HOT_KEY;
                    } else {
                        int sent = 0;
                        while (sent < pieces - 1 && sink.split(slot, splitKeys[sent])) {
                            sent++;
                        }
                        if (sent > 0) {
                            reason = HoldReason.NONE;
                            partitions.cooldownUntilNs(slot, nowNs + policy.cooldownNs());
                            pendingSplits += sent;
                            decisions += sent;
                            splitsDecided += sent;
                        } else {
                            reason = HoldReason.BACKLOG;
                        }
                    }
                }
                partitions.holdReason(slot, reason);
                holdCounts[reason.ordinal()]++;
            } else {
                partitions.holdReason(slot, HoldReason.NONE);
                if (hasUpper && peak < mergeLevel && upperPeak < mergeLevel
                    && isMergeable(nowNs, forecasts, history, policy, slot, upper, splitLevel, mergeLevel)
                    && sink.merge(slot, upper)) {
                    partitions.cooldownUntilNs(slot, nowNs + policy.cooldownNs());
                    partitions.cooldownUntilNs(upper, nowNs + policy.cooldownNs());
                    decisions++;
                    mergesDecided++;
                    // The upper neighbour is taken: skip it, and carry the peak of the one after.
                    i++;
                    peak = i + 1 < liveCount ? forecasts.peakUpper(partitions.liveSlot(i + 1)) : 0;
                    continue;
                }
            }
            peak = upperPeak;
        }
        return decisions;
    }

    /** Splits decided since start. */
    public long splitsDecided() {
        return splitsDecided;
    }

    /** Merges decided since start. */
    public long mergesDecided() {
        return mergesDecided;
    }

    /** Split-cost queries that failed ({@link CompactionCost} threw); their ties went to the lowest boundary. */
    public long splitCostFailures() {
        return splitCostFailures;
    }

    /** Times a partition over the split threshold was held back for {@code reason} (NONE counts splits sent). */
    public long holdCount(final HoldReason reason) {
        return holdCounts[reason.ordinal()];
    }

    /**
     * Split keys that cut the partition in {@code slot} into up to {@code pieces} parts of about equal bucket load,
     * in ascending order, into {@code keysOut}. Two pieces use {@link #chooseSplitKey}; more pieces cut where the
     * running bucket load passes each multiple of {@code total / pieces}, so that each part carries about an equal
     * share. Allocation-free.
     *
     * @return the number of pieces (keys + 1), or 0 when no split relieves the partition (a hot key).
     */
    public int chooseSplitKeys(
        final LoadHistory history, final int slot, final int pieces, final double maxLargerShare,
        final long[] keysOut) {
        if (pieces <= 2) {
            final long key = chooseSplitKey(history, slot, maxLargerShare);
            if (key == NO_SPLIT_KEY) {
                return 0;
            }
            keysOut[0] = key;
            return 2;
        }
        final long lo = partitions.keyLo(slot);
        final long hi = partitions.keyHi(slot);
        final long width = KeySpace.bucketWidth(lo, hi);
        double total = 0;
        double largest = 0;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            final double load = history.bucketLoad(slot, b);
            total += load;
            largest = Math.max(largest, load);
        }
        if (total > 0 && largest > maxLargerShare * total) {
            return 0;
        }
        int keys = 0;
        double below = 0;
        for (int boundary = 1; boundary < KeySpace.BUCKET_COUNT && keys < pieces - 1; boundary++) {
            below += history.bucketLoad(slot, boundary - 1);
            final double target = total > 0 ? total * (keys + 1) / pieces : 0;
            final boolean isCut = total > 0
                ? below >= target
                : boundary == (keys + 1) * KeySpace.BUCKET_COUNT / pieces;
            final long key = KeySpace.bucketStart(lo, width, boundary);
            if (isCut && key > lo && key <= hi) {
                keysOut[keys++] = key;
            }
        }
        return keys == 0 ? 0 : keys + 1;
    }

    /**
     * The key-bucket boundary that minimises the larger child's load, or {@link #NO_SPLIT_KEY} when even the best
     * boundary leaves more than {@code maxLargerShare} of the load in one child (a hot key, which a split cannot
     * relieve), or when the range is too narrow to split. Among boundaries that leave exactly the same larger load
     * (buckets without recent load between them), the one whose larger child compaction must copy least
     * ({@link CompactionCost}), then the one nearest the low end, which is stable across steps. Allocation-free
     * itself; the cost is asked once, only when there is such a tie.
     */
    public long chooseSplitKey(final LoadHistory history, final int slot, final double maxLargerShare) {
        final long lo = partitions.keyLo(slot);
        final long hi = partitions.keyHi(slot);
        final long width = KeySpace.bucketWidth(lo, hi);
        double total = 0;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            total += history.bucketLoad(slot, b);
        }
        double bestLarger = Double.POSITIVE_INFINITY;
        int tied = 0;
        double below = 0;
        for (int boundary = 1; boundary < KeySpace.BUCKET_COUNT; boundary++) {
            below += history.bucketLoad(slot, boundary - 1);
            final double larger = Math.max(below, total - below);
            final long key = KeySpace.bucketStart(lo, width, boundary);
            if (key <= lo || key > hi) {
                continue;
            }
            if (larger < bestLarger) {
                bestLarger = larger;
                tied = 0;
            }
            if (larger == bestLarger) {
                tiedKeys[tied++] = key;
            }
        }
        if (tied == 0 || total > 0 && bestLarger > maxLargerShare * total) {
            return NO_SPLIT_KEY;
        }
        return tied == 1 ? tiedKeys[0] : leastCopied(slot, tied);
    }

    /** Of the {@code tied} candidates in {@link #tiedKeys}, the one whose larger child copies least, lowest first. */
    private long leastCopied(final int slot, final int tied) {
        try {
            compactionCost.largerChildBytes(partitions.partitionId(slot), tiedKeys, tied, tiedBytes);
        } catch (final RuntimeException e) {
            // The split itself does not depend on the cost: keep the lowest boundary, and let the count show it.
            splitCostFailures++;
            return tiedKeys[0];
        }
        int best = 0;
        for (int i = 1; i < tied; i++) {
            if (tiedBytes[i] < tiedBytes[best]) {
                best = i;
            }
        }
        return tiedKeys[best];
    }

    /**
     * The largest share of the load one child may keep for a split to be worth making. Normally the policy's
     * {@code minSplitImprovement}: a split that leaves nearly all the load in one child only buys a partition. But
     * when the partition is predicted over capacity, a split that brings the larger child under capacity prevents a
     * saturation however lopsided it is (a key at 95 % of capacity beside a little other load): only a key that is
     * over capacity by itself is a hot key that no split relieves.
     */
    static double largestUsefulShare(final double minSplitImprovement, final double peak, final double capacity) {
        return peak > capacity ? Math.max(minSplitImprovement, capacity / peak) : minSplitImprovement;
    }

    /** The merge conditions beyond the two predicted peaks, which the caller has already checked. */
    private boolean isMergeable(
        final long nowNs, final ForecastTable forecasts, final LoadHistory history, final AdjustmentPolicy policy,
        final int lower, final int upper, final double splitLevel, final double mergeLevel) {
        final PartitionTable partitions = this.partitions;
        if (nowNs - partitions.cooldownUntilNs(lower) < 0 || nowNs - partitions.cooldownUntilNs(upper) < 0) {
            return false;
        }
        final int window = policy.mergeWindowTicks();
        if (history.length(lower) < window || history.length(upper) < window) {
            return false;
        }
        return history.windowMax(Resource.INGEST_POINTS, lower, window) < mergeLevel
            && history.windowMax(Resource.INGEST_POINTS, upper, window) < mergeLevel
            && forecasts.mergedPeakUpper(lower, upper) < splitLevel;
    }
}
