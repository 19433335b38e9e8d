package io.presplit.storage;

import io.presplit.PresplitException;
import io.presplit.agent.BackgroundThreads;
import io.presplit.storage.internal.ThreadPlacement;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.PartitionLog;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Group commit for {@link Durability#GROUP}: writers publish a record, take a ticket, and wait until the committer
 * thread has forced a batch that covers the ticket.
 * <p>
 * Assumptions the caller holds: a writer calls {@link #ticket()} after its record is published (its append
 * returned) and then {@link #awaitForced(long)}; the logs the {@code logs} supplier returns stay open until
 * {@link #close()} returned.
 * <p>
 * Guarantees:
 * <ul>
 *   <li>{@link #awaitForced(long)} returns only once every record published before the ticket was taken is on
 *   disk: the committer reads the ticket count, then forces every log's records published so far
 *   ({@link PartitionLog#forcePublished}), then publishes the count as forced.</li>
 *   <li>The committer waits at most the configured delay after it sees the first pending ticket before it
 *   forces.</li>
 *   <li>A failed force is counted ({@link #failures()}) and fails every waiting and later writer with a
 *   {@link PresplitException}: an unforced write is never acknowledged.</li>
 *   <li>{@link #ticket()} and {@link #awaitForced(long)} allocate nothing and take no lock; a waiting writer
 *   spins briefly, then parks in short steps.</li>
 * </ul>
 */
final class GroupCommitter implements AutoCloseable {
    /** Thread name of the committer. */
    static final String THREAD_NAME = "presplit-group-commit";

    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long WAITER_PARK_NS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final int WAITER_SPINS = 200;
    private static final VarHandle TICKETS;
    private static final VarHandle FORCED;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            TICKETS = lookup.findVarHandle(GroupCommitter.class, "tickets", long.class);
            FORCED = lookup.findVarHandle(GroupCommitter.class, "forced", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // Written by writers; padded away from the committer's fields.
    @SuppressWarnings("unused")
    private long p01;
    @SuppressWarnings("unused")
    private long p02;
    @SuppressWarnings("unused")
    private long p03;
    @SuppressWarnings("unused")
    private long p04;
    @SuppressWarnings("unused")
    private long p05;
    @SuppressWarnings("unused")
    private long p06;
    @SuppressWarnings("unused")
    private long p07;
    @SuppressWarnings("unused")
    private volatile long tickets;
    @SuppressWarnings("unused")
    private long p11;
    @SuppressWarnings("unused")
    private long p12;
    @SuppressWarnings("unused")
    private long p13;
    @SuppressWarnings("unused")
    private long p14;
    @SuppressWarnings("unused")
    private long p15;
    @SuppressWarnings("unused")
    private long p16;
    @SuppressWarnings("unused")
    private long p17;
    /** Tickets covered by a completed force; written by the committer. */
    @SuppressWarnings("unused")
    private volatile long forced;
    private volatile boolean isSleeping;
    private volatile boolean isRunning = true;
    private volatile PresplitException failure;
    private volatile long failures;
    private volatile long batches;
    private final Supplier<PartitionLog[]> logs;
    private final long maxDelayNs;
    private final Thread thread;

    /**
     * Starts the committer thread.
     *
     * @param logs       the logs to force in each batch (the store's committed partitions); called by the
     *                   committer once per batch.
     * @param maxDelayNs how long a batch may gather after the first pending ticket.
     * @param placement  where the committer thread runs.
     */
    GroupCommitter(final Supplier<PartitionLog[]> logs, final long maxDelayNs, final ThreadPlacement placement) {
        this.logs = logs;
        this.maxDelayNs = maxDelayNs;
        this.thread = placement.newBackgroundThread(THREAD_NAME, this::run);
        thread.start();
    }

    /**
     * Takes a ticket for the caller's record, which must already be published. Any thread; allocation-free.
     */
    long ticket() {
        final long ticket = (long) TICKETS.getAndAdd(this, 1L) + 1;
        if (isSleeping) {
            LockSupport.unpark(thread);
        }
        return ticket;
    }

    /**
     * Waits until a force covered {@code ticket}. Any thread; allocation-free; blocks.
     *
     * @throws PresplitException when a force failed or the committer stopped before covering the ticket.
     */
    void awaitForced(final long ticket) {
        int spins = 0;
        while ((long) FORCED.getVolatile(this) < ticket) {
            final PresplitException failed = failure;
            if (failed != null) {
                throw failed;
            }
            if (!isRunning) {
                throw new PresplitException(PresplitException.Category.ERROR, "STORE_CLOSED",
                    "group commit stopped before the write was forced [ticket=" + ticket + "]");
            }
            if (spins < WAITER_SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(WAITER_PARK_NS);
            }
        }
    }

    /** Number of forces that failed. */
    long failures() {
        return failures;
    }

    /** Number of batches forced. */
    long batches() {
        return batches;
    }

    /** Stops the committer after a last batch and waits for it. Safe to call twice. */
    @Override
    public void close() {
        isRunning = false;
        BackgroundThreads.stopAndJoin(thread);
    }

    private void run() {
        while (true) {
            final boolean isStopping = !isRunning;
            long target = (long) TICKETS.getVolatile(this);
            if (target == (long) FORCED.getVolatile(this)) {
                if (isStopping) {
                    return;
                }
                isSleeping = true;
                if ((long) TICKETS.getVolatile(this) == target && isRunning) {
                    LockSupport.parkNanos(IDLE_PARK_NS);
                }
                isSleeping = false;
                continue;
            }
            if (maxDelayNs > 0 && !isStopping) {
                LockSupport.parkNanos(maxDelayNs);
                target = (long) TICKETS.getVolatile(this);
            }
            if (!forceBatch()) {
                return;
            }
            FORCED.setVolatile(this, target);
            batches++;
        }
    }

    /** Forces every log's published records; on failure records it and stops. */
    private boolean forceBatch() {
        try {
            for (final PartitionLog log : logs.get()) {
                log.forcePublished();
            }
            return true;
        } catch (final RuntimeException e) {
            failures++;
            failure = new PresplitException(PresplitException.Category.FATAL, FileOps.STORAGE_IO,
                "group commit force failed; writes are no longer acknowledged [error=" + e + "]", e);
            isRunning = false;
            return false;
        } catch (final Error e) {
            failures++;
            failure = new PresplitException(PresplitException.Category.FATAL, FileOps.STORAGE_IO,
                "group commit force failed; writes are no longer acknowledged [error=" + e + "]", e);
            isRunning = false;
            throw e;
        }
    }
}
