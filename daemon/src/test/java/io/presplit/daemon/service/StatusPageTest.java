package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The status page in a real browser: Debian's Chromium, headless, loads {@code /} from a daemon with load and a
 * split behind it, runs the page's script, and the test reads the resulting DOM. Skipped, saying why, only when no
 * Chromium is installed ({@code .ci/run} installs it).
 */
class StatusPageTest {
    private static final List<Path> CHROMIUM = List.of(Path.of("/usr/bin/chromium"),
        Path.of("/usr/bin/chromium-browser"), Path.of("/usr/bin/google-chrome"));
    private static final Pattern CANVAS = Pattern.compile("<canvas id=\"(\\w+)-chart\"[^>]*>");

    @TempDir
    Path dir;

    /**
     * Guards what an operator sees: both charts are drawn with data (marks drawn and pixels inked), the partitions
     * table lists the live partitions, and the split appears among the recent decisions; nothing is loaded from
     * outside the daemon.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldDrawChartsWithDataAndListDecisionsInHeadlessChromium() throws Exception {
        final Path chromium = CHROMIUM.stream().filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(chromium != null, "Chromium not installed (apt-get install chromium; .ci/run installs it): "
            + "status page test skipped");
        final DaemonConfig config = DaemonConfig.defaults();
        config.dataDir = dir.resolve("data").toString();
        config.server.port = 0;
        config.engine.tickMs = 100;
        config.engine.slotCapacity = 64;
        config.engine.maxPartitions = 16;
        config.engine.historyTicks = 64;
        config.engine.seasonTicks = 4;
        config.engine.capacityPointsPerSecond = 1e9;
        // No decision on the children of the manual split, so the page shows them (not a merge back).
        config.engine.cooldownTicks = 100_000;
        config.storage.segmentLengthBytes = 1 << 20;
        try (Daemon daemon = Daemon.start(config.validate())) {
            final PartitionWriter writer = daemon.engine().openWriter();
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(800);
            long ts = 1;
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < 200; i++) {
                    writer.write("m,k=" + (i % 20) + " v", ts++, i);
                }
                Thread.sleep(10);
            }
            final HttpResponse<String> split = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + daemon.port() + "/api/v1/admin/split?partition=0&key=4611686018427387904"))
                .header("Authorization", "Bearer " + daemon.adminToken()).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(split.body()).contains("committed");
            Thread.sleep(300);

            final Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + dir.resolve("chromium"),
                "--virtual-time-budget=8000", "--dump-dom", "http://127.0.0.1:" + daemon.port() + "/")
                .redirectError(dir.resolve("chromium.log").toFile()).start();
            final String dom = new String(browser.getInputStream().readAllBytes());
            assertThat(browser.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(dom).as(Files.readString(dir.resolve("chromium.log"))).contains("live partitions");

            final Matcher canvases = CANVAS.matcher(dom);
            int drawn = 0;
            while (canvases.find()) {
                final String tag = canvases.group();
                assertThat(tag).as(tag).contains("data-drawn=\"true\"");
                assertThat(attribute(tag, "data-marks")).as(tag).isPositive();
                assertThat(attribute(tag, "data-ink")).as("pixels inked: " + tag).isGreaterThan(1000);
                drawn++;
            }
            assertThat(drawn).isEqualTo(2);
            assertThat(dom).contains("<td>1</td>", "<td>2</td>", "<td>split</td>");
        }
    }

    private static long attribute(final String tag, final String name) {
        final Matcher matcher = Pattern.compile(name + "=\"(\\d+)\"").matcher(tag);
        assertThat(matcher.find()).as(name + " in " + tag).isTrue();
        return Long.parseLong(matcher.group(1));
    }
}
