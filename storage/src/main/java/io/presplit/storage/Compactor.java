package io.presplit.storage;

import io.presplit.agent.BackgroundThreads;
import io.presplit.storage.internal.ThreadPlacement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The store's background compaction ({@code presplit-compaction}): repeatedly compacts one live partition whose
 * reads still go through sealed ancestors ({@link PartitionStore#compactNext}), under a bytes-per-second budget,
 * then deletes the sealed partitions no reader needs any more ({@link PartitionStore#deleteUnneededPartitions}).
 * When there is nothing to do it parks for {@link #IDLE_PARK_NS}.
 * <p>
 * Guarantees: a failed round is counted ({@link #failures()}) and logged, and the next round retries (a failed
 * compaction leaves its work directory, which the next attempt or the next open deletes); {@link #close} stops the
 * copy at the next record and waits for the thread.
 */
final class Compactor implements AutoCloseable {
    /** Thread name. */
    static final String THREAD_NAME = "presplit-compaction";

    private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PartitionStore store;
    private final CompactionBudget budget;
    private final Thread thread;
    private volatile boolean isRunning = true;
    private volatile long failures;

    Compactor(final PartitionStore store, final long bytesPerSecond, final ThreadPlacement placement) {
        this.store = store;
        this.budget = new CompactionBudget(bytesPerSecond, () -> !isRunning);
        this.thread = placement.newBackgroundThread(THREAD_NAME, this::run);
        thread.start();
    }

    /** Rounds that failed. */
    long failures() {
        return failures;
    }

    /** Whether the copy should stop: the store is closing. */
    boolean isCancelled() {
        return !isRunning;
    }

    /** Stops the thread (the copy in progress is abandoned) and waits for it. Safe to call twice. */
    @Override
    public void close() {
        isRunning = false;
        BackgroundThreads.stopAndJoin(thread);
    }

    private void run() {
        while (isRunning) {
            boolean isWorking = false;
            try {
                isWorking = store.compactNext(budget, this::isCancelled) > 0;
                if (isRunning) {
                    isWorking |= store.deleteUnneededPartitions() > 0;
                }
            } catch (final RuntimeException e) {
                if (!isRunning) {
                    return;
                }
                failures++;
                LOG.warn("compaction round failed; retrying [failures={}, error={}]", failures, e.toString());
            }
            if (!isWorking && isRunning) {
                LockSupport.parkNanos(IDLE_PARK_NS);
            }
        }
    }
}
