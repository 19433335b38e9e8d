package io.presplit.daemon.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.presplit.daemon.Engine;
import io.presplit.keyspace.KeySpace;
import io.presplit.storage.PartitionReader;
import io.presplit.storage.RangeAggregate;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.RecordFlyweight;
import io.presplit.storage.log.RecordVisitor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Queries over one series key and a time range, on a pool of query threads ({@code presplit-query-N}) each with
 * its own store reader, so that the records a query examines count as query load of the partitions it reads:
 * <ul>
 *   <li>{@code GET /api/v1/query/points?key=K&from=T&to=T[&format=json|csv][&limit=N]}: the points, in time order;</li>
 *   <li>{@code GET /api/v1/query/aggregate?key=K&from=T&to=T[&format=json|csv]}: count, sum, min, max, mean.</li>
 * </ul>
 * {@code key} is a series key as the line-protocol mapping makes it (e.g. {@code cpu,host=a usage}); {@code from}
 * and {@code to} are inclusive, in nanoseconds since the epoch or RFC 3339 ({@code 2026-11-24T03:00:00Z}); they
 * default to the whole time line. On a store with a field schema ({@code storage.fields}) the key is
 * {@code measurement,tags} and {@code &field=NAME} chooses the value (required when the store has several fields;
 * an unknown name is a 400 naming the fields).
 */
