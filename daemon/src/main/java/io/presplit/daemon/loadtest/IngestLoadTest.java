package io.presplit.daemon.loadtest;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.daemon.service.Daemon;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sustained line-protocol ingest over HTTP on loopback against an in-process daemon whose capacity is set low
 * enough that the engine splits while the test writes: client connections each send batches of fixed-width lines
 * (one point each) as fast as the server answers, for a bounded time; then every acknowledged point is counted back
 * from the store.
 * <p>
 * The clients run in the daemon's JVM and share its two cores, as they would on one machine; they allocate nothing
 * per batch (a template whose timestamp digits are rewritten in place) so that what is measured is the server.
 * Latency is per request, from the first byte sent to the last byte of the answer, recorded in HdrHistogram.
 */
public final class IngestLoadTest {
    private static final Pattern WRITTEN_BEFORE_FAILURE =
        Pattern.compile("after (\\d+) of the batch's points were written");
    private static final long TIMESTAMP_BASE_NS = 1_700_000_000_000_000_000L;
    private static final int TIMESTAMP_DIGITS = 19;

    private IngestLoadTest() {
    }

    /**
     * The settings of one run.
     *
     * @param dataDir      the daemon's data directory (fresh).
     * @param seconds      how long the clients write.
     * @param connections  client connections, one thread each.
     * @param batchLines   lines (points) per request.
     * @param seriesCount  distinct series written round-robin.
     * @param tickMs       the engine tick.
     * @param capacityPointsPerSecond capacity of one partition: low enough to make the engine split.
     * @param ingestThreads the daemon's ingest threads.
     */
    public record Settings(Path dataDir, int seconds, int connections, int batchLines, int seriesCount, long tickMs,
        double capacityPointsPerSecond, int ingestThreads) {
    }

    /**
     * What a run measured.
     *
     * @param pointsAcknowledged points in batches answered 204.
     * @param pointsCounted      points found in the store afterwards.
     * @param requests           requests answered 204.
     * @param failedRequests     requests answered otherwise.
     * @param pointsOfFailed     points that failed requests wrote before their failure, as the server answered.
     * @param elapsedNs          writing time.
     * @param latencyUs          request latencies in microseconds.
     * @param splits             splits committed during the run.
     * @param merges             merges committed during the run.
     * @param livePartitions     live partitions at the end.
     */
    public record Result(long pointsAcknowledged, long pointsCounted, long requests, long failedRequests,
        long pointsOfFailed, long elapsedNs, Histogram latencyUs, long splits, long merges, int livePartitions) {
        /** Acknowledged points per second. */
        public double pointsPerSecond() {
            return pointsAcknowledged * 1e9 / elapsedNs;
        }

        /** Prints the result. */
        public void print(final PrintStream out) {
            out.printf(Locale.ROOT, "points acknowledged %,d in %.1f s: %,.0f points/s (%,d requests, %d failed)%n",
                pointsAcknowledged, elapsedNs / 1e9, pointsPerSecond(), requests, failedRequests);
            out.printf(Locale.ROOT, "write latency per request: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n",
                latencyUs.getValueAtPercentile(50) / 1e3, latencyUs.getValueAtPercentile(99) / 1e3,
                latencyUs.getValueAtPercentile(99.9) / 1e3, latencyUs.getMaxValue() / 1e3);
            out.printf(Locale.ROOT, "splits %d, merges %d, live partitions at the end %d%n", splits, merges,
                livePartitions);
            final long expected = pointsAcknowledged + pointsOfFailed;
            out.printf(Locale.ROOT, "points counted back from the store: %,d (%s%s)%n", pointsCounted,
                pointsCounted == expected ? "none lost" : pointsCounted < expected ? "LOST" : "MISMATCH",
                pointsOfFailed == 0 ? "" : String.format(Locale.ROOT, "; %,d of them from failed requests, which "
                    + "the server answered with the number they wrote", pointsOfFailed));
        }

        /** Whether the store holds exactly the acknowledged points and those the failed requests said they wrote. */
        public boolean isAccountedFor() {
            return pointsCounted == pointsAcknowledged + pointsOfFailed;
        }
    }

