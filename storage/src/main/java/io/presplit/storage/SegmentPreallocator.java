package io.presplit.storage;

import io.presplit.storage.internal.BackgroundThreads;
import io.presplit.storage.log.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Creates each live partition's next segment ahead of the roll that needs it, on its own threads
 * ({@code presplit-segment-prealloc-N}), so that a writer that fills a segment only publishes the ready one instead
 * of waiting for a file creation and its forces. The same threads seal rolled segments and make the seals that
 * commits left in memory durable ({@link PartitionLog#prepareSpare}).
 * <p>
 * {@link #WORKER_COUNT} threads serve one queue: the work is nearly all waiting for forces, and concurrent forces
 * share the file system's journal commits, so a second thread doubles what is served per second without taking
 * a second core; one thread fell behind splits and merges on a loaded disk (two rolls in three found no spare).
 * Work for one log may run on two threads at once; {@link PartitionLog#prepareSpare} is safe for that.
 * <p>
 * Guarantees: a request ({@link #request}) is served soon after, off the caller's thread; a failed creation is
 * counted ({@link #failures()}) and logged, and the roll that needs the segment then creates it itself (the
 * pre-creation is an optimisation, never a condition). Requests come from rolls and commits; a request allocates
 * one queue node (a roll happens once per segment, not per write).
 */
final class SegmentPreallocator implements PartitionLog.SpareRequests, AutoCloseable {
    /** Thread name prefix. */
    static final String THREAD_NAME = "presplit-segment-prealloc-";
    /** Number of threads serving the queue. */
    static final int WORKER_COUNT = 2;

    private static final Logger LOG = LoggerFactory.getLogger(SegmentPreallocator.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ConcurrentLinkedQueue<PartitionLog> requests = new ConcurrentLinkedQueue<>();
    /** Other background work (the store's blank partition directories), after the logs' requests. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread[] threads = new Thread[WORKER_COUNT];
    private volatile boolean isRunning = true;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong served = new AtomicLong();

    SegmentPreallocator() {
        for (int i = 0; i < WORKER_COUNT; i++) {
            threads[i] = Thread.ofPlatform().name(THREAD_NAME + i).daemon(true).unstarted(this::run);
            threads[i].start();
        }
    }

    @Override
    public void request(final PartitionLog log) {
        requests.offer(log);
        // Both: a worker about to park would otherwise sleep through the request for its idle period.
        for (final Thread thread : threads) {
            LockSupport.unpark(thread);
        }
    }

    /** Asks for {@code task} to run soon on a worker, after the pending log requests. Failures are counted. */
    void requestTask(final Runnable task) {
        tasks.offer(task);
        for (final Thread thread : threads) {
            LockSupport.unpark(thread);
        }
    }

    /** Pre-creations that failed. */
    long failures() {
        return failures.get();
    }

    /** Requests served (a spare created, or found not needed). */
    long served() {
        return served.get();
    }

    /** Stops the threads and waits for them; pending requests are dropped. Safe to call twice. */
    @Override
    public void close() {
        isRunning = false;
        for (final Thread thread : threads) {
            BackgroundThreads.stopAndJoin(thread);
        }
    }

    private void run() {
        while (isRunning) {
            final PartitionLog log = requests.poll();
            if (log == null) {
                final Runnable task = tasks.poll();
                if (task == null) {
                    LockSupport.parkNanos(IDLE_PARK_NS);
                } else {
                    runTask(task);
                }
                continue;
            }
            try {
                log.prepareSpare();
                served.incrementAndGet();
            } catch (final RuntimeException e) {
                final long failed = failures.incrementAndGet();
                LOG.warn("background segment work failed; the next roll creates its segment, close or compaction "
                    + "retries a seal [directory={}, failures={}, error={}]", log.directory(), failed, e.toString());
            }
        }
    }

    private void runTask(final Runnable task) {
        try {
            task.run();
            served.incrementAndGet();
        } catch (final RuntimeException e) {
            final long failed = failures.incrementAndGet();
            LOG.warn("background task failed [failures={}, error={}]", failed, e.toString());
        }
    }
}