final class QueryService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueryService.class);

    private final HttpMetrics metrics;
    private final ThrottledWarning failureWarning =
        new ThrottledWarning(ThrottledWarning.DEFAULT_INTERVAL_NS, System.nanoTime());
    private final int maxPoints;
    private final ThreadPoolExecutor pool;
    private final ThreadLocal<Worker> workers;
    private final FieldSchema fields;

    QueryService(final Engine engine, final HttpMetrics metrics, final int threads, final int maxPoints) {
        this.metrics = metrics;
        this.maxPoints = maxPoints;
        final AtomicInteger threadNumber = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(256),
            r -> Thread.ofPlatform().name("presplit-query-" + threadNumber.incrementAndGet()).unstarted(r));
        this.workers = ThreadLocal.withInitial(() -> new Worker(engine.store().openReader()));
        this.fields = engine.store().fields();
    }

    /** Answers the query on a query thread. */
    void submit(final ChannelHandlerContext ctx, final boolean isKeepAlive, final QueryStringDecoder uri,
        final boolean isAggregate, final String route) {
        try {
            pool.execute(() -> answer(ctx, isKeepAlive, uri, isAggregate, route));
        } catch (final RejectedExecutionException e) {
            metrics.request(route, 503);
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, Responses.JSON,
                Responses.influxError("unavailable", "every query thread is busy; retry later"));
        }
    }

    private void answer(final ChannelHandlerContext ctx, final boolean isKeepAlive, final QueryStringDecoder uri,
        final boolean isAggregate, final String route) {
        final Query query;
        try {
            query = Query.of(uri, fields);
        } catch (final IllegalArgumentException e) {
            metrics.request(route, 400);
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.BAD_REQUEST, Responses.JSON,
                Responses.influxError("invalid", e.getMessage()));
            return;
        }
        try {
            final Worker worker = workers.get();
            final String body;
            if (isAggregate) {
                worker.aggregate(query);
                body = query.isCsv ? worker.aggregateCsv() : worker.aggregateJson(query);
            } else {
                worker.points(query, Math.min(maxPoints, query.limit));
                body = query.isCsv ? worker.pointsCsv() : worker.pointsJson(query);
            }
            metrics.request(route, 200);
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.OK, query.isCsv ? Responses.CSV : Responses.JSON,
                body);
        } catch (final RuntimeException e) {
            final long failures = failureWarning.occur(System.nanoTime());
            if (failures > 0) {
                LOG.warn("query failed [key={}, failures={} (since the last line), error={}]", query.key, failures,
                    e.toString());
            }
            metrics.request(route, 500);
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, Responses.JSON,
                Responses.influxError("internal error", "query failed: " + e.getMessage()));
        }
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A parsed query. */
    private record Query(String key, byte[] utf8Key, long fromNs, long toNs, boolean isCsv, int limit,
        int fieldIndex) {
        static Query of(final QueryStringDecoder uri, final FieldSchema fields) {
            final String key = single(uri, "key", null);
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("missing parameter 'key' (a series key, e.g. 'cpu,host=a usage')");
            }
            final byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
            if (utf8.length > 1024) {
                throw new IllegalArgumentException("key too long [lengthBytes=" + utf8.length + ", max=1024]");
            }
            final long fromNs = time(single(uri, "from", null), 0, "from");
            final long toNs = time(single(uri, "to", null), Long.MAX_VALUE, "to");
            if (fromNs > toNs) {
                throw new IllegalArgumentException("empty time range [from=" + fromNs + ", to=" + toNs + "]");
            }
            final String format = single(uri, "format", "json").toLowerCase(Locale.ROOT);
            if (!format.equals("json") && !format.equals("csv")) {
                throw new IllegalArgumentException("unknown format [format=" + format + ", known=json,csv]");
            }
            final String limitText = single(uri, "limit", Integer.toString(Integer.MAX_VALUE));
            final int limit;
            try {
                limit = Integer.parseInt(limitText);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("invalid limit [limit=" + limitText + "]", e);
            }
            if (limit < 1) {
                throw new IllegalArgumentException("invalid limit [limit=" + limit + "]");
            }
            final String field = single(uri, "field", null);
            final int fieldIndex;
            if (field != null) {
                fieldIndex = fields.indexOf(field);
            } else if (fields.count() == 1) {
                fieldIndex = 0;
            } else {
                throw new IllegalArgumentException("missing parameter 'field' (this store has several fields) [fields="
                    + fields.names() + "]");
            }
            return new Query(key, utf8, fromNs, toNs, format.equals("csv"), limit, fieldIndex);
        }

        private static String single(final QueryStringDecoder uri, final String name, final String fallback) {
            final List<String> values = uri.parameters().get(name);
            return values == null || values.isEmpty() ? fallback : values.getFirst();
        }

        private static long time(final String text, final long fallback, final String name) {
            if (text == null || text.isEmpty()) {
                return fallback;
            }
            try {
                return Long.parseLong(text);
            } catch (final NumberFormatException notNumber) {
                try {
                    final Instant instant = Instant.parse(text);
                    return Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L) + instant.getNano();
                } catch (final DateTimeParseException | ArithmeticException e) {
                    throw new IllegalArgumentException("invalid time [" + name + "=" + text
                        + ", want nanoseconds since the epoch or RFC 3339]", e);
                }
            }
        }
    }

    /** One query thread's state. */
    private static final class Worker implements RecordVisitor {
        private final PartitionReader reader;
        private final RangeAggregate aggregate = new RangeAggregate(true);
        private long[] timestamps = new long[1024];
        private double[] values = new double[1024];
        private int count;
        private int limit;
        private boolean isTruncated;
        private boolean isAggregating;
        private MemorySegment key;
        private int fieldIndex;

        Worker(final PartitionReader reader) {
            this.reader = reader;
        }

        void points(final Query query, final int maxPoints) {
            count = 0;
            limit = maxPoints;
            isTruncated = false;
            isAggregating = false;
            run(query);
            sortByTime();
        }

        void aggregate(final Query query) {
            aggregate.reset();
            isAggregating = true;
            run(query);
            aggregate.finish();
        }

        private void run(final Query query) {
            key = MemorySegment.ofArray(query.utf8Key);
            fieldIndex = query.fieldIndex;
            final long partitionKey = KeySpace.partitionKey(query.utf8Key);
            reader.query(partitionKey, partitionKey, query.fromNs, query.toNs, this);
        }

        @Override
        public void onRecord(final long partitionId, final RecordFlyweight record) {
            // Other series may share the partition key (a 63-bit hash): compare the key bytes.
            if (!record.seriesKeyEquals(key)) {
                return;
            }
            if (isAggregating) {
                aggregate.add(record.value(fieldIndex));
                return;
            }
            if (count == limit) {
                isTruncated = true;
                return;
            }
            if (count == timestamps.length) {
                timestamps = Arrays.copyOf(timestamps, count * 2);
                values = Arrays.copyOf(values, count * 2);
            }
            timestamps[count] = record.timestampNs();
            values[count] = record.value(fieldIndex);
            count++;
        }

        /** Lineage order is nearly time order; sort only when it is not. */
        private void sortByTime() {
            boolean isSorted = true;
            for (int i = 1; i < count && isSorted; i++) {
                isSorted = timestamps[i - 1] <= timestamps[i];
            }
            if (isSorted) {
                return;
            }
            final Integer[] order = new Integer[count];
            for (int i = 0; i < count; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Long.compare(timestamps[a], timestamps[b]));
            final long[] sortedTimes = new long[timestamps.length];
            final double[] sortedValues = new double[values.length];
            for (int i = 0; i < count; i++) {
                sortedTimes[i] = timestamps[order[i]];
                sortedValues[i] = values[order[i]];
            }
            timestamps = sortedTimes;
            values = sortedValues;
        }

        String pointsJson(final Query query) {
            final StringBuilder out = new StringBuilder(64 + count * 32);
            out.append("{\"key\":").append(Json.quote(query.key)).append(",\"from\":").append(query.fromNs)
                .append(",\"to\":").append(query.toNs).append(",\"count\":").append(count)
                .append(",\"truncated\":").append(isTruncated).append(",\"points\":[");
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append('[').append(timestamps[i]).append(',').append(number(values[i])).append(']');
            }
            return out.append("]}").toString();
        }

        String pointsCsv() {
            final StringBuilder out = new StringBuilder(32 + count * 32).append("timestamp_ns,value\n");
            for (int i = 0; i < count; i++) {
                out.append(timestamps[i]).append(',').append(values[i]).append('\n');
            }
            return out.toString();
        }

        String aggregateJson(final Query query) {
            return "{\"key\":" + Json.quote(query.key) + ",\"from\":" + query.fromNs + ",\"to\":" + query.toNs
                + ",\"count\":" + aggregate.count() + ",\"sum\":" + number(aggregate.sum()) + ",\"min\":"
                + number(aggregate.min()) + ",\"max\":" + number(aggregate.max()) + ",\"mean\":"
                + number(aggregate.mean()) + "}";
        }

        String aggregateCsv() {
            return "count,sum,min,max,mean\n" + aggregate.count() + "," + aggregate.sum() + "," + aggregate.min()
                + "," + aggregate.max() + "," + aggregate.mean() + "\n";
        }

        /** A JSON number; NaN (no points) as null. */
        private static String number(final double value) {
            return Double.isFinite(value) ? Double.toString(value) : "null";
        }
    }
}
