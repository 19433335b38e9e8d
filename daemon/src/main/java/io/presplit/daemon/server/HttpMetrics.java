package io.presplit.daemon.server;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The HTTP service's own figures: requests by route and status, ingest totals, and write latency (request arrival
 * to response) in an HdrHistogram {@link Recorder}, which many ingest threads record into without locks; a scrape
 * folds the interval into the running total.
 * <p>
 * Thread contract: record methods from any thread; {@link #latencyTotal()} from one scraping thread at a time
 * (synchronized).
 */
public final class HttpMetrics {
    /** Latencies recorded up to one minute, in microseconds, 3 significant digits. */
    private static final long MAX_LATENCY_US = TimeUnit.MINUTES.toMicros(1);

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final LongAdder pointsWritten = new LongAdder();
    private final LongAdder linesWritten = new LongAdder();
    private final LongAdder linesRejected = new LongAdder();
    private final LongAdder bodyBytes = new LongAdder();
    private final LongAdder ingestRejectedBusy = new LongAdder();
    private final LongAdder writeFailures = new LongAdder();
    private final Recorder writeLatency = new Recorder(MAX_LATENCY_US, 3);
    private final Histogram latencyTotal = new Histogram(MAX_LATENCY_US, 3);
    private Histogram interval;

    /** Counts a request answered on {@code route} with {@code status}. */
    public void request(final String route, final int status) {
        requests.computeIfAbsent(route + '\u0000' + status, k -> new LongAdder()).increment();
    }

    /** Counts one write request's outcome. */
    public void write(final long lines, final long rejected, final long points, final long bytes,
        final long latencyNs) {
        linesWritten.add(lines - rejected);
        linesRejected.add(rejected);
        pointsWritten.add(points);
        bodyBytes.add(bytes);
        writeLatency.recordValue(Math.min(MAX_LATENCY_US, Math.max(0, latencyNs / 1_000)));
    }

    /** Counts a write refused because every ingest thread was busy and the queue was full. */
    public void ingestBusy() {
        ingestRejectedBusy.increment();
    }

    /** Counts a write that failed in the store. */
    public void writeFailure() {
        writeFailures.increment();
    }

    /** Requests by {@code route\0status}. */
    Map<String, LongAdder> requests() {
        return requests;
    }

    long pointsWritten() {
        return pointsWritten.sum();
    }

    long linesWritten() {
        return linesWritten.sum();
    }

    long linesRejected() {
        return linesRejected.sum();
    }

    long bodyBytes() {
        return bodyBytes.sum();
    }

    long ingestRejectedBusy() {
        return ingestRejectedBusy.sum();
    }

    long writeFailures() {
        return writeFailures.sum();
    }

    /** The write latencies since start, in microseconds. The caller must not keep it past the next call. */
    synchronized Histogram latencyTotal() {
        interval = writeLatency.getIntervalHistogram(interval);
        latencyTotal.add(interval);
        return latencyTotal;
    }
}
