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
    List<LoadHistory.Level> historyRollUps) {

    /** Copies the roll-ups; a {@code null} list means none. */
    public EngineConfig {
        historyRollUps = historyRollUps == null ? List.of() : List.copyOf(historyRollUps);
    }

    /** A configuration whose load history keeps ticks only (no roll-up levels). */
    public EngineConfig(
        final Path dataDir, final int slotCapacity, final int writerThreads, final int ticksRetained,
        final long tickNs, final int horizonTicks, final CapacityPlan capacity, final AdjustmentPolicy policy,
        final boolean isAdjusting, final int decisionDelayTicks, final int thrashWindowTicks) {
        this(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity, policy, isAdjusting,
            decisionDelayTicks, thrashWindowTicks, List.of());
    }

    /** This configuration with the given roll-up levels above the tick level. */
    public EngineConfig withHistoryRollUps(final List<LoadHistory.Level> rollUps) {
        return new EngineConfig(dataDir, slotCapacity, writerThreads, ticksRetained, tickNs, horizonTicks, capacity,
            policy, isAdjusting, decisionDelayTicks, thrashWindowTicks, rollUps);
    }

    /** Every level of the load history, the tick level ({@code ticksRetained} rows) first. */
    public LoadHistory.Level[] historyLevels() {
        final List<LoadHistory.Level> levels = new ArrayList<>();
        levels.add(new LoadHistory.Level(1, Math.max(1, ticksRetained)));
        levels.addAll(historyRollUps);
        return levels.toArray(LoadHistory.Level[]::new);
    }
}
