package io.presplit.storage;

import io.presplit.agent.BackgroundThreads;
import io.presplit.storage.internal.ThreadPlacement;
import io.presplit.storage.log.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Creates each live partition's next segment ahead of the roll that needs it, on its own threads, so that a writer
 * that fills a segment only publishes the ready one instead of waiting for a file creation and its forces. The
 * same threads seal rolled segments and make the seals that commits left in memory durable
 * ({@link PartitionLog#prepareSpare}).
 * <p>
 * Two stages. A request first goes to the spare thread ({@code presplit-segment-spare}), which only creates the
 * spare file, unforced ({@link PartitionLog#createSpare}: open, size, map, header, rename, then the first 4 MiB
 * of its pages faulted in), then passes the log on; between spares it faults in the next pages of active segments
 * ahead of their appends ({@link PartitionLog#populateActive}). {@link #WORKER_COUNT} worker threads
 * ({@code presplit-segment-prealloc-N}) then do the slow part from one queue: the seals of rolled segments, the
 * spare's forces, the parents' seals. Before the split, creations queued behind forces (each a few ms under load):
 * on a quiet machine nine rolls in ten found no spare and the writer created its segment itself, which set the
 * maximum write latency (7–18 ms, docs/BENCHMARKS.md). Two workers, because the work is nearly all waiting for
 * forces, and concurrent forces share the file system's journal commits. Work for one log may run on several
 * threads at once; {@link PartitionLog#createSpare} and {@link PartitionLog#prepareSpare} are safe for that.
 * <p>
 * Guarantees: a request ({@link #request}) is served soon after, off the caller's thread; a failed creation is
 * counted ({@link #failures()}) and logged, and the roll that needs the segment then creates it itself (the
 * pre-creation is an optimisation, never a condition); a failed page population is counted the same way, and the
 * appends then take the faults. Requests come from rolls, commits and appends that cross half of a populated
 * window; a request allocates one queue node (once per segment or per 4 MiB, not per write).
 */
final class SegmentPreallocator implements PartitionLog.SpareRequests, AutoCloseable {
    /** Thread name prefix. */
    static final String THREAD_NAME = "presplit-segment-prealloc-";
    /** Name of the thread that creates spares. */
    static final String SPARE_THREAD_NAME = "presplit-segment-spare";
    /** Number of threads serving the queue of seals and forces. */
    static final int WORKER_COUNT = 2;

    private static final Logger LOG = LoggerFactory.getLogger(SegmentPreallocator.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Logs whose spare is to be created first (the spare thread's queue). */
    private final ConcurrentLinkedQueue<PartitionLog> spareRequests = new ConcurrentLinkedQueue<>();
    /** Logs whose active segment needs its next window of pages populated (the spare thread's, after spares). */
    private final ConcurrentLinkedQueue<PartitionLog> populateRequests = new ConcurrentLinkedQueue<>();
    /** Logs whose seals and forces are due (the workers' queue); the spare thread feeds it. */
    private final ConcurrentLinkedQueue<PartitionLog> requests = new ConcurrentLinkedQueue<>();
    /** Other background work (the store's blank partition directories), after the logs' requests. */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread[] threads = new Thread[WORKER_COUNT];
    private final Thread spareThread;
    private volatile boolean isRunning = true;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong served = new AtomicLong();


    SegmentPreallocator(final ThreadPlacement placement) {
        for (int i = 0; i < WORKER_COUNT; i++) {
            threads[i] = placement.newBackgroundThread(THREAD_NAME + i, this::run);
            threads[i].start();
        }
        spareThread = placement.newBackgroundThread(SPARE_THREAD_NAME, this::runSpares);
        spareThread.start();
    }

    @Override
    public void request(final PartitionLog log) {
        spareRequests.offer(log);
        LockSupport.unpark(spareThread);
    }

    @Override
    public void requestPopulate(final PartitionLog log) {
        populateRequests.offer(log);
        LockSupport.unpark(spareThread);
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
        BackgroundThreads.stopAndJoin(spareThread);
        for (final Thread thread : threads) {
            BackgroundThreads.stopAndJoin(thread);
        }
    }

    /**
     * The spare thread: creates the spare, then hands the log to the workers for its seals and forces; between
     * spares, populates the next pages of active segments ({@link PartitionLog#populateActive}).
     */
    private void runSpares() {
        while (isRunning) {
            final PartitionLog log = spareRequests.poll();
            if (log == null) {
                final PartitionLog populating = populateRequests.poll();
                if (populating == null) {
                    LockSupport.parkNanos(IDLE_PARK_NS);
                } else {
                    populate(populating);
                }
                continue;
            }
            try {
                log.createSpare();
            } catch (final RuntimeException e) {
                // The worker's prepareSpare tries the creation again; a roll before it creates its own segment.
                final long failed = failures.incrementAndGet();
                LOG.warn("spare segment creation failed [directory={}, failures={}, error={}]", log.directory(),
                    failed, e.toString());
            }
            requests.offer(log);
            // Both: a worker about to park would otherwise sleep through the request for its idle period.
            for (final Thread thread : threads) {
                LockSupport.unpark(thread);
            }
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

    private void populate(final PartitionLog log) {
        try {
            log.populateActive();
        } catch (final RuntimeException e) {
            // The appends then take the page faults themselves.
            final long failed = failures.incrementAndGet();
            LOG.warn("populating segment pages failed [directory={}, failures={}, error={}]", log.directory(), failed,
                e.toString());
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