    /** Runs the load test. */
    public static Result run(final Settings settings) throws Exception {
        final DaemonConfig config = DaemonConfig.defaults();
        config.dataDir = settings.dataDir().toString();
        config.server.port = 0;
        config.server.ingestThreads = settings.ingestThreads();
        config.engine.tickMs = settings.tickMs();
        config.engine.capacityPointsPerSecond = settings.capacityPointsPerSecond();
        config.engine.cooldownTicks = 1;
        config.engine.seasonTicks = 1;
        config.engine.horizonTicks = 1;
        config.engine.maxHorizonTicks = 1;
        config.engine.historyTicks = 64;
        config.engine.slotCapacity = 128;
        config.engine.maxPartitions = 32;
        config.engine.forecaster = "naive";
        config.validate();
        try (Daemon daemon = Daemon.start(config)) {
            final long splitsBefore = daemon.engine().coordinator().splitsCommitted();
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.seconds());
            final List<Client> clients = new ArrayList<>();
            final AtomicLong timestampSequence = new AtomicLong();
            for (int c = 0; c < settings.connections(); c++) {
                clients.add(new Client(daemon.port(), settings.batchLines(), settings.seriesCount(), c,
                    timestampSequence, deadlineNs));
            }
            final long startNs = System.nanoTime();
            for (final Client client : clients) {
                client.thread.start();
            }
            final Histogram latency = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
            long acknowledged = 0;
            long requests = 0;
            long failed = 0;
            long pointsOfFailed = 0;
            for (final Client client : clients) {
                client.thread.join();
                if (client.failure != null) {
                    throw new IllegalStateException("load client failed", client.failure);
                }
                latency.add(client.latencyUs);
                acknowledged += client.pointsAcknowledged;
                requests += client.requests;
                failed += client.failedRequests;
                pointsOfFailed += client.pointsOfFailed;
            }
            final long elapsedNs = System.nanoTime() - startNs;
            final AtomicLong counted = new AtomicLong();
            daemon.engine().store().scan((partitionId, record) -> counted.incrementAndGet());
            final long splits = daemon.control().submit(engine -> engine.coordinator().splitsCommitted()).get()
                - splitsBefore;
            final long merges = daemon.control().submit(engine -> engine.coordinator().mergesCommitted()).get();
            final int live = daemon.control().submit(engine -> engine.partitions().liveCount()).get();
            return new Result(acknowledged, counted.get(), requests, failed, pointsOfFailed, elapsedNs, latency, splits,
                merges, live);
        }
    }

    /** The points a failed write's answer says it wrote ("... after N of the batch's points were written"). */
    static long pointsWrittenBeforeFailure(final String body) {
        final Matcher written = WRITTEN_BEFORE_FAILURE.matcher(body);
        return written.find() ? Long.parseLong(written.group(1)) : 0;
    }

    /** One client connection on its own thread, keep-alive, one request in flight. */
    private static final class Client {
        final Thread thread;
        final Histogram latencyUs = new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
        long pointsAcknowledged;
        long requests;
        long failedRequests;
        long pointsOfFailed;
        Throwable failure;

        private final int port;
        private final byte[] request;
        private final int bodyOffset;
        private final int lineLength;
        private final int timestampOffsetInLine;
        private final int batchLines;
        private final AtomicLong timestampSequence;
        private final long deadlineNs;
        private final byte[] answer = new byte[65536];
        /** The body of the last answer when it fit in {@link #answer}, else empty. */
        private String answerBody = "";

        Client(final int port, final int batchLines, final int seriesCount, final int clientIndex,
            final AtomicLong timestampSequence, final long deadlineNs) {
            this.port = port;
            this.batchLines = batchLines;
            this.timestampSequence = timestampSequence;
            this.deadlineNs = deadlineNs;
            // Fixed-width lines: "load,host=h000123 v=1.5 <19 digits>\n".
            final StringBuilder body = new StringBuilder();
            for (int i = 0; i < batchLines; i++) {
                final int series = (clientIndex * batchLines + i) % seriesCount;
                body.append(String.format(Locale.ROOT, "load,host=h%06d v=%d.5 %019d%n", series, i % 10,
                    TIMESTAMP_BASE_NS));
            }
            final byte[] bodyBytes = body.toString().getBytes(StandardCharsets.US_ASCII);
            this.lineLength = bodyBytes.length / batchLines;
            this.timestampOffsetInLine = lineLength - 1 - TIMESTAMP_DIGITS;
            final byte[] head = ("POST /api/v2/write?precision=ns HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                + "text/plain\r\nContent-Length: " + bodyBytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            this.request = new byte[head.length + bodyBytes.length];
            System.arraycopy(head, 0, request, 0, head.length);
            System.arraycopy(bodyBytes, 0, request, head.length, bodyBytes.length);
            this.bodyOffset = head.length;
            this.thread = Thread.ofPlatform().name("presplit-load-" + clientIndex).unstarted(this::run);
        }

        private void run() {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setTcpNoDelay(true);
                final OutputStream out = socket.getOutputStream();
                final InputStream in = socket.getInputStream();
                while (System.nanoTime() < deadlineNs) {
                    stampBatch();
                    final long sentNs = System.nanoTime();
                    out.write(request);
                    out.flush();
                    final int status = readAnswer(in);
                    latencyUs.recordValue(Math.min(latencyUs.getHighestTrackableValue(),
                        (System.nanoTime() - sentNs) / 1_000));
                    if (status == 204) {
                        requests++;
                        pointsAcknowledged += batchLines;
                    } else {
                        failedRequests++;
                        pointsOfFailed += pointsWrittenBeforeFailure(answerBody);
                    }
                }
            } catch (final IOException | RuntimeException e) {
                failure = e;
            }
        }

        /** Gives every line of the batch a new, unique timestamp (so every point is distinct). */
        private void stampBatch() {
            long timestamp = TIMESTAMP_BASE_NS + timestampSequence.getAndAdd(batchLines);
            final byte[] bytes = request;
            for (int i = 0; i < batchLines; i++) {
                int position = bodyOffset + i * lineLength + timestampOffsetInLine + TIMESTAMP_DIGITS - 1;
                long value = timestamp++;
                for (int d = 0; d < TIMESTAMP_DIGITS; d++) {
                    bytes[position--] = (byte) ('0' + value % 10);
                    value /= 10;
                }
            }
        }

        /** Reads one answer (status line, headers, Content-Length body); returns the status. */
        private int readAnswer(final InputStream in) throws IOException {
            int length = 0;
            int headerEnd = -1;
            while (headerEnd < 0) {
                final int read = in.read(answer, length, answer.length - length);
                if (read < 0) {
                    throw new IOException("server closed the connection");
                }
                length += read;
                for (int i = Math.max(0, length - read - 3); i + 3 < length; i++) {
                    if (answer[i] == '\r' && answer[i + 1] == '\n' && answer[i + 2] == '\r' && answer[i + 3] == '\n') {
                        headerEnd = i + 4;
                        break;
                    }
                }
            }
            final String head = new String(answer, 0, headerEnd, StandardCharsets.US_ASCII);
            final int status = Integer.parseInt(head.substring(9, 12));
            final int at = head.toLowerCase(Locale.ROOT).indexOf("content-length:");
            final int contentLength = at < 0 ? 0
                : Integer.parseInt(head.substring(at + 15, head.indexOf('\r', at)).trim());
            int remaining = contentLength - (length - headerEnd);
            final boolean isKept = headerEnd + contentLength <= answer.length;
            while (remaining > 0) {
                final int into = isKept ? length : 0;
                final int read = in.read(answer, into, Math.min(answer.length - into, remaining));
                if (read < 0) {
                    throw new IOException("server closed the connection");
                }
                remaining -= read;
                length += isKept ? read : 0;
            }
            answerBody = status == 204 || !isKept ? ""
                : new String(answer, headerEnd, contentLength, StandardCharsets.UTF_8);
            return status;
        }
    }
}
