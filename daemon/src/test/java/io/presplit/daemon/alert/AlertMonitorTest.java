package io.presplit.daemon.alert;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;
import io.presplit.daemon.Engine;
import io.presplit.daemon.EngineConfig;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.monitor.CounterId;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** The alerts an operator gets when the engine cannot keep up with its forecast, driven on a virtual clock. */
class AlertMonitorTest {
    private static final long TICK_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;

    @TempDir
    Path dir;

    /**
     * Guards two alerts: a load ramp over capacity on the only partition allowed is an unresolvable predicted
     * saturation (partition limit), and a seasonal-naive forecast three ticks behind a ramp errs three times as
     * much as naive (forecast drift). Both are counted, shown in /metrics and POSTed to the webhook.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldFirePartitionLimitAndDriftAlertsWhenLoadRampsPastCapacityOfOnlyPartition() throws Exception {
        final List<String> posted = new CopyOnWriteArrayList<>();
        final HttpServer webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            posted.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.start();
        final EngineConfig config = new EngineConfig(dir, 64, 1, 64, TICK_NS, 2, new CapacityPlan(100),
            new AdjustmentPolicy(0.8, 0.2, 2, 0, 1, 0.9), true, 0, 10);
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(3), START_NS)) {
            final AlertMonitor alerts = new AlertMonitor(engine, 2.0, "http://127.0.0.1:"
                + webhook.getAddress().getPort() + "/hook");
            final PartitionWriter writer = engine.openWriter();
            for (int tick = 0; tick < AlertMonitor.DRIFT_WINDOW_TICKS + 5; tick++) {
                final long tickStartNs = START_NS + tick * TICK_NS;
                for (int i = 0; i < 10 * tick; i++) {
                    writer.write("ramp,k=" + (i % 7), tickStartNs + i, i);
                }
                engine.advanceTo(tickStartNs + TICK_NS, () -> { });
                alerts.onTick();
            }
            assertThat(alerts.isActive(AlertKind.PARTITION_LIMIT)).isTrue();
            assertThat(alerts.isActive(AlertKind.FORECAST_DRIFT)).isTrue();
            assertThat(alerts.isActive(AlertKind.HOT_KEY)).isFalse();
            assertThat(engine.counters().counter(CounterId.ALERT_PARTITION_LIMIT).get()).isEqualTo(1);
            assertThat(engine.counters().counter(CounterId.ALERT_FORECAST_DRIFT).get()).isEqualTo(1);
            final StringBuilder metrics = new StringBuilder();
            alerts.writeMetrics(metrics);
            assertThat(metrics.toString()).contains("presplit_alert_active{alert=\"partition_limit\"} 1\n",
                "presplit_alert_active{alert=\"forecast_drift\"} 1\n", "presplit_alert_active{alert=\"thrash\"} 0\n");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (posted.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(posted).anySatisfy(body -> assertThat(body).startsWith(
                "{\"alert\":\"partition_limit\",\"state\":\"firing\",\"message\":\"1 partition(s) predicted over "
                + "capacity held by the partition limit\""));
            // About 3x: snaive three ticks behind a ramp errs three slopes, naive one (less while history is short).
            assertThat(posted).anySatisfy(body -> assertThat(body).startsWith(
                "{\"alert\":\"forecast_drift\",\"state\":\"firing\",\"message\":\"one-step forecast error is 2.")
                .contains("x the naive error over 30 ticks (limit 2.00)"));
        } finally {
            webhook.stop(0);
        }
    }
}
