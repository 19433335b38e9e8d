package io.presplit.daemon;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;

import java.nio.file.Path;

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
    int thrashWindowTicks) {
}
