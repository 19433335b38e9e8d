package io.presplit.daemon.replay;

import io.presplit.adjust.HoldReason;
import io.presplit.adjust.PartitionTable;
import io.presplit.coordinate.SplitMergeCoordinator;
import io.presplit.daemon.Engine;
import io.presplit.daemon.EngineConfig;
import io.presplit.forecast.Forecaster;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import io.presplit.storage.PartitionWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replays a keyed load trace through the real engine on a virtual clock: every tick, each key writes points to
 * the store at a rate proportional to its load in the trace; the profiler, forecaster, adjustment engine and
 * coordinator run as they would live, and the replay measures each partition's load against capacity during the
 * tick, before any decision changes the partitions. After each tick the store compacts what the tick's splits and
 * merges left reading through sealed ancestors, and the replay counts the bytes moved.
 * <p>
 * Every policy shares the engine, capacity, thresholds, cooldown, decision delay, split-point logic and limits;
 * only the forecast differs (the static policy makes no decisions). Cold path: an evaluation tool.
 */
public final class TraceReplay {
    private TraceReplay() {
    }

    /**
     * Runs {@code policy} over {@code trace} with a fresh store in {@code dataDir}.
     *
     * @param forecaster the policy's forecaster; closed by the replay. An {@link OracleForecaster} is bound to the
     *                   engine's partition table.
     * @param observer   sees each tick's measured state (progress, pictures); may be {@link TickObserver#NONE}.
     */
    public static ReplayResult run(
        final WideTrace trace, final Policy policy, final Forecaster forecaster, final ReplaySettings settings,
        final Path dataDir, final TickObserver observer) throws IOException {
        final long startedMs = System.currentTimeMillis();
        final int horizon = policy == Policy.REACTIVE ? 1 : settings.horizonTicks();
        // A ring longer than the trace is never filled: at one-second ticks two days of rows per slot are 17 GB.
        final int historyTicks = Math.min(settings.historyTicks(),
            Math.max(trace.tickCount(), settings.horizonTicks()) + 1);
        final EngineConfig config = new EngineConfig(dataDir, settings.slotCapacity(), 1, historyTicks,
            trace.tickNs(), horizon, settings.capacity(), settings.policy(trace.tickNs()), policy != Policy.STATIC,
            settings.decisionDelayTicks(), settings.seasonTicks());
        final double capacityPoints = settings.capacityPoints();
        try (Engine engine = Engine.open(config, forecaster, trace.startNs())) {
            if (forecaster instanceof OracleForecaster oracle) {
                oracle.bind(engine.partitions());
            }
            partitionEvenly(engine, settings.initialPartitions(), trace.startNs());
            final SplitMergeCoordinator coordinator = engine.coordinator();
            final long initialSplits = coordinator.splitsCommitted();
            final PartitionWriter writer = engine.openWriter();
            final LoadHistory history = engine.history();
            final PartitionTable partitions = engine.partitions();
            final Measurement measurement =
                new Measurement(capacityPoints, capacityPoints * settings.splitThreshold());
            final double[] carry = new double[trace.keys().size()];
            long written = 0;
            long movedBytes = 0;
            for (int t = 0; t < trace.tickCount(); t++) {
                final long tickStartNs = trace.startNs() + t * trace.tickNs();
                final double[] loads = trace.loads()[t];
                for (int k = 0; k < loads.length; k++) {
                    final double wanted = carry[k] + loads[k] * settings.pointsPerUnit();
                    final int points = (int) wanted;
                    carry[k] = wanted - points;
                    final String key = trace.keys().get(k);
                    for (int i = 0; i < points; i++) {
                        writer.write(key, tickStartNs + i * (trace.tickNs() / points), loads[k]);
                    }
                    written += points;
                }
                final int tick = t;
                engine.advanceTo(tickStartNs + trace.tickNs(), () -> {
                    measurement.observe(history, partitions);
                    observer.onTick(tick, engine);
                });
                if (settings.compaction()) {
                    movedBytes += compactAll(engine);
                }
            }
            final AtomicLong readBack = new AtomicLong();
            engine.store().scan((partitionId, record) -> readBack.incrementAndGet());
            return new ReplayResult(policy, policy == Policy.STATIC ? "-" : forecaster.name(),
                settings.splitThreshold(), trace.tickCount(), measurement.partitionTicks, measurement.saturated,
                measurement.unannounced, hotKeyFloor(trace, settings), measurement.worstOverload,
                coordinator.splitsCommitted() - initialSplits, coordinator.mergesCommitted(), coordinator.thrash(),
                settings.compaction() ? movedBytes : ReplayResult.NOT_MEASURED, coordinator.aborts(),
                engine.adjustment().holdCount(HoldReason.HOT_KEY), measurement.maxPartitions, written,
                readBack.get(), System.currentTimeMillis() - startedMs);
        }
    }

