package io.presplit.daemon.replay;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;

import java.util.concurrent.TimeUnit;

/**
 * Everything a replay needs besides the trace and the policy. One set of defaults for every trace, derived from
 * the trace's own scale so that no trace is tuned by hand:
 * <ul>
 *   <li>points: the trace is scaled so that the mean tick writes {@value #DEFAULT_POINTS_PER_TICK} points;</li>
 *   <li>capacity: at the mean load, the initial partitions run at {@value #DEFAULT_MEAN_UTILIZATION} of capacity,
 *       i.e. {@code capacity = meanTotal / (initialPartitions * 0.5)}; peaks above twice the mean saturate a
 *       static partitioning;</li>
 *   <li>initial partitions: {@value #DEFAULT_INITIAL_PARTITIONS}, equal key ranges;</li>
 *   <li>split above 80 % of capacity, merge below 30 % (forecast and the measured last 6 ticks), cooldown 2 ticks,
 *       decisions take effect 1 tick after they are made, horizon 6 ticks (at least delay + cooldown + 2, so the
 *       oracle can act before a surge), season one day, thrash window one season;</li>
 *   <li>splits judge the first delay + cooldown = 3 forecast steps: a split decided now takes effect after the
 *       delay, and its children may change again after the cooldown, so it need only cover that long; merges
 *       judge the whole horizon.</li>
 * </ul>
 *
 * @param initialPartitions   partitions at the start, equal key ranges.
 * @param pointsPerUnit       points written per unit of trace load per tick.
 * @param capacityPoints      capacity of a partition, in points per tick.
 * @param horizonTicks        forecast horizon of the predictive policies and the oracle.
 * @param decisionDelayTicks  ticks between a decision and its effect.
 * @param splitThreshold      split above capacity times this.
 * @param mergeThreshold      merge below capacity times this.
 * @param mergeWindowTicks    measured window that must also be low before a merge.
 * @param cooldownTicks       ticks a changed partition waits before the next change.
 * @param maxPartitions       the most live partitions.
 * @param seasonTicks         ticks per day (the seasonal naive season).
 * @param slotCapacity        load slots.
 * @param splitLookaheadTicks leading forecast steps a split judges ({@link AdjustmentPolicy#splitLookaheadTicks}).
 * @param compaction          whether the store compacts after each tick (and the replay counts the bytes moved);
 *                            off only to make quick experiments faster.
 */
