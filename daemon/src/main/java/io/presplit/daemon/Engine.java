package io.presplit.daemon;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.HoldReason;
import io.presplit.adjust.PartitionAdjustmentEngine;
import io.presplit.adjust.PartitionTable;
import io.presplit.agent.ControlAgent;
import io.presplit.coordinate.CoordinatorLog;
import io.presplit.coordinate.SplitMergeCoordinator;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.profile.FoldWarmUp;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.LoadRecorder;
import io.presplit.profile.ProfilerAgent;
import io.presplit.monitor.CounterId;
import io.presplit.monitor.MonitorCounters;
import io.presplit.ring.OneToOneDecisionRing;
import io.presplit.shadow.ShadowMode;
import io.presplit.shadow.ShadowReport;
import io.presplit.storage.Durability;
import io.presplit.storage.PartitionStore;
import io.presplit.storage.PartitionWriter;
import io.presplit.storage.SplitCost;
import io.presplit.storage.StoreOptions;
import org.agrona.CloseHelper;
import org.agrona.concurrent.CachedNanoClock;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * One node embedded in the caller's process: the partition store and the control plane (profiler, forecaster,
 * adjustment engine, coordinator), wired together and driven by the caller on a clock it controls.
 * <p>
 * Threading: any number of ingest threads (up to {@link EngineConfig#writerThreads()}) write through their own
 * {@link PartitionWriter}; one thread calls {@link #advanceTo} or {@link #dutyCycle}, which run the profiler and
 * control agents on that thread (Agrona's invoker mode). A tick's fold may span several profiler duty cycles
 * ({@link EngineConfig#foldWordsPerCycle()}); the control step runs once per completed tick, and changes to the
 * partitions wait for the end of a fold in progress ({@link #runBetweenTicks}). Replay drives the clock virtually; a
 * daemon drives it from the wall clock.
 */
public final class Engine implements AutoCloseable {
    /** The counters file in the data directory, readable from outside the process. */
    public static final String COUNTERS_FILE = "counters.dat";
    /** The load history's file in the data directory (format: docs/spec/004-load-history.md). */
    public static final String HISTORY_FILE = "load-history.dat";
    /** {@link #dutyCycle}'s answer when no tick is due and none is being folded. */
    public static final int NOTHING_TO_DO = -1;
    private static final int DECISION_RING_BYTES = 64 * 1024;
    /** Per-tick decay of the key-bucket loads that choose split points: a half-life of about three ticks. */
    private static final double BUCKET_DECAY = 0.8;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final LoadRecorder recorder;
    private final LoadHistory history;
    private final PartitionTable partitions;
    private final ForecastTable forecasts;
    private final PartitionAdjustmentEngine adjustment;
    private final OneToOneDecisionRing decisions;
    private final CoordinatorLog coordinatorLog;
    private final PartitionStore store;
    private final SplitMergeCoordinator coordinator;
    private final ProfilerAgent profiler;
    private final ControlAgent control;
    private final Forecaster forecaster;
    private final EngineConfig config;
    private final MonitorCounters counters;
    private ShadowMode shadow;
    /** Tasks waiting for the tick being folded to complete ({@link #runBetweenTicks}); control thread only. */
    private final ArrayDeque<Runnable> betweenTicks = new ArrayDeque<>();

    private Engine(
        final EngineConfig config, final Forecaster forecaster, final long startNs, final LoadRecorder recorder,
        final LoadHistory history, final OneToOneDecisionRing decisions, final PartitionStore store,
        final CoordinatorLog coordinatorLog, final MonitorCounters counters) {
        clock.update(startNs);
        this.counters = counters;
        this.config = config;
        this.forecaster = forecaster;
        this.recorder = recorder;
        this.history = history;
        this.decisions = decisions;
        this.store = store;
        this.coordinatorLog = coordinatorLog;
        this.partitions = new PartitionTable(config.slotCapacity(),
            ProfilerAgent.slotQuarantineTicks(config.bucketFoldTicks()));
        // The forecaster says which ticks each step holds: one per tick, or (RollUpForecaster) tick steps then one
        // per roll-up row, so that a day ahead at fine ticks costs O(tick steps + rows) per partition.
        this.forecasts = new ForecastTable(config.slotCapacity(),
            forecaster.schedule(history, config.horizonTicks()), config.horizonTicks());
        this.adjustment = new PartitionAdjustmentEngine(partitions, config.policy(), this::largerChildBytes);
        this.coordinator = new SplitMergeCoordinator(coordinatorLog, store, partitions, history, clock,
            () -> adjustment.policy().cooldownNs());
        coordinator.decisionDelayTicks(config.decisionDelayTicks());
        coordinator.thrashWindowTicks(config.thrashWindowTicks());
        FoldWarmUp.runOnce(config.slotCapacity(), history.levelCount(), config.bucketFoldTicks());
        this.profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder).history(history).clock(clock)
            .tickNs(config.tickNs()).slotBound(partitions::highWaterSlot)
            .foldWordsPerCycle(config.foldWordsPerCycle()).bucketFoldTicks(config.bucketFoldTicks()));
        this.control = new ControlAgent(history, partitions, forecaster, forecasts, adjustment, config.capacity(),
            decisions, coordinator, clock, config.isAdjusting());
    }

    /**
     * The adjustment engine's {@code CompactionCost}: what the store's compaction would copy into the larger child
     * for each tied split point. Control thread; cold (asked only at a split decision with tied points), so the
     * store's allocating {@link PartitionStore#splitCost} serves, one call for all candidates.
     */
    private void largerChildBytes(final long partitionId, final long[] splitKeys, final int count,
        final long[] bytesOut) {
        final List<SplitCost> costs = store.splitCost(partitionId, Arrays.copyOf(splitKeys, count));
        for (int i = 0; i < count; i++) {
            bytesOut[i] = costs.get(i).largerChildBytes();
        }
    }

    /**
     * Opens the engine on its data directory, finishing any split or merge a crash left in doubt.
     *
     * @param config     the configuration.
     * @param forecaster the forecaster; the engine closes it.
     * @param startNs    the clock's initial time.
     */
    public static Engine open(final EngineConfig config, final Forecaster forecaster, final long startNs)
        throws IOException {
        return open(config, forecaster, startNs, StoreOptions.of(Durability.ASYNC));
    }

    /**
     * Opens the engine with the store opened under {@code storeOptions} (durability, segment length); see
     * {@link #open(EngineConfig, Forecaster, long)}.
     */
    public static Engine open(final EngineConfig config, final Forecaster forecaster, final long startNs,
        final StoreOptions storeOptions) throws IOException {
        LoadRecorder recorder = null;
        LoadHistory history = null;
        OneToOneDecisionRing decisions = null;
        PartitionStore store = null;
        CoordinatorLog coordinatorLog = null;
        MonitorCounters counters = null;
        try {
            Files.createDirectories(config.dataDir());
            recorder = new LoadRecorder(config.writerThreads(), config.slotCapacity());
            // The store first: it locks its directory, so a second process on this data directory stops here,
            // before it maps the history or truncates the counters of the one running.
            store = PartitionStore.open(config.dataDir().resolve("store"), recorder, storeOptions);
            // Memory-mapped in the data directory: the partitions keep their load slots across restarts (the
            // catalog records them), so their history, and the forecasts learned from it, survive a restart. The
            // tick level plus the configured roll-ups (e.g. minute and hour rows), each with its own retention; a
            // file of another shape or format version is refused with both named.
            history = LoadHistory.open(config.dataDir().resolve(HISTORY_FILE), config.slotCapacity(), BUCKET_DECAY,
                config.historyLevels());
            decisions = new OneToOneDecisionRing(DECISION_RING_BYTES);
            coordinatorLog = CoordinatorLog.open(config.dataDir().resolve("coordinator.log"));
            counters = MonitorCounters.create(config.dataDir().resolve(COUNTERS_FILE));
            final Engine engine = new Engine(config, forecaster, startNs, recorder, history, decisions, store,
                coordinatorLog, counters);
            engine.coordinator.recover();
            return engine;
        } catch (final IOException | RuntimeException | Error ex) {
            // A failed open releases what it acquired, newest first, and keeps the original failure.
            CloseHelper.closeAll(ex::addSuppressed, counters, coordinatorLog, decisions, history, store, recorder,
                forecaster);
            throw ex;
        }
    }

    /** A writer for the calling ingest thread. Cold path; the writer's {@code write} is the hot path. */
    public PartitionWriter openWriter() {
        return store.openWriter();
    }

    /**
     * Moves the clock to {@code nowNs} and runs every tick that became due, each to completion whatever number of
     * profiler duty cycles its fold takes ({@link EngineConfig#foldWordsPerCycle()}), a tick whose fold an earlier
     * {@link #dutyCycle} began included: the profiler completes the tick, then {@code onTick} sees the measured load
     * before any decision changes the partitions, then the control loop forecasts, adjusts and commits, once per
     * completed tick. Returns with no fold in progress. Control thread.
     *
     * @return the number of ticks closed.
     */
    public int advanceTo(final long nowNs, final Runnable onTick) {
        clock.update(nowNs);
        int ticks = 0;
        int closed;
        while ((closed = runDutyCycle(onTick)) != NOTHING_TO_DO) {
            ticks += closed;
        }
        return ticks;
    }

    /**
     * Moves the clock to {@code nowNs} and runs one profiler duty cycle: it begins a tick when one is due and none
     * is being folded, and folds at most {@link EngineConfig#foldWordsPerCycle()} words of 64 slots of it; when that
     * completes the tick, {@code onTick}, the control loop and the tasks queued by {@link #runBetweenTicks} run as in
     * {@link #advanceTo}. The pause is bounded by the fold limit (plus the control step of a completed tick), so a
     * caller that shares its thread with other work calls this until it returns {@link #NOTHING_TO_DO}, doing its
     * own work between calls. Control thread.
     *
     * @return 1 when the cycle completed a tick, 0 when it folded part of one (a fold is in progress),
     *     {@link #NOTHING_TO_DO} when no tick is due or being folded.
     */
    public int dutyCycle(final long nowNs, final Runnable onTick) {
        clock.update(nowNs);
        return runDutyCycle(onTick);
    }

    /**
     * Whether a tick's fold has begun and not completed (a {@link #dutyCycle} folded part of it). Lineage seeding
     * (splits and merges through {@link #coordinator()}) must wait until it is {@code false}: use
     * {@link #runBetweenTicks}. Control thread.
     */
    public boolean isFoldInProgress() {
        return profiler.isFoldInProgress();
    }

    /**
     * Runs {@code task} now when no tick is being folded, else queues it to run right after the tick completes
     * (after that tick's control step), in submission order: work that changes the partitions or seeds the load
     * history of new ones (a split or merge ordered by an operator) then never lands in the middle of a spread fold,
     * where the children would be seeded from the parent's history without the tick being folded, whose load the
     * retired parent would then take alone. Control thread; cold path.
     */
    public void runBetweenTicks(final Runnable task) {
        if (profiler.isFoldInProgress()) {
            betweenTicks.addLast(task);
        } else {
            task.run();
        }
    }

    /** Tasks waiting for the tick being folded to complete ({@link #runBetweenTicks}); control thread. */
    public int queuedBetweenTicks() {
        return betweenTicks.size();
    }

    /**
     * Starts shadow mode: {@code candidate} and {@code candidateForecaster} decide against a shadow copy of the
     * partition map from now on, scored beside the active map; nothing they decide reaches the store. Replaces a
     * running shadow. Control thread; cold path.
     */
    public void startShadow(final AdjustmentPolicy candidate, final Forecaster candidateForecaster,
        final int horizonTicks) throws IOException {
        stopShadow();
        shadow = new ShadowMode(partitions, history, config.capacity(), candidate, candidateForecaster, horizonTicks,
            config.decisionDelayTicks(), config.thrashWindowTicks(),
            config.dataDir().resolve("shadow-coordinator.log"), clock);
    }

    /** The shadow's report so far, or {@code null} when no shadow runs. */
    public ShadowReport shadowReport() {
        return shadow == null ? null : shadow.report();
    }

    /** Stops shadow mode, if it runs. */
    public void stopShadow() {
        if (shadow != null) {
            shadow.close();
            shadow = null;
        }
    }

    /** The store. */
    public PartitionStore store() {
        return store;
    }

    /** The load history. */
    public LoadHistory history() {
        return history;
    }

    /** The live partitions. */
    public PartitionTable partitions() {
        return partitions;
    }

    /** The latest forecasts. */
    public ForecastTable forecasts() {
        return forecasts;
    }

    /** The adjustment engine. */
    public PartitionAdjustmentEngine adjustment() {
        return adjustment;
    }

    /** The coordinator. */
    public SplitMergeCoordinator coordinator() {
        return coordinator;
    }

    /** The counters the engine publishes after each tick (Agrona counters, readable from any thread). */
    public MonitorCounters counters() {
        return counters;
    }

    /** The configuration the engine was opened with. */
    public EngineConfig config() {
        return config;
    }

    /** The forecaster in use. */
    public Forecaster forecaster() {
        return forecaster;
    }

    /**
     * Copies the control plane's figures into the counters file. Allocation-free. Control thread: after each tick
     * (done by {@link #advanceTo}) and after a change made between ticks (the daemon's admin tasks).
     */
    public void publishCounters() {
        final MonitorCounters c = counters;
        c.set(CounterId.SPLITS_DECIDED, adjustment.splitsDecided());
        c.set(CounterId.MERGES_DECIDED, adjustment.mergesDecided());
        c.set(CounterId.HOLD_COOLDOWN, adjustment.holdCount(HoldReason.COOLDOWN));
        c.set(CounterId.HOLD_HOT_KEY, adjustment.holdCount(HoldReason.HOT_KEY));
        c.set(CounterId.HOLD_PARTITION_LIMIT, adjustment.holdCount(HoldReason.PARTITION_LIMIT));
        c.set(CounterId.HOLD_BACKLOG, adjustment.holdCount(HoldReason.BACKLOG));
        c.set(CounterId.SPLIT_COST_FAILURES, adjustment.splitCostFailures());
        c.set(CounterId.SPLITS_COMMITTED, coordinator.splitsCommitted());
        c.set(CounterId.MERGES_COMMITTED, coordinator.mergesCommitted());
        c.set(CounterId.TXN_ABORTS, coordinator.aborts());
        c.set(CounterId.TXN_FAILURES, coordinator.failures());
        c.set(CounterId.THRASH, coordinator.thrash());
        c.set(CounterId.STALE_DECISIONS, coordinator.staleDecisions());
        c.set(CounterId.LIVE_PARTITIONS, partitions.liveCount());
        c.set(CounterId.TICKS, history.tickCount());
        c.set(CounterId.PROFILE_LATE_TICKS, profiler.lateTickCount());
        c.set(CounterId.MODEL_FALLBACKS, forecaster.modelFallbacks());
    }

    /** Closes everything, in reverse order of opening. Safe to call twice. */
    @Override
    public void close() {
        stopShadow();
        // The store after the files beside it: its lock, released last, says the data directory is free.
        CloseHelper.closeAll(forecaster, counters, coordinatorLog, decisions, history, store, recorder);
    }

    /** One profiler duty cycle, and the tick's control step when it completed a tick. */
    private int runDutyCycle(final Runnable onTick) {
        final ProfilerAgent profiler = this.profiler;
        final long completedBefore = profiler.completedTickCount();
        final int work = profiler.doWork();
        if (profiler.completedTickCount() == completedBefore) {
            // A cycle of a spread fold (work > 0) or nothing due: no forecast, no adjustment, no seeding.
            return work > 0 ? 0 : NOTHING_TO_DO;
        }
        onTick.run();
        if (shadow != null) {
            shadow.onTick();
        }
        while (control.doWork() > 0) {
            // run the control loop until it has nothing left to do for this tick
        }
        Runnable task;
        while (!profiler.isFoldInProgress() && (task = betweenTicks.pollFirst()) != null) {
            task.run();
        }
        publishCounters();
        return 1;
    }
}
