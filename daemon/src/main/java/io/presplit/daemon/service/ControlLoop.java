package io.presplit.daemon.service;

import io.presplit.agent.BackgroundThreads;
import io.presplit.daemon.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The engine's control thread ({@code presplit-control}): drives {@link Engine#dutyCycle} from the wall clock, so
 * the profiler closes each tick and the control loop forecasts, adjusts and commits splits and merges; runs the
 * admin API's tasks between ticks (never while a tick's fold, spread over duty cycles, is in progress); publishes
 * an {@link EngineSnapshot} after every tick and every task.
 * <p>
 * Thread contract: the engine's control-plane state (partition table, forecasts, adjustment policy, coordinator)
 * is touched only by this thread. Other threads {@link #submit} functions and read {@link #snapshot()}. Ingest and
 * query threads use the store directly (its writers and readers are safe beside the control thread).
 */
public final class ControlLoop implements AutoCloseable {
    /** The longest the loop sleeps: bounds how late a tick closes and how long a submitted task waits. */
    static final long MAX_PARK_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final Logger LOG = LoggerFactory.getLogger(ControlLoop.class);

    private final Engine engine;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private final SnapshotBuilder snapshots;
    private final Runnable onTick;
    /** Written by the control thread, read by any. */
    private volatile EngineSnapshot snapshot;
    /** The failure that stopped the loop, or {@code null}; written once by the control thread. */
    private volatile Throwable failure;
    private volatile boolean isRunning = true;

    /**
     * Starts the control thread.
     *
     * @param onTick runs on the control thread after each tick's control step, before the snapshot (alerts).
     */
    public ControlLoop(final Engine engine, final int historyTicksShown, final Runnable onTick) {
        this.engine = engine;
        this.onTick = onTick;
        this.snapshots = new SnapshotBuilder(engine, historyTicksShown);
        this.snapshot = snapshots.build();
        // Before the thread starts, this thread is still the engine's only user.
        engine.publishCounters();
        this.thread = Thread.ofPlatform().name("presplit-control").unstarted(this::run);
        thread.start();
    }

    /**
     * Nanoseconds since the epoch from the wall clock: points' default timestamps and alert times. The engine runs on
     * {@link EngineClock}, which a step of this clock does not move.
     */
    public static long epochNanos() {
        final Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The latest snapshot. Any thread. */
    public EngineSnapshot snapshot() {
        return snapshot;
    }

    /** The failure that stopped the loop, or {@code null} while it runs. */
    public Throwable failure() {
        return failure;
    }

    /** Whether the loop runs. */
    public boolean isRunning() {
        return isRunning && failure == null;
    }

    /**
     * Runs {@code task} on the control thread between ticks, then publishes a fresh snapshot.
     *
     * @return the task's result; completes exceptionally with the task's exception, or when the loop stopped.
     */
    public <T> CompletableFuture<T> submit(final Function<Engine, T> task) {
        final CompletableFuture<T> result = new CompletableFuture<>();
        if (!isRunning()) {
            result.completeExceptionally(new IllegalStateException("control loop not running"));
            return result;
        }
        tasks.add(() -> {
            T value = null;
            RuntimeException failed = null;
            try {
                value = task.apply(engine);
            } catch (final RuntimeException e) {
                failed = e;
            }
            // Publish what the task changed before answering, so that a caller who reads the snapshot next (the
            // admin API's listing after a split) sees it.
            engine.publishCounters();
            snapshot = snapshots.build();
            if (failed == null) {
                result.complete(value);
            } else {
                result.completeExceptionally(failed);
            }
        });
        LockSupport.unpark(thread);
        return result;
    }

    private void run() {
        try {
            while (isRunning) {
                Runnable task;
                // Between ticks only: while a spread fold is in progress tasks stay queued, so that a split ordered
                // by an operator never seeds lineage in the middle of a tick.
                while (!engine.isFoldInProgress() && (task = tasks.poll()) != null) {
                    task.run(); // publishes its own counters and snapshot (submit)
                }
                // One duty cycle at a time: a tick's fold spread over several (engine.foldWordsPerCycle) never holds
                // this thread longer than one of them, and the next cycle follows at once.
                final int ticks = engine.dutyCycle(EngineClock.DAEMON.nanos(), () -> { });
                if (ticks > 0) {
                    onTick.run();
                    snapshot = snapshots.build();
                }
                if (ticks == Engine.NOTHING_TO_DO) {
                    LockSupport.parkNanos(MAX_PARK_NS);
                }
            }
        } catch (final RuntimeException | Error e) {
            failure = e;
            LOG.error("control loop stopped [error={}]", e.toString(), e);
        } finally {
            // Stopping: finish the tick being folded, then run the tasks still queued.
            if (failure == null && engine.isFoldInProgress()) {
                engine.advanceTo(EngineClock.DAEMON.nanos(), () -> { });
            }
            Runnable task;
            while ((task = tasks.poll()) != null) {
                task.run();
            }
        }
    }

    /**
     * Stops the loop after the tick or task in progress: a split or merge in flight either completes within it
     * or stays in the coordinator log, where the next start recovers it. Waits for the thread. Safe to call twice.
     */
    @Override
    public void close() {
        isRunning = false;
        BackgroundThreads.stopAndJoin(thread);
    }
}
