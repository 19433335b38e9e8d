package io.presplit.daemon;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;
import io.presplit.profile.LoadHistory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to build an {@link Engine}.
 *
 * @param dataDir        where the store and the coordinator log live.
 * @param slotCapacity   load slots: the most partitions that can exist at once, retired ones in quarantine
 *                       included.
 * @param writerThreads  the most ingest threads that may hold a writer at once.
 * @param ticksRetained  ticks of load history kept per partition.
 * @param tickNs         the profiler tick.
 * @param horizonTicks   the forecast horizon.
 * @param capacity       capacity per partition.
 * @param policy         thresholds and limits of the adjustment engine.
 * @param isAdjusting    {@code false} measures only (a static partitioning).
 * @param decisionDelayTicks ticks between a decision and its effect (0 = at once).
 * @param thrashWindowTicks  a split and a merge undoing each other within this many ticks count as thrash.
 * @param historyRollUps     the load history's roll-up levels above the tick level (for example a minute and an
 *                           hour, each with its own retention), finest first; empty for ticks only.
 * @param foldWordsPerCycle  the most words of 64 load slots one profiler duty cycle folds
 *                           ({@link io.presplit.profile.ProfilerAgent.Context#foldWordsPerCycle(int)}): a tick's fold
 *                           is spread over duty cycles of at most this many words, which bounds the cycle, not the
 *                           tick's total work. Default {@link #DEFAULT_FOLD_WORDS_PER_CYCLE}.
 * @param bucketFoldTicks    ticks from one fold of a slot's per-key-bucket counts into its bucket loads to the next
 *                           ({@link io.presplit.profile.ProfilerAgent.Context#bucketFoldTicks(int)}); 1 (the
 *                           default) folds them every tick. Retired load slots wait
 *                           {@link io.presplit.profile.ProfilerAgent#slotQuarantineTicks(int)} ticks before reuse.
 */
public record EngineConfig(
    Path dataDir,
    int slotCapacity,
    int writerThreads,
    int ticksRetained,
    long tickNs,
    int horizonTicks,
    CapacityPlan capacity,
    AdjustmentPolicy policy,
    boolean isAdjusting,
    int decisionDelayTicks,
    int thrashWindowTicks,
    List<LoadHistory.Level> historyRollUps,
    int foldWordsPerCycle,
    int bucketFoldTicks) {

    /** Load slots one profiler duty cycle folds at most by default: about 3 ms of fold with every slot loaded. */
    public static final int DEFAULT_FOLD_SLOTS_PER_CYCLE = 65_536;
    /** {@link #DEFAULT_FOLD_SLOTS_PER_CYCLE} in words of 64 slots: 1,024. */
    public static final int DEFAULT_FOLD_WORDS_PER_CYCLE = DEFAULT_FOLD_SLOTS_PER_CYCLE / Long.SIZE;

    /** Copies the roll-ups (a {@code null} list means none); checks the fold limit and the bucket fold period. */
    public EngineConfig {
        historyRollUps = historyRollUps == null ? List.of() : List.copyOf(historyRollUps);
        if (foldWordsPerCycle < 1 || bucketFoldTicks < 1) {
            throw new IllegalArgumentException("fold words per cycle and bucket fold ticks must be positive "
                + "[foldWordsPerCycle=" + foldWordsPerCycle + ", bucketFoldTicks=" + bucketFoldTicks + "]");
        }
    }

    /** A configuration with the default fold limit per duty cycle. */
    public EngineConfig(
        final Path dataDir, final int slotCapacity, final int writerThreads, final int ticksRetained,
        final long tickNs, final int horizonTicks, final CapacityPlan capacity, final AdjustmentPolicy policy,
        final boolean isAdjusting, final int decisionDelayTicks, final int thrashWindowTicks,
        final List<LoadHistory.Level> historyRollUps) {
        this(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity, policy, isAdjusting,
            decisionDelayTicks, thrashWindowTicks, historyRollUps, DEFAULT_FOLD_WORDS_PER_CYCLE, 1);
    }

    /** A configuration whose load history keeps ticks only (no roll-up levels). */
    public EngineConfig(
        final Path dataDir, final int slotCapacity, final int writerThreads, final int ticksRetained,
        final long tickNs, final int horizonTicks, final CapacityPlan capacity, final AdjustmentPolicy policy,
        final boolean isAdjusting, final int decisionDelayTicks, final int thrashWindowTicks) {
        this(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity, policy, isAdjusting,
            decisionDelayTicks, thrashWindowTicks, List.of(), DEFAULT_FOLD_WORDS_PER_CYCLE, 1);
    }

    /** This configuration with the given roll-up levels above the tick level. */
    public EngineConfig withHistoryRollUps(final List<LoadHistory.Level> rollUps) {
        return new EngineConfig(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity,
            policy, isAdjusting, decisionDelayTicks, thrashWindowTicks, rollUps, foldWordsPerCycle, bucketFoldTicks);
    }

    /** This configuration with at most {@code words} words of 64 load slots folded per profiler duty cycle. */
    public EngineConfig withFoldWordsPerCycle(final int words) {
        return new EngineConfig(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity,
            policy, isAdjusting, decisionDelayTicks, thrashWindowTicks, historyRollUps, words, bucketFoldTicks);
    }

    /** This configuration with bucket counts folded every {@code ticks} ticks. */
    public EngineConfig withBucketFoldTicks(final int ticks) {
        return new EngineConfig(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity,
            policy, isAdjusting, decisionDelayTicks, thrashWindowTicks, historyRollUps, foldWordsPerCycle, ticks);
    }

    /** Every level of the load history, the tick level ({@code ticksRetained} rows) first. */
    public LoadHistory.Level[] historyLevels() {
        final List<LoadHistory.Level> levels = new ArrayList<>();
        levels.add(new LoadHistory.Level(1, Math.max(1, ticksRetained)));
        levels.addAll(historyRollUps);
        return levels.toArray(LoadHistory.Level[]::new);
    }
}