public record ReplaySettings(
    int initialPartitions,
    double pointsPerUnit,
    double capacityPoints,
    int horizonTicks,
    int decisionDelayTicks,
    double splitThreshold,
    double mergeThreshold,
    int mergeWindowTicks,
    int cooldownTicks,
    int maxPartitions,
    int seasonTicks,
    int slotCapacity,
    int splitLookaheadTicks,
    boolean compaction) {

    /** Default points per tick, on average. */
    public static final double DEFAULT_POINTS_PER_TICK = 2000;
    /** Default utilization of the initial partitions at the mean load. */
    public static final double DEFAULT_MEAN_UTILIZATION = 0.5;
    /** The longest season derived from a trace's tick: a day of 30-second ticks. */
    public static final int MAX_SEASON_TICKS = 2_880;
    /** Default number of initial partitions. */
    public static final int DEFAULT_INITIAL_PARTITIONS = 4;
    /** Merge threshold as a share of the split threshold (0.3 / 0.8), kept when a sweep moves the split one. */
    public static final double MERGE_TO_SPLIT = 0.375;

    /** Checks the settings. */
    public ReplaySettings {
        if (initialPartitions < 1 || initialPartitions > maxPartitions || !(pointsPerUnit > 0)
            || !(capacityPoints > 0) || horizonTicks < 1 || decisionDelayTicks < 0 || cooldownTicks < 0
            || seasonTicks < 1 || slotCapacity < 2 * maxPartitions) {
            throw new IllegalArgumentException("invalid replay settings [initialPartitions=" + initialPartitions
                + ", pointsPerUnit=" + pointsPerUnit + ", capacityPoints=" + capacityPoints + ", horizonTicks="
                + horizonTicks + ", decisionDelayTicks=" + decisionDelayTicks + ", cooldownTicks=" + cooldownTicks
                + ", maxPartitions=" + maxPartitions + ", slotCapacity=" + slotCapacity + "]");
        }
        // A shorter oracle merges into surges it cannot split out of in time, and stops being a bound.
        if (horizonTicks < decisionDelayTicks + cooldownTicks + 2) {
            throw new IllegalArgumentException("the horizon must cover decision delay + cooldown + 2 ticks, so that "
                + "the oracle is a bound [horizonTicks=" + horizonTicks + ", decisionDelayTicks=" + decisionDelayTicks
                + ", cooldownTicks=" + cooldownTicks + "]");
        }
        if (splitLookaheadTicks < 1) {
            throw new IllegalArgumentException(
                "splitLookaheadTicks must be at least 1 [splitLookaheadTicks=" + splitLookaheadTicks + "]");
        }
    }

    /**
     * The defaults for {@code trace}.
     *
     * @param initialPartitions initial partitions, or 0 for the default.
     * @param capacityUnits     capacity in the trace's unit, or 0 to derive it.
     */
    public static ReplaySettings derive(final WideTrace trace, final int initialPartitions,
        final double capacityUnits) {
        final int partitions = initialPartitions > 0 ? initialPartitions : DEFAULT_INITIAL_PARTITIONS;
        final double meanTotal = trace.meanTotal();
        if (!(meanTotal > 0)) {
            throw new IllegalArgumentException("trace carries no load [keys=" + trace.keys().size() + "]");
        }
        final double pointsPerUnit = DEFAULT_POINTS_PER_TICK / meanTotal;
        final double capacity = capacityUnits > 0 ? capacityUnits : meanTotal / (partitions * DEFAULT_MEAN_UTILIZATION);
        final int season = seasonTicks(trace.tickNs());
        final int delay = 1;
        final int cooldown = 2;
        // The merge threshold as the sweep computes it (0.8 x 0.375), so that a default run is the sweep's 0.8 row.
        final double split = 0.8;
        return new ReplaySettings(partitions, pointsPerUnit, capacity * pointsPerUnit, 6, delay, split,
            split * MERGE_TO_SPLIT, 6,
            cooldown, 256, season, 4096, delay + cooldown, true);
    }

    /**
     * The seasonal models' period for ticks of {@code tickNs}: a day, or 1 (no season) when a day is more than
     * {@value #MAX_SEASON_TICKS} ticks. The ensemble's ETS keeps a season of state per slot, and the history two
     * seasons of rows: at one-second ticks that would be 2.8 GB and 17 GB.
     */
    public static int seasonTicks(final long tickNs) {
        final long ticksPerDay = TimeUnit.DAYS.toNanos(1) / tickNs;
        return ticksPerDay > MAX_SEASON_TICKS ? 1 : (int) Math.max(1, ticksPerDay);
    }

    /** The same settings with another split threshold, the merge threshold keeping its ratio. */
    public ReplaySettings withSplitThreshold(final double threshold) {
        return new ReplaySettings(initialPartitions, pointsPerUnit, capacityPoints, horizonTicks, decisionDelayTicks,
            threshold, threshold * MERGE_TO_SPLIT, mergeWindowTicks, cooldownTicks, maxPartitions, seasonTicks,
            slotCapacity, splitLookaheadTicks, compaction);
    }

    /** Ticks of load history kept per partition: two seasons, and at least a week of hourly ticks. */
    public int historyTicks() {
        return Math.max(2 * seasonTicks, Math.max(24 * 7, horizonTicks + 1));
    }

    /** The same settings with another merge window (measured ticks that must be low before a merge). */
    public ReplaySettings withMergeWindow(final int ticks) {
        return new ReplaySettings(initialPartitions, pointsPerUnit, capacityPoints, horizonTicks, decisionDelayTicks,
            splitThreshold, mergeThreshold, ticks, cooldownTicks, maxPartitions, seasonTicks, slotCapacity,
            splitLookaheadTicks, compaction);
    }

    /** The same settings with splits judging only the first {@code ticks} forecast steps. */
    public ReplaySettings withSplitLookahead(final int ticks) {
        return new ReplaySettings(initialPartitions, pointsPerUnit, capacityPoints, horizonTicks, decisionDelayTicks,
            splitThreshold, mergeThreshold, mergeWindowTicks, cooldownTicks, maxPartitions, seasonTicks, slotCapacity,
            ticks, compaction);
    }

    /** The same settings with compaction after each tick on or off. */
    public ReplaySettings withCompaction(final boolean isOn) {
        return new ReplaySettings(initialPartitions, pointsPerUnit, capacityPoints, horizonTicks, decisionDelayTicks,
            splitThreshold, mergeThreshold, mergeWindowTicks, cooldownTicks, maxPartitions, seasonTicks, slotCapacity,
            splitLookaheadTicks, isOn);
    }

    /** Capacity in the trace's unit. */
    public double capacityUnits() {
        return capacityPoints / pointsPerUnit;
    }

    /** The capacity plan. */
    public CapacityPlan capacity() {
        return new CapacityPlan(capacityPoints);
    }

    /** The adjustment policy for ticks of {@code tickNs}. */
    public AdjustmentPolicy policy(final long tickNs) {
        return new AdjustmentPolicy(splitThreshold, mergeThreshold, mergeWindowTicks, cooldownTicks * tickNs,
            maxPartitions, 0.9, splitLookaheadTicks);
    }
}
