package io.presplit.daemon.server;

import io.presplit.daemon.Engine;
import io.presplit.monitor.CounterId;
import io.presplit.monitor.MonitorCounters;
import io.presplit.storage.PartitionStore;
import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Writes {@code /metrics} in the Prometheus text exposition format (version 0.0.4): the engine's counters
 * ({@link CounterId}, as {@code presplit_<id>}), the store's, the HTTP service's and the write-latency histogram.
 * Cold path (one scrape every few seconds); allocates.
 */
final class PrometheusText {
    /** Histogram bucket bounds of the write latency, in seconds. */
    private static final double[] LATENCY_BUCKETS_S = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private PrometheusText() {
    }

    static String write(final Engine engine, final HttpMetrics metrics, final Consumer<StringBuilder> extra) {
        final StringBuilder out = new StringBuilder(8192);
        final MonitorCounters counters = engine.counters();
        for (final CounterId id : CounterId.values()) {
            final String name = "presplit_" + id.name().toLowerCase(Locale.ROOT);
            final boolean isGauge = id == CounterId.LIVE_PARTITIONS;
            metric(out, isGauge ? name : name + "_total", isGauge ? "gauge" : "counter", id.label(),
                counters.counter(id).get());
        }
        final PartitionStore store = engine.store();
        metric(out, "presplit_store_routing_epoch", "gauge", "store: routing epoch", store.routingTable().epoch());
        metric(out, "presplit_store_group_commit_failures_total", "counter", "store: group commit forces that failed",
            store.groupCommitFailures());
        metric(out, "presplit_store_segment_preallocation_failures_total", "counter",
            "store: next-segment preallocations that failed", store.segmentPreallocationFailures());
        metric(out, "presplit_store_rolls_without_spare_total", "counter",
            "store: segment rolls that found no preallocated segment", store.rollsWithoutSpare());

        header(out, "presplit_http_requests_total", "counter", "HTTP requests answered, by route and status");
        final Map<String, LongAdder> sorted = new TreeMap<>(metrics.requests());
        for (final Map.Entry<String, LongAdder> entry : sorted.entrySet()) {
            final int separator = entry.getKey().indexOf('\u0000');
            out.append("presplit_http_requests_total{route=\"").append(entry.getKey(), 0, separator)
                .append("\",code=\"").append(entry.getKey(), separator + 1, entry.getKey().length()).append("\"} ")
                .append(entry.getValue().sum()).append('\n');
        }
        metric(out, "presplit_ingest_points_total", "counter", "points written through the HTTP API",
            metrics.pointsWritten());
        metric(out, "presplit_ingest_lines_total", "counter", "line-protocol lines written", metrics.linesWritten());
        metric(out, "presplit_ingest_lines_rejected_total", "counter", "line-protocol lines rejected",
            metrics.linesRejected());
        metric(out, "presplit_ingest_body_bytes_total", "counter", "write request bytes after gzip inflation",
            metrics.bodyBytes());
        metric(out, "presplit_ingest_busy_total", "counter", "writes refused with 503: ingest queue full",
            metrics.ingestRejectedBusy());
        metric(out, "presplit_ingest_failures_total", "counter", "writes that failed in the store (500)",
            metrics.writeFailures());

        final Histogram latency = metrics.latencyTotal();
        header(out, "presplit_http_write_latency_seconds", "histogram",
            "write request latency, arrival of the whole body to the response (HdrHistogram, 3 digits)");
        for (final double bound : LATENCY_BUCKETS_S) {
            final long boundUs = (long) (bound * 1e6);
            final long count = latency.getTotalCount() == 0 ? 0 : latency.getCountBetweenValues(0, boundUs);
            out.append("presplit_http_write_latency_seconds_bucket{le=\"")
                .append(java.math.BigDecimal.valueOf(bound).toPlainString()).append("\"} ")
                .append(count).append('\n');
        }
        out.append("presplit_http_write_latency_seconds_bucket{le=\"+Inf\"} ").append(latency.getTotalCount())
            .append('\n');
        double sumUs = 0;
        for (final var value : latency.recordedValues()) {
            sumUs += (double) value.getValueIteratedTo() * value.getCountAddedInThisIterationStep();
        }
        out.append("presplit_http_write_latency_seconds_sum ").append(sumUs / 1e6).append('\n');
        out.append("presplit_http_write_latency_seconds_count ").append(latency.getTotalCount()).append('\n');
        extra.accept(out);
        return out.toString();
    }

    static void header(final StringBuilder out, final String name, final String type, final String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static void metric(final StringBuilder out, final String name, final String type, final String help,
        final double value) {
        header(out, name, type, help);
        out.append(name).append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
        out.append('\n');
    }
}
