package io.presplit.daemon.server;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one warning of a kind through per interval and counts the ones it holds back, so that a failure every
 * request (a full disk under sustained ingest: 70,000 failed writes in 30 seconds, measured) costs one log line per
 * interval that says how many it stands for, instead of a log line each. The failures stay counted in the metrics
 * either way. Threads: any; the first caller after the interval wins the line.
 */
final class ThrottledWarning {
    /** The default interval between two lines of one kind. */
    static final long DEFAULT_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);

    private final long intervalNs;
    /** Occurrences since the last line let through, that one included when it is let through. */
    private final AtomicLong occurrences = new AtomicLong();
    private final AtomicLong lastLineNs;

    ThrottledWarning(final long intervalNs, final long nowNs) {
        this.intervalNs = intervalNs;
        this.lastLineNs = new AtomicLong(nowNs - intervalNs);
    }

    /**
     * Records one occurrence at {@code nowNs}.
     *
     * @return 0 when its line is held back; otherwise the occurrences the line stands for (this one and those held
     *         back since the last line).
     */
    long occur(final long nowNs) {
        occurrences.incrementAndGet();
        final long last = lastLineNs.get();
        if (nowNs - last < intervalNs || !lastLineNs.compareAndSet(last, nowNs)) {
            return 0;
        }
        return occurrences.getAndSet(0);
    }
}
