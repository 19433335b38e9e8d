package io.presplit.daemon.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.presplit.daemon.Engine;
import io.presplit.daemon.lineprotocol.LineProtocolParser;
import io.presplit.daemon.lineprotocol.ParseResult;
import io.presplit.daemon.lineprotocol.PointSink;
import io.presplit.storage.log.FieldSchema;
import io.presplit.daemon.lineprotocol.Precision;
import io.presplit.daemon.service.ControlLoop;
import io.presplit.storage.PartitionWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Line-protocol writes: a fixed pool of ingest threads ({@code presplit-ingest-N}), each with its own store
 * writer, parser and body buffer, so a batch is parsed from bytes and written without locks or per-point objects.
 * The Netty event loop only decodes HTTP (and gzip) and hands the complete body over; a full queue answers 503.
 * <p>
 * A batch is answered after all its valid points are written and, under group durability, forced once.
 */
final class IngestService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
    private static final int INITIAL_BUFFER_BYTES = 1 << 20;

    private final Engine engine;
    private final HttpMetrics metrics;
    private final ThreadPoolExecutor pool;
    private final ThreadLocal<Worker> workers;
    /** The most bytes a body may inflate to. */
    private final int maxBodyBytes;
    private final ThrottledWarning failureWarning =
        new ThrottledWarning(ThrottledWarning.DEFAULT_INTERVAL_NS, System.nanoTime());

    IngestService(final Engine engine, final HttpMetrics metrics, final int threads, final int queueLength,
        final int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.engine = engine;
        this.metrics = metrics;
        final AtomicInteger threadNumber = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queueLength),
            r -> Thread.ofPlatform().name("presplit-ingest-" + threadNumber.incrementAndGet()).unstarted(r));
        // Each pool thread claims one store writer (one load recorder stripe) for its lifetime.
        // A store with a field schema other than the default single "value" takes one record per line.
        final FieldSchema fields = engine.store().fields();
        this.workers = ThreadLocal.withInitial(() -> new Worker(engine.openWriter(),
            fields.equals(FieldSchema.SINGLE) ? new LineProtocolParser() : LineProtocolParser.withFields(
                fields.names())));
    }

    /**
     * Writes the body on an ingest thread and answers; the body is released either way.
     *
     * @param isV1 answer errors in InfluxDB 1's format ({@code {"error": ...}}) rather than 2's.
     */
    void submit(final ChannelHandlerContext ctx, final boolean isKeepAlive, final ByteBuf body,
        final BodyEncoding encoding, final Precision precision, final boolean isV1, final String route,
        final long arrivalNs) {
        try {
            pool.execute(() -> {
                try {
                    write(ctx, isKeepAlive, body, encoding, precision, isV1, route, arrivalNs);
                } finally {
                    body.release();
                }
            });
        } catch (final RejectedExecutionException e) {
            body.release();
            metrics.ingestBusy();
            metrics.request(route, 503);
            final String message = "every ingest thread is busy; retry later";
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE, Responses.JSON,
                isV1 ? Responses.influxV1Error(message) : Responses.influxError("unavailable", message));
        }
    }

    private void write(final ChannelHandlerContext ctx, final boolean isKeepAlive, final ByteBuf body,
        final BodyEncoding encoding, final Precision precision, final boolean isV1, final String route,
        final long arrivalNs) {
        final Worker worker = workers.get();
        int length = body.readableBytes();
        byte[] bytes = worker.buffer(length);
        body.getBytes(body.readerIndex(), bytes, 0, length);
        if (encoding != BodyEncoding.IDENTITY) {
            // Inflated whole before any line is parsed: a body that is cut short or corrupt writes nothing.
            try {
                final BodyEncoding.Decoded decoded = encoding.decode(bytes, length, worker.inflated, maxBodyBytes);
                worker.inflated = decoded.buffer();
                bytes = decoded.buffer();
                length = decoded.length();
            } catch (final BodyEncoding.DecodingException e) {
                final HttpResponseStatus status = e.isTooLarge() ? HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
                metrics.request(route, status.code());
                Responses.send(ctx, isKeepAlive, status, Responses.JSON, isV1 ? Responses.influxV1Error(e.getMessage())
                    : Responses.influxError(e.isTooLarge() ? "request too large" : "invalid", e.getMessage()));
                return;
            }
        }
        final ParseResult result = worker.result;
        try {
            worker.pointsWritten = 0;
            worker.parser.parse(bytes, 0, length, precision, ControlLoop.epochNanos(), worker, result);
            worker.writer.awaitForced();
        } catch (final RuntimeException | InternalError e) {
            // Points before the failure are in the log: the client is told how many, since a retry stores them again
            // (the store keeps every record; it does not deduplicate by series and time). An InternalError is a
            // store through a mapping that faulted (a store file truncated under it, or a page of an earlier
            // version's sparse segment a full disk could not back): answered like any store failure, so that the
            // client is not left waiting and this thread keeps its writer (a writer's stripe is not given back).
            metrics.writeFailure();
            metrics.request(route, 500);
            final long failures = failureWarning.occur(System.nanoTime());
            if (failures > 0) {
                LOG.warn("write failed [route={}, failures={} (since the last line), error={}]", route, failures,
                    e.toString());
            }
            final String message = "write failed in the store after " + worker.pointsWritten
                + " of the batch's points were written (a retry writes them again): " + (e instanceof InternalError
                ? "a mapped file faulted (a store file truncated, or a disk full under a sparse segment?): "
                + e.getMessage() : e.getMessage());
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, Responses.JSON,
                isV1 ? Responses.influxV1Error(message) : Responses.influxError("internal error", message));
            return;
        }
        metrics.write(result.lines(), result.rejectedLines(), result.points(), length,
            System.nanoTime() - arrivalNs);
        if (result.hasErrors()) {
            metrics.request(route, 400);
            final String message = result.errorMessage();
            Responses.send(ctx, isKeepAlive, HttpResponseStatus.BAD_REQUEST, Responses.JSON,
                isV1 ? Responses.influxV1Error(message) : Responses.influxError("invalid", message));
        } else {
            metrics.request(route, 204);
            Responses.empty(ctx, isKeepAlive, HttpResponseStatus.NO_CONTENT);
        }
    }

    /**
     * Stops taking writes and waits for those queued and in progress (at most {@code timeoutMs}). Safe to call
     * twice.
     */
    void close(final long timeoutMs) {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(timeoutMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("ingest threads still busy at shutdown [timeoutMs={}]", timeoutMs);
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(10_000);
    }

    /** One ingest thread's state. */
    private static final class Worker implements PointSink {
        final PartitionWriter writer;
        final LineProtocolParser parser;
        final ParseResult result = new ParseResult();
        /** Points of the request in progress that reached the store. */
        long pointsWritten;
        private byte[] buffer = new byte[INITIAL_BUFFER_BYTES];
        /** A compressed body's text, inflated: empty until the first compressed body, then grown up to the limit. */
        byte[] inflated = new byte[0];

        Worker(final PartitionWriter writer, final LineProtocolParser parser) {
            this.writer = writer;
            this.parser = parser;
        }

        byte[] buffer(final int length) {
            if (buffer.length < length) {
                buffer = new byte[Math.max(length, buffer.length * 2)];
            }
            return buffer;
        }

        @Override
        public void onPoint(final CharSequence seriesKey, final long timestampNs, final double value) {
            writer.writeUnforced(seriesKey, timestampNs, value);
            pointsWritten++;
        }

        @Override
        public void onRecord(final CharSequence seriesKey, final long timestampNs, final double[] values) {
            writer.writeUnforced(seriesKey, timestampNs, values);
            pointsWritten++;
        }
    }
}