    /** Sees the engine after each tick is measured, before decisions are made. */
    @FunctionalInterface
    public interface TickObserver {
        /** Observes nothing. */
        TickObserver NONE = (tick, engine) -> {
        };

        /** Called once per tick on the replay thread. */
        void onTick(int tick, Engine engine);
    }

    /**
     * Compacts every live partition that still reads through sealed ancestors, then deletes the ancestors no one
     * needs: the data movement that the tick's splits and merges cost. Immediate rather than budgeted, so that a
     * replay is deterministic and every policy pays for each change it makes (a partition split and merged back
     * a tick later is copied twice). Returns the bytes copied.
     */
    private static long compactAll(final Engine engine) {
        final PartitionTable partitions = engine.partitions();
        long moved = 0;
        for (int i = 0; i < partitions.liveCount(); i++) {
            moved += engine.store().compact(partitions.partitionId(partitions.liveSlot(i)));
        }
        if (moved > 0) {
            engine.store().deleteUnneededPartitions();
        }
        return moved;
    }

    /** Splits the whole key space into {@code count} equal ranges through the coordinator. */
    private static void partitionEvenly(final Engine engine, final int count, final long nowNs) {
        final long width = KeySpace.MAX_KEY / count;
        final PartitionTable partitions = engine.partitions();
        for (int i = 1; i < count; i++) {
            final long splitKey = i * width;
            for (int p = 0; p < partitions.liveCount(); p++) {
                final int slot = partitions.liveSlot(p);
                if (partitions.keyLo(slot) < splitKey && splitKey <= partitions.keyHi(slot)) {
                    engine.coordinator().splitNow(slot, splitKey);
                    break;
                }
            }
        }
        if (partitions.liveCount() != count) {
            throw new IllegalStateException("initial partitioning failed [expected=" + count + ", live="
                + partitions.liveCount() + "]");
        }
        // The initial layout is not a decision: no cooldown, and no thrash if the engine later undoes it.
        for (int p = 0; p < partitions.liveCount(); p++) {
            partitions.cooldownUntilNs(partitions.liveSlot(p), nowNs);
        }
        engine.coordinator().forgetBirths();
    }

    /** (tick, key) pairs whose one key writes more than a partition's capacity: see {@link ReplayResult}. */
    static long hotKeyFloor(final WideTrace trace, final ReplaySettings settings) {
        long floor = 0;
        for (final double[] loads : trace.loads()) {
            for (final double load : loads) {
                if (load * settings.pointsPerUnit() > settings.capacityPoints()) {
                    floor++;
                }
            }
        }
        return floor;
    }

    /** Per-tick measurement of the partitions as they were during the tick. */
    private static final class Measurement {
        private final double capacityPoints;
        private final double splitLevelPoints;
        long partitionTicks;
        long saturated;
        long unannounced;
        double worstOverload;
        int maxPartitions;

        Measurement(final double capacityPoints, final double splitLevelPoints) {
            this.capacityPoints = capacityPoints;
            this.splitLevelPoints = splitLevelPoints;
        }

        void observe(final LoadHistory history, final PartitionTable partitions) {
            final int live = partitions.liveCount();
            partitionTicks += live;
            maxPartitions = Math.max(maxPartitions, live);
            for (int i = 0; i < live; i++) {
                final int slot = partitions.liveSlot(i);
                final double utilization = history.value(Resource.INGEST_POINTS, slot, 0) / capacityPoints;
                worstOverload = Math.max(worstOverload, utilization);
                if (utilization > 1.0) {
                    saturated++;
                    // A child's previous tick is its seeded share of the parent's: the same key range's load.
                    if (history.length(slot) > 1
                        && history.value(Resource.INGEST_POINTS, slot, 1) <= splitLevelPoints) {
                        unannounced++;
                    }
                }
            }
        }
    }
}
