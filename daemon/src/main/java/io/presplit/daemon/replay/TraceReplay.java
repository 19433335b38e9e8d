package io.presplit.daemon.replay;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.HoldReason;
import io.presplit.adjust.PartitionTable;
import io.presplit.capacity.CapacityPlan;
import io.presplit.daemon.Engine;
import io.presplit.daemon.EngineConfig;
import io.presplit.forecast.Forecaster;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import io.presplit.storage.PartitionWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replays a keyed load trace through the real engine on a virtual clock: every tick, each key writes points to
 * the store at a rate proportional to its load in the trace; the profiler, forecaster, adjustment engine and
 * coordinator run as they would live, and the replay measures each partition's load against capacity.
 * <p>
 * Cold path: this is an evaluation tool; it allocates freely outside the engine.
 */
public final class TraceReplay {
    /**
     * The replay's knobs.
     *
     * @param pointsPerLoadUnit  points written per unit of trace load per tick.
     * @param capacity           capacity of one partition.
     * @param horizonTicks       the forecast horizon of the predictive policies.
     * @param policy             thresholds and limits.
     * @param slotCapacity       load slots.
     */
    public record Settings(
        double pointsPerLoadUnit, CapacityPlan capacity, int horizonTicks, AdjustmentPolicy policy, int slotCapacity) {
    }

    private TraceReplay() {
    }

    /**
     * Runs {@code policy} over {@code trace} with a fresh store in {@code dataDir}.
     *
     * @param forecaster the forecaster the policy uses; closed by the replay.
     */
    public static ReplayResult run(
        final WideTrace trace, final Policy policy, final Forecaster forecaster, final Settings settings,
        final Path dataDir) throws IOException {
        final long startedMs = System.currentTimeMillis();
        final int horizon = policy == Policy.REACTIVE ? 1 : settings.horizonTicks();
        final EngineConfig config = new EngineConfig(dataDir, settings.slotCapacity(), 1,
            Math.max(2 * 24 * 7, horizon + 1), trace.tickNs(), horizon, settings.capacity(), settings.policy(),
            policy != Policy.STATIC);
        final double capacityPoints = settings.capacity().ingestPointsPerTick();
        try (Engine engine = Engine.open(config, forecaster, trace.startNs())) {
            final PartitionWriter writer = engine.openWriter();
            final LoadHistory history = engine.history();
            final PartitionTable partitions = engine.partitions();
            final Measurement measurement = new Measurement();
            final Runnable onTick = () -> measurement.observe(history, partitions, capacityPoints);
            final double[] carry = new double[trace.keys().size()];
            long written = 0;
            for (int t = 0; t < trace.tickCount(); t++) {
                final long tickStartNs = trace.startNs() + t * trace.tickNs();
                final double[] loads = trace.loads()[t];
                for (int k = 0; k < loads.length; k++) {
                    final double wanted = carry[k] + loads[k] * settings.pointsPerLoadUnit();
                    final int points = (int) wanted;
                    carry[k] = wanted - points;
                    final String key = trace.keys().get(k);
                    for (int i = 0; i < points; i++) {
                        writer.write(key, tickStartNs + i * (trace.tickNs() / points), loads[k]);
                    }
                    written += points;
                }
                engine.advanceTo(tickStartNs + trace.tickNs(), onTick);
            }
            final AtomicLong readBack = new AtomicLong();
            engine.store().scan((partitionId, record) -> readBack.incrementAndGet());
            return new ReplayResult(policy, policy == Policy.STATIC ? "-" : forecaster.name(), trace.tickCount(),
                measurement.partitionTicks, measurement.saturated, measurement.worstUtilization,
                engine.coordinator().splitsCommitted(), engine.coordinator().mergesCommitted(),
                engine.coordinator().aborts(), engine.adjustment().holdCount(HoldReason.HOT_KEY),
                measurement.maxPartitions, written, readBack.get(), System.currentTimeMillis() - startedMs);
        }
    }

    /** Per-tick measurement of the partitions as they were during the tick. */
    private static final class Measurement {
        long partitionTicks;
        long saturated;
        double worstUtilization;
        int maxPartitions;

        void observe(final LoadHistory history, final PartitionTable partitions, final double capacityPoints) {
            final int live = partitions.liveCount();
            partitionTicks += live;
            maxPartitions = Math.max(maxPartitions, live);
            for (int i = 0; i < live; i++) {
                final double utilization =
                    history.value(Resource.INGEST_POINTS, partitions.liveSlot(i), 0) / capacityPoints;
                worstUtilization = Math.max(worstUtilization, utilization);
                if (utilization > 1.0) {
                    saturated++;
                }
            }
        }
    }
}
