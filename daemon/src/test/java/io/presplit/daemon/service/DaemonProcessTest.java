package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.influxdb.client.InfluxDBClient;
import com.influxdb.client.InfluxDBClientFactory;
import com.influxdb.client.InfluxDBClientOptions;
import com.influxdb.client.WriteApiBlocking;
import com.influxdb.client.domain.WritePrecision;
import com.influxdb.client.write.Point;
import com.influxdb.exceptions.BadRequestException;
import io.presplit.PresplitException;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.PartitionStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * End to end with the real process: {@code presplit run} started as its own JVM (the JDK running the tests, the
 * flags of {@code target/jvm.args}, the test class path), fed by the official InfluxDB Java client
 * (com.influxdb:influxdb-client-java, unchanged: it only knows it talks to an InfluxDB 2) and by raw HTTP, queried
 * back exactly, scraped, and stopped with SIGTERM.
 */
class DaemonProcessTest {
    private static final Pattern LISTENING = Pattern.compile("presplit: listening on (http://\\S+) ");

    @TempDir
    Path dir;

    /**
     * Guards the product's outside contract: what an InfluxDB client writes (points, line protocol, gzip, ms
     * precision) is stored under the documented series keys and read back exactly; a bad line is reported to the
     * client as InfluxDB would; /metrics counts it all; SIGTERM stops the process cleanly.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldStoreWhatInfluxClientAndRawHttpWriteAndStopOnSigterm() throws Exception {
        final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        final Path jvmArgs = Path.of("target", "jvm.args").toAbsolutePath();
        assertThat(jvmArgs).as("written by the build (process-resources)").exists();
        final List<String> command = new ArrayList<>(List.of(java.toString(), "@" + jvmArgs,
            "-Djava.io.tmpdir=" + dir, "-cp", System.getProperty("java.class.path"), "io.presplit.daemon.PresplitCli",
            "run", "--data-dir", dir.resolve("data").toString(), "--port", "0"));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("daemon.log").toFile()).start();
        try {
            final String url = awaitListening(process, dir.resolve("daemon.log"));
            final HttpClient http = HttpClient.newHttpClient();

            final InfluxDBClientOptions options = InfluxDBClientOptions.builder().url(url)
                .authenticateToken("unused".toCharArray()).org("my-org").bucket("my-bucket").build();
            try (InfluxDBClient client = InfluxDBClientFactory.create(options)) {
                final WriteApiBlocking writes = client.getWriteApiBlocking();
                writes.writePoint(Point.measurement("cpu").addTag("host", "a").addTag("dc", "eu")
                    .addField("usage", 0.25).addField("cores", 8L).time(1_700_000_000_000L, WritePrecision.MS));
                writes.writeRecord(WritePrecision.NS, "cpu,host=a,dc=eu usage=0.75 1700000001000000000");
                client.enableGzip();
                writes.writeRecords(WritePrecision.S, List.of("disk,host=a free=10i 1700000000",
                    "disk,host=a free=12i 1700000001"));
                client.disableGzip();
                try {
                    writes.writeRecord(WritePrecision.NS, "cpu,host=a usage=oops 1");
                    throw new AssertionError("a bad line must fail the client's write");
                } catch (final BadRequestException e) {
                    assertThat(e.getMessage()).contains("line 1: invalid value of field 'usage': 'oops'");
                }
            }
            final HttpResponse<String> raw = http.send(HttpRequest.newBuilder(URI.create(url
                + "/write?db=x&precision=s")).POST(HttpRequest.BodyPublishers.ofString("cpu,dc=eu,host=a usage=0.5 "
                + "1700000002\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(raw.statusCode()).isEqualTo(204);

            assertThat(get(http, url + "/api/v1/query/points?key=" + encode("cpu,dc=eu,host=a usage")))
                .isEqualTo("{\"key\":\"cpu,dc=eu,host=a usage\",\"from\":0,\"to\":9223372036854775807,\"count\":3,"
                    + "\"truncated\":false,\"points\":[[1700000000000000000,0.25],[1700000001000000000,0.75],"
                    + "[1700000002000000000,0.5]]}");
            assertThat(get(http, url + "/api/v1/query/points?format=csv&key=" + encode("cpu,dc=eu,host=a cores")))
                .isEqualTo("timestamp_ns,value\n1700000000000000000,8.0\n");
            assertThat(get(http, url + "/api/v1/query/aggregate?format=csv&key=" + encode("disk,host=a free")))
                .isEqualTo("count,sum,min,max,mean\n2,22.0,10.0,12.0,11.0\n");
            final String metrics = get(http, url + "/metrics");
            assertThat(metrics).contains("presplit_ingest_points_total 6\n", "presplit_ingest_lines_rejected_total 1\n",
                "presplit_http_requests_total{route=\"write_v2\",code=\"204\"} 3\n",
                "presplit_http_requests_total{route=\"write_v2\",code=\"400\"} 1\n",
                "presplit_http_requests_total{route=\"write_v1\",code=\"204\"} 1\n",
                "presplit_http_write_latency_seconds_count 5\n", "presplit_live_partitions 1\n");
            // A second process on the same data directory stops at the store's lock, naming this one, before it
            // maps the history or truncates the counters of the daemon running there.
            try (LoadRecorder recorder = new LoadRecorder(1, 8)) {
                assertThatThrownBy(() -> PartitionStore.open(dir.resolve("data").resolve("store"), recorder))
                    .isInstanceOf(PresplitException.class).hasMessageContaining("the store is open in another process")
                    .hasMessageContaining("holderPid=" + process.pid() + "]");
            }
            assertThat(get(http, url + "/metrics")).contains("presplit_ingest_points_total 6\n");
        } finally {
            process.destroy();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
        }
        final String log = Files.readString(dir.resolve("daemon.log"));
        assertThat(process.exitValue()).as(log).isIn(0, 143);
        assertThat(log).contains("daemon stopped");
    }

    private static String awaitListening(final Process process, final Path log) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("daemon exited [code=" + process.exitValue() + "]: " + Files.readString(log));
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(log),
                StandardCharsets.UTF_8))) {
                String line;
                String url = null;
                boolean isReady = false;
                while ((line = reader.readLine()) != null) {
                    final Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        url = matcher.group(1);
                    }
                    isReady |= line.equals("presplit: ready");
                }
                if (url != null && isReady) {
                    return url;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("daemon did not start within 60 s: " + Files.readString(log));
    }

    private static String get(final HttpClient http, final String url) throws Exception {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(url + " -> " + response.body()).isEqualTo(200);
        return response.body();
    }

    private static String encode(final String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
