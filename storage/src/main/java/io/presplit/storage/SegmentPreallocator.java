package io.presplit.storage;

import io.presplit.storage.internal.BackgroundThreads;
import io.presplit.storage.log.PartitionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Creates each live partition's next segment ahead of the roll that needs it, on its own thread
 * ({@code presplit-segment-prealloc}), so that a writer that fills a segment only publishes the ready one instead
 * of waiting for a file creation and its forces.
 * <p>
 * Guarantees: a request ({@link #request}) is served soon after, off the caller's thread; a failed creation is
 * counted ({@link #failures()}) and logged, and the roll that needs the segment then creates it itself (the
 * pre-creation is an optimisation, never a condition). Requests come from rolls and commits; a request allocates
 * one queue node (a roll happens once per segment, not per write).
 */
final class SegmentPreallocator implements PartitionLog.SpareRequests, AutoCloseable {
    /** Thread name. */
    static final String THREAD_NAME = "presplit-segment-prealloc";

    private static final Logger LOG = LoggerFactory.getLogger(SegmentPreallocator.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ConcurrentLinkedQueue<PartitionLog> requests = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean isRunning = true;
    private volatile long failures;
    private volatile long created;

    SegmentPreallocator() {
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon(true).unstarted(this::run);
        thread.start();
    }

    @Override
    public void request(final PartitionLog log) {
        requests.offer(log);
        LockSupport.unpark(thread);
    }

    /** Pre-creations that failed. */
    long failures() {
        return failures;
    }

    /** Requests served (a spare created, or found not needed). */
    long served() {
        return created;
    }

    /** Stops the thread and waits for it; pending requests are dropped. Safe to call twice. */
    @Override
    public void close() {
        isRunning = false;
        BackgroundThreads.stopAndJoin(thread);
    }

    private void run() {
        while (isRunning) {
            final PartitionLog log = requests.poll();
            if (log == null) {
                LockSupport.parkNanos(IDLE_PARK_NS);
                continue;
            }
            try {
                log.prepareSpare();
                created++;
            } catch (final RuntimeException e) {
                failures++;
                LOG.warn("segment pre-creation failed; the next roll creates it [directory={}, failures={}, "
                    + "error={}]", log.directory(), failures, e.toString());
            }
        }
    }
}
