package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.storage.internal.ThreadPlacement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The HTTP API of an in-process daemon on a loopback port: writes, bad input, queries, admin and metrics as an
 * operator and a client see them. (DaemonProcessTest runs the real process with a real InfluxDB client.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DaemonHttpTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private Daemon daemon;
    private String base;

    private void start(final DaemonConfig config) throws IOException {
        config.dataDir = dir.toString();
        config.server.port = 0;
        config.engine.slotCapacity = 64;
        config.engine.maxPartitions = 16;
        config.engine.historyTicks = 64;
        config.engine.seasonTicks = 4;
        config.storage.segmentLengthBytes = 1 << 20;
        daemon = Daemon.start(config.validate());
        base = "http://127.0.0.1:" + daemon.port();
    }

    @AfterEach
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private HttpResponse<String> post(final String path, final String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).POST(HttpRequest.BodyPublishers.ofString(body))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(final String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(final String method, final String path, final String token) throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String key(final String seriesKey) {
        return URLEncoder.encode(seriesKey, StandardCharsets.UTF_8);
    }

    /**
     * Guards the multi-field store ({@code storage.fields}): a line becomes one record with a value per field, read
     * back by field name; a line with an unknown or missing field is refused with a 400 naming it and writes
     * nothing of itself; a query on such a store must name its field.
     */
    @Test
    void shouldStoreEachLineAsOneRecordWhenStoreHasFieldsAndRefuseUnknownFields() throws Exception {
        final DaemonConfig config = DaemonConfig.defaults();
        config.storage.fields = List.of("user", "system");
        start(config);
        assertThat(post("/api/v2/write", "cpu,host=a system=2,user=7.5 1700000000000000000\n"
            + "cpu,host=a user=8,system=3 1700000000000000001").statusCode()).isEqualTo(204);
        final HttpResponse<String> bad = post("/api/v2/write",
            "cpu,host=a user=9,system=4,steal=1 1700000000000000002\ncpu,host=a user=10 1700000000000000003");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("unknown field 'steal' (fields of this store: user, system)")
            .contains("missing field 'system'");

        assertThat(get("/api/v1/query/points?format=csv&field=system&key=" + key("cpu,host=a")).body())
            .isEqualTo("timestamp_ns,value\n1700000000000000000,2.0\n1700000000000000001,3.0\n");
        assertThat(get("/api/v1/query/aggregate?format=csv&field=user&key=" + key("cpu,host=a")).body())
            .isEqualTo("count,sum,min,max,mean\n2,15.5,7.5,8.0,7.75\n");
        final HttpResponse<String> noField = get("/api/v1/query/points?key=" + key("cpu,host=a"));
        assertThat(noField.statusCode()).isEqualTo(400);
        assertThat(noField.body()).contains("missing parameter 'field'").contains("[user, system]");
        final HttpResponse<String> unknown = get("/api/v1/query/points?field=steal&key=" + key("cpu,host=a"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown field [field=steal, fields=[user, system]]");
    }

    /**
     * Guards the daemon's wiring of writer-core pinning ({@code storage.writerCpus}): the ingest thread that wrote
     * must run on the writer CPU alone, and the write must land.
     */
    @Test
    void shouldRunIngestThreadOnWriterCpuWhenWriterCpusAreConfigured() throws Exception {
        final BitSet online = ThreadPlacement.onlineCpus();
        assumeTrue(online.cardinality() >= 2 && Files.isDirectory(Path.of("/proc/self/task")),
            "needs Linux and two online CPUs");
        final int writerCpu = online.length() - 1;
        final DaemonConfig config = DaemonConfig.defaults();
        config.server.ingestThreads = 1;
        config.storage.writerCpus = List.of(writerCpu);
        start(config);
        assertThat(post("/api/v2/write", "cpu,host=a usage=1.5 1700000000000000000").statusCode()).isEqualTo(204);
        assertThat(get("/api/v1/query/points?format=csv&key=" + key("cpu,host=a usage")).body())
            .isEqualTo("timestamp_ns,value\n1700000000000000000,1.5\n");

        final List<String> ingestThreadCpus = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (final Path task : (Iterable<Path>) tasks::iterator) {
                if (Files.readString(task.resolve("comm")).startsWith("presplit-ingest")) {
                    for (final String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("Cpus_allowed_list:")) {
                            ingestThreadCpus.add(line.substring(line.indexOf(':') + 1).strip());
                        }
                    }
                }
            }
        }
        // contains, not containsExactly: an ingest thread of a daemon an earlier test closed may not have exited yet.
        assertThat(ingestThreadCpus).contains(Integer.toString(writerCpu));
    }

    /** Guards the InfluxDB contract: both write endpoints, precision and gzip land exactly, and read back. */
    @Test
    void shouldStoreWritesOfBothApisWithPrecisionAndGzipAndReadThemBack() throws Exception {
        start(DaemonConfig.defaults());
        assertThat(post("/api/v2/write?org=o&bucket=b&precision=s", "cpu,region=eu,host=a usage=1.5 1700000000\n"
            + "cpu,host=a,region=eu usage=2.5 1700000001").statusCode()).isEqualTo(204);
        assertThat(post("/write?db=x&precision=ms", "cpu,host=a,region=eu usage=3i 1700000002000").statusCode())
            .isEqualTo(204);
        final ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write("cpu,host=a,region=eu usage=4.5 1700000003000000000\n".getBytes(StandardCharsets.UTF_8));
        }
        final HttpResponse<String> gzipped = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v2/write"))
            .header("Content-Encoding", "gzip").POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray()))
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(gzipped.statusCode()).isEqualTo(204);

        final HttpResponse<String> points = get("/api/v1/query/points?key=" + key("cpu,host=a,region=eu usage")
            + "&from=2023-11-14T22:13:20Z&to=1700000003000000000");
        assertThat(points.statusCode()).isEqualTo(200);
        assertThat(points.body()).isEqualTo("{\"key\":\"cpu,host=a,region=eu usage\",\"from\":1700000000000000000,"
            + "\"to\":1700000003000000000,\"count\":4,\"truncated\":false,\"points\":[[1700000000000000000,1.5],"
            + "[1700000001000000000,2.5],[1700000002000000000,3.0],[1700000003000000000,4.5]]}");
        final HttpResponse<String> csv = get("/api/v1/query/aggregate?format=csv&key="
            + key("cpu,host=a,region=eu usage") + "&from=1700000001000000000");
        assertThat(csv.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
        assertThat(csv.body()).isEqualTo("count,sum,min,max,mean\n3,10.0,2.5,4.5,3.3333333333333335\n");
        assertThat(get("/api/v1/query/points?format=csv&limit=1&key=" + key("cpu,host=a,region=eu usage")).body())
            .isEqualTo("timestamp_ns,value\n1700000000000000000,1.5\n");
    }

    /**
     * Guards compressed bodies: each is inflated whole or refused whole. A gzip body cut at a line boundary, one
     * that is not gzip, one whose checksum fails, and one that inflates past the body limit write nothing and get a
     * 4xx that says so; deflate bodies land; an encoding the server does not know is a 415, not text.
     */
    @Test
    void shouldWriteACompressedBodyWholeOrNothingOfIt() throws Exception {
        final DaemonConfig config = DaemonConfig.defaults();
        config.server.maxBodyBytes = 4096;
        start(config);
        final byte[] lines = "z v=1 1\nz v=2 2\nz v=3 3\n".getBytes(StandardCharsets.UTF_8);
        final byte[] gzip = gzip(lines);
        // Cut inside the compressed stream: a decoder that streams would write what it had inflated so far.
        final HttpResponse<String> cut = postBytes("/api/v2/write", "gzip", Arrays.copyOf(gzip, gzip.length - 9));
        assertThat(cut.statusCode()).isEqualTo(400);
        assertThat(cut.body()).isEqualTo("{\"code\":\"invalid\",\"message\":\"the gzip body ends before its stream "
            + "does (cut short?); nothing was written\"}");
        final byte[] badChecksum = gzip.clone();
        badChecksum[gzip.length - 8] ^= 1;
        assertThat(postBytes("/api/v2/write", "gzip", badChecksum).body()).contains("the body is not valid gzip (")
            .contains("nothing was written");
        assertThat(postBytes("/write", "gzip", "garbage garbage garbage".getBytes(StandardCharsets.UTF_8)).body())
            .isEqualTo("{\"error\":\"the body is not valid gzip (Not in GZIP format); nothing was written\"}");
        final HttpResponse<String> bomb = postBytes("/api/v2/write", "gzip", gzip(new byte[64 * 1024]));
        assertThat(bomb.statusCode()).isEqualTo(413);
        assertThat(bomb.body()).contains("request body exceeds 4096 bytes after gzip inflation; nothing was written");
        final HttpResponse<String> brotli = postBytes("/api/v2/write", "br",
            "z v=9 9".getBytes(StandardCharsets.UTF_8));
        assertThat(brotli.statusCode()).isEqualTo(415);
        assertThat(brotli.body()).contains("content encoding 'br' is not supported");
        assertThat(get("/api/v1/query/aggregate?key=z%20v").body()).contains("\"count\":0");

        final ByteArrayOutputStream deflated = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(deflated)) {
            deflate.write(lines);
        }
        assertThat(postBytes("/api/v2/write", "deflate", deflated.toByteArray()).statusCode()).isEqualTo(204);
        assertThat(postBytes("/api/v2/write", "GZIP", gzip).statusCode()).isEqualTo(204);
        assertThat(get("/api/v1/query/aggregate?key=z%20v").body()).contains("\"count\":6,\"sum\":12.0");
    }

    private HttpResponse<String> postBytes(final String path, final String encoding, final byte[] body)
        throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Encoding", encoding)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] gzip(final byte[] bytes) throws IOException {
        final ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
            gzip.write(bytes);
        }
        return zipped.toByteArray();
    }

    /**
     * Guards the bad-input answers: each is a clear 4xx, a partly bad batch writes its good lines and names the
     * bad ones, and an oversize body writes nothing.
     */
    @Test
    void shouldAnswerBadInputWithClearErrorsAndWriteOnlyValidLines() throws Exception {
        final DaemonConfig config = DaemonConfig.defaults();
        config.server.maxBodyBytes = 4096;
        start(config);
        final HttpResponse<String> partial = post("/api/v2/write", "m v=1 1\nm v=\"s\" 2\nm v=3 3\nm,bad v=4 4");
        assertThat(partial.statusCode()).isEqualTo(400);
        assertThat(partial.body()).isEqualTo("{\"code\":\"invalid\",\"message\":\"partial write: 2 of 4 lines "
            + "rejected (the other 2 lines were written); line 2: string field 'v' not supported (values must be "
            + "numbers or booleans): m v=\\\"s\\\" 2; line 4: invalid tag (want key=value) at 'bad': m,bad v=4 4\"}");
        final HttpResponse<String> v1 = post("/write", "nonsense");
        assertThat(v1.statusCode()).isEqualTo(400);
        assertThat(v1.body()).startsWith("{\"error\":\"partial write: 1 of 1 lines rejected");
        assertThat(post("/api/v2/write?precision=h", "m v=1").body())
            .isEqualTo("{\"code\":\"invalid\",\"message\":\"unknown precision 'h' (known: ns, us, ms, s)\"}");
        final HttpResponse<String> oversize = post("/api/v2/write", "big v=1 1\n".repeat(1000));
        assertThat(oversize.statusCode()).isEqualTo(413);
        assertThat(get("/api/v1/query/aggregate?key=m%20v").body()).contains("\"count\":2,\"sum\":4.0");
        assertThat(get("/api/v1/query/aggregate?key=big%20v").body()).contains("\"count\":0");
        assertThat(get("/api/v1/query/points").statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/query/points?key=m%20v&from=yesterday").body()).contains("invalid time [from=");
        assertThat(get("/nowhere").statusCode()).isEqualTo(404);
        // Telegraf's InfluxDB output creates its database at start: a no-op here; other InfluxQL is refused.
        assertThat(post("/query", "q=CREATE+DATABASE+%22telegraf%22").body())
            .isEqualTo("{\"results\":[{\"statement_id\":0}]}");
        assertThat(get("/query?q=SELECT+*+FROM+m").statusCode()).isEqualTo(400);
        assertThat(get("/api/v2/write").statusCode()).isEqualTo(405);
    }

    /** Guards against a slow client: its request gets 408 and the server keeps answering others meanwhile. */
    @Test
    void shouldAnswer408ToSlowBodyWhileServingOthers() throws Exception {
        final DaemonConfig config = DaemonConfig.defaults();
        config.server.bodyTimeoutMs = 500;
        start(config);
        try (Socket slow = new Socket("127.0.0.1", daemon.port())) {
            final OutputStream out = slow.getOutputStream();
            out.write(("POST /api/v2/write HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nm v=1")
                .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(post("/api/v2/write", "other v=1 1").statusCode()).isEqualTo(204);
            slow.setSoTimeout(10_000);
            final InputStream in = slow.getInputStream();
            final String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout");
        }
        assertThat(get("/api/v1/query/aggregate?key=other%20v").body()).contains("\"count\":1");
        assertThat(get("/api/v1/query/aggregate?key=m%20v").body()).contains("\"count\":0");
    }

    /**
     * Guards HTTP/1.1 pipelining: a write and a query sent back to back on one connection are answered in order,
     * and the query sees the write (requests of one connection run one after the other).
     */
    @Test
    void shouldAnswerPipelinedRequestsInOrder() throws Exception {
        start(DaemonConfig.defaults());
        try (Socket socket = new Socket("127.0.0.1", daemon.port())) {
            final String body = "piped v=7 1\n";
            socket.getOutputStream().write(("POST /api/v2/write HTTP/1.1\r\nHost: x\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body + "GET /api/v1/query/aggregate?key=piped%20v HTTP/1.1\r\n"
                + "Host: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(10_000);
            final String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answers).startsWith("HTTP/1.1 204 No Content");
            assertThat(answers.indexOf("HTTP/1.1 200 OK")).isPositive();
            assertThat(answers).endsWith("\"count\":1,\"sum\":7.0,\"min\":7.0,\"max\":7.0,\"mean\":7.0}");
        }
    }

    /**
     * Guards the admin API: no or a wrong token is 401; with the token an operator sees partitions, splits and
     * merges by hand, and changes thresholds and horizon.
     */
    @Test
    void shouldRequireTokenForAdminAndSplitMergeAndRetuneWithIt() throws Exception {
        start(DaemonConfig.defaults());
        final String token = daemon.adminToken();
        assertThat(token).hasSizeGreaterThan(20);
        assertThat(admin("GET", "/api/v1/admin/partitions", null).statusCode()).isEqualTo(401);
        assertThat(admin("GET", "/api/v1/admin/partitions", "wrong").statusCode()).isEqualTo(401);
        assertThat(admin("GET", "/api/v1/admin/partitions", token).body()).contains("\"partitions\":[{\"id\":0,");
        assertThat(admin("POST", "/api/v1/admin/split?partition=0&key=4611686018427387904", token).body())
            .isEqualTo("{\"split\":\"committed\",\"partition\":0,\"splitKey\":4611686018427387904}");
        assertThat(admin("GET", "/api/v1/admin/partitions", token).body()).contains("\"id\":1,", "\"id\":2,");
        assertThat(admin("GET", "/api/v1/admin/decisions", token).body())
            .contains("\"kind\":\"split\",\"removed\":[0],\"added\":[1,2]");
        assertThat(admin("POST", "/api/v1/admin/merge?partition=1", token).body())
            .isEqualTo("{\"merge\":\"committed\",\"partition\":1,\"upperPartition\":2}");
        assertThat(admin("POST", "/api/v1/admin/split?partition=99", token).statusCode()).isEqualTo(400);
        // A mistyped parameter is refused, not ignored: this split would otherwise go to the default key.
        final HttpResponse<String> typo = admin("POST", "/api/v1/admin/split?partition=0&at=7", token);
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(typo.body()).isEqualTo("{\"code\":\"invalid\",\"message\":\"unknown parameter [name=at, "
            + "known=[partition, key]]\"}");
        assertThat(admin("POST", "/api/v1/admin/policy?splitThreshold=0.7&mergeThreshold=0.2&horizonTicks=12",
            token).body()).isEqualTo("{\"splitThreshold\":0.7,\"mergeThreshold\":0.2,\"horizonTicks\":12,"
            + "\"maxHorizonTicks\":24}");
        assertThat(admin("POST", "/api/v1/admin/policy?splitThreshold=0.1&mergeThreshold=0.2", token).body())
            .contains("thresholds must satisfy");
        assertThat(admin("GET", "/api/v1/admin/shadow", token).statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/v1/admin/shadow?splitThreshold=0.5&mergeThreshold=0.1", token).body())
            .contains("\"shadow\":\"started\"");
        assertThat(admin("GET", "/api/v1/admin/shadow", token).body()).contains("\"partitionTicks\":");
        assertThat(admin("GET", "/api/v1/admin/forecasts", token).body()).contains("\"horizonTicks\":12");
        final String metrics = get("/metrics").body();
        assertThat(metrics).contains("presplit_splits_committed_total 1\n", "presplit_merges_committed_total 1\n",
            "presplit_live_partitions 1\n");
    }

    /**
     * Guards the answer when a write faults in a mapped file (here its segment truncated under the store, as another
     * process could; an earlier version's sparse segment on a full disk faults the same way): the client gets a
     * 500 that says so instead of a dropped connection, and the ingest thread, with its writer, keeps serving.
     */
    @Test
    void shouldAnswerAWriteThatFaultsInAMappedFileAndKeepServing() throws Exception {
        start(DaemonConfig.defaults());
        assertThat(post("/api/v2/write", "f v=1 1").statusCode()).isEqualTo(204);
        // The initial partition's active segment (the store starts with partition 0 and one segment).
        final Path segment = dir.resolve("store").resolve("partitions").resolve("0").resolve("segment-0000000000.log");
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(4096);
        }
        final String lines = "f v=2 2\n".repeat(2000);
        for (int attempt = 0; attempt < 3; attempt++) {
            final HttpResponse<String> faulted = post("/api/v2/write", lines);
            assertThat(faulted.statusCode()).isEqualTo(500);
            assertThat(faulted.body()).contains("a mapped file faulted");
        }
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    /** Guards a clear start failure: a taken port is reported by address and port, and nothing is left open. */
    @Test
    void shouldFailClearlyWhenPortIsTaken(@TempDir final Path other) throws Exception {
        start(DaemonConfig.defaults());
        final DaemonConfig second = DaemonConfig.defaults();
        second.dataDir = other.toString();
        second.server.port = daemon.port();
        second.storage.segmentLengthBytes = 1 << 20;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Daemon.start(second.validate()))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("cannot listen [address=127.0.0.1, port=" + daemon.port() + ", error=");
        assertThat(get("/ready").statusCode()).isEqualTo(200);
    }

    /** Guards the data directory: points and partitions survive a graceful stop and a new start. */
    @Test
    void shouldKeepPointsAndPartitionsAcrossRestart() throws Exception {
        start(DaemonConfig.defaults());
        assertThat(post("/api/v2/write", "m,k=a v=1 1\nm,k=b v=2 2").statusCode()).isEqualTo(204);
        admin("POST", "/api/v1/admin/split?partition=0&key=4611686018427387904", daemon.adminToken());
        assertThat(post("/api/v2/write", "m,k=a v=3 3\nm,k=b v=4 4").statusCode()).isEqualTo(204);
        daemon.close();
        daemon = null;
        start(DaemonConfig.defaults());
        assertThat(daemon.engine().partitions().liveCount()).isEqualTo(2);
        assertThat(get("/api/v1/query/aggregate?key=" + key("m,k=a v")).body()).contains("\"count\":2,\"sum\":4.0");
        assertThat(get("/api/v1/query/aggregate?key=" + key("m,k=b v")).body()).contains("\"count\":2,\"sum\":6.0");
        final String metrics = get("/metrics").body();
        assertThat(metrics).contains("# TYPE presplit_http_write_latency_seconds histogram",
            "presplit_http_requests_total{route=\"query_aggregate\",code=\"200\"} 2");
        assertThat(get("/ready").statusCode()).isEqualTo(200);
        assertThat(get("/health").body()).contains("\"status\":\"pass\"");
    }
}
