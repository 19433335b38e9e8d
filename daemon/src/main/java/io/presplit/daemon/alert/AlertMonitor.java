package io.presplit.daemon.alert;

import io.presplit.adjust.HoldReason;
import io.presplit.adjust.PartitionTable;
import io.presplit.coordinate.SplitMergeCoordinator;
import io.presplit.daemon.Engine;
import io.presplit.daemon.service.ControlLoop;
import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.ForecastTable;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Evaluates the alerts after each tick, on the control thread:
 * <ul>
 *   <li>{@link AlertKind#HOT_KEY}, {@link AlertKind#PARTITION_LIMIT}: some live partition is held for that reason
 *       while its predicted peak (90 % quantile) exceeds capacity: a saturation is coming that the engine cannot
 *       split away. Active while it lasts; fires once per onset.</li>
 *   <li>{@link AlertKind#FORECAST_DRIFT}: over the last {@link #DRIFT_WINDOW_TICKS} ticks, the summed absolute error
 *       of the one-step mean forecasts over all partitions, divided by the summed absolute error of the naive
 *       forecast (last tick's load), exceeds {@code driftLimit}: the model does worse than "same as last tick" by
 *       that factor (a scaled error in the spirit of MASE, Hyndman &amp; Koehler 2006).</li>
 *   <li>{@link AlertKind#SPLIT_MERGE_FAILED}, {@link AlertKind#THRASH}, {@link AlertKind#MODEL_FALLBACK}: the
 *       coordinator's aborts and failures, its thrash count, the ensemble's fallbacks (or a non-finite forecast)
 *       grew this tick. Fires per tick in which they grew; stays active for {@link #EVENT_ACTIVE_TICKS} ticks.</li>
 * </ul>
 * Each firing is counted ({@link AlertKind#counter()} in the counters file), logged at WARN, and, when a webhook is
 * configured, POSTed as JSON without blocking the control thread (failures are counted and logged).
 */
public final class AlertMonitor {
    /** Ticks over which forecast accuracy is judged. */
    public static final int DRIFT_WINDOW_TICKS = 30;
    /** Ticks an event alert stays active after its last event. */
    public static final int EVENT_ACTIVE_TICKS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(AlertMonitor.class);

    private final Engine engine;
    private final double driftLimit;
    private final URI webhook;
    private final HttpClient http;
    private final Map<AlertKind, Boolean> active = new EnumMap<>(AlertKind.class);
    private final Map<AlertKind, Long> lastEventTick = new EnumMap<>(AlertKind.class);
    private final AtomicLong webhookFailures = new AtomicLong();
    private final double[] modelErrors = new double[DRIFT_WINDOW_TICKS];
    private final double[] naiveErrors = new double[DRIFT_WINDOW_TICKS];
    /** One-step mean forecast and load of each partition at the previous tick, by partition id. */
    private Map<Long, double[]> previous = new HashMap<>();
    private int driftTicks;
    private long lastFailures;
    private long lastThrash;
    private long lastFallbacks;
    /** The latest drift ratio; read by scrapes. */
    private volatile double driftRatio = Double.NaN;

    /**
     * @param driftLimit the scaled-error limit of {@link AlertKind#FORECAST_DRIFT}.
     * @param webhookUrl where to POST alerts; empty for none.
     * @throws IllegalArgumentException when the URL is not an http(s) URL.
     */
    public AlertMonitor(final Engine engine, final double driftLimit, final String webhookUrl) {
        this.engine = engine;
        this.driftLimit = driftLimit;
        if (webhookUrl.isEmpty()) {
            this.webhook = null;
            this.http = null;
        } else {
            this.webhook = URI.create(webhookUrl);
            if (!"http".equals(webhook.getScheme()) && !"https".equals(webhook.getScheme())) {
                throw new IllegalArgumentException("alert webhook must be an http(s) URL [alerts.webhookUrl="
                    + webhookUrl + "]");
            }
            this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
        for (final AlertKind kind : AlertKind.values()) {
            active.put(kind, Boolean.FALSE);
        }
        final SplitMergeCoordinator coordinator = engine.coordinator();
        lastFailures = coordinator.failures() + coordinator.aborts();
        lastThrash = coordinator.thrash();
        lastFallbacks = fallbacks(engine);
    }

    /** Model paths replaced by the guard plus ticks served by a fallback because a learned model failed. */
    private static long fallbacks(final Engine engine) {
        final long guarded = engine.forecaster() instanceof EnsembleForecaster ensemble ? ensemble.fallbacks() : 0;
        return guarded + engine.forecaster().modelFallbacks();
    }

    /** Evaluates every alert. Control thread, after a tick. */
    public void onTick() {
        final PartitionTable table = engine.partitions();
        final ForecastTable forecasts = engine.forecasts();
        final LoadHistory history = engine.history();
        final long tick = history.tickCount();
        final double capacity = engine.config().capacity().ingestPointsPerTick();
        int hotKeys = 0;
        int limited = 0;
        boolean isForecastMissing = false;
        double modelError = 0;
        double naiveError = 0;
        final Map<Long, double[]> current = new HashMap<>();
        final int[] slots = table.liveSlotsByKey();
        for (int i = 0; i < table.liveCount(); i++) {
            final int slot = slots[i];
            final double peak = forecasts.peakUpper(slot);
            if (!Double.isFinite(peak)) {
                isForecastMissing = true;
            } else if (peak > capacity) {
                final HoldReason reason = table.holdReason(slot);
                hotKeys += reason == HoldReason.HOT_KEY ? 1 : 0;
                limited += reason == HoldReason.PARTITION_LIMIT ? 1 : 0;
            }
            final long id = table.partitionId(slot);
            final double load = history.length(slot) == 0 ? 0 : history.value(Resource.INGEST_POINTS, slot, 0);
            final double[] before = previous.get(id);
            if (before != null && Double.isFinite(before[0])) {
                modelError += Math.abs(load - before[0]);
                naiveError += Math.abs(load - before[1]);
            }
            current.put(id, new double[] {forecasts.mean(slot, 0), load});
        }
        previous = current;
        modelErrors[(int) (tick % DRIFT_WINDOW_TICKS)] = modelError;
        naiveErrors[(int) (tick % DRIFT_WINDOW_TICKS)] = naiveError;
        driftTicks = Math.min(driftTicks + 1, DRIFT_WINDOW_TICKS);
        double modelSum = 0;
        double naiveSum = 0;
        for (int i = 0; i < DRIFT_WINDOW_TICKS; i++) {
            modelSum += modelErrors[i];
            naiveSum += naiveErrors[i];
        }
        driftRatio = naiveSum > 0 ? modelSum / naiveSum : Double.NaN;

        state(AlertKind.HOT_KEY, hotKeys > 0, tick, hotKeys + " partition(s) predicted over capacity with the load "
            + "on one hot key: splitting cannot help");
        state(AlertKind.PARTITION_LIMIT, limited > 0, tick, limited + " partition(s) predicted over capacity held "
            + "by the partition limit");
        state(AlertKind.FORECAST_DRIFT, driftTicks == DRIFT_WINDOW_TICKS && driftRatio > driftLimit, tick,
            String.format(Locale.ROOT, "one-step forecast error is %.2fx the naive error over %d ticks (limit %.2f)",
                driftRatio, DRIFT_WINDOW_TICKS, driftLimit));
        final SplitMergeCoordinator coordinator = engine.coordinator();
        final long failures = coordinator.failures() + coordinator.aborts();
        event(AlertKind.SPLIT_MERGE_FAILED, failures > lastFailures, tick, (failures - lastFailures)
            + " split/merge transaction(s) aborted or failed");
        lastFailures = failures;
        final long thrash = coordinator.thrash();
        event(AlertKind.THRASH, thrash > lastThrash, tick, (thrash - lastThrash) + " split(s)/merge(s) undone "
            + "within the thrash window");
        lastThrash = thrash;
        final long fallbacks = fallbacks(engine);
        event(AlertKind.MODEL_FALLBACK, fallbacks > lastFallbacks || isForecastMissing, tick, isForecastMissing
            ? "a live partition has a non-finite forecast" : (fallbacks - lastFallbacks) + " model path(s) replaced "
            + "by a native fallback");
        lastFallbacks = fallbacks;
    }

    /** Whether {@code kind} is active now. Any thread. */
    public boolean isActive(final AlertKind kind) {
        synchronized (active) {
            return active.get(kind);
        }
    }

    /** Appends the alert metrics in Prometheus text format. Any thread. */
    public void writeMetrics(final StringBuilder out) {
        out.append("# HELP presplit_alert_active alert state (1 = active), by alert\n");
        out.append("# TYPE presplit_alert_active gauge\n");
        for (final AlertKind kind : AlertKind.values()) {
            out.append("presplit_alert_active{alert=\"").append(kind.label()).append("\"} ")
                .append(isActive(kind) ? 1 : 0).append('\n');
        }
        out.append("# HELP presplit_forecast_scaled_error one-step forecast error / naive error over the last ")
            .append(DRIFT_WINDOW_TICKS).append(" ticks\n# TYPE presplit_forecast_scaled_error gauge\n")
            .append("presplit_forecast_scaled_error ").append(Double.isFinite(driftRatio) ? driftRatio : 0.0)
            .append('\n');
        out.append("# HELP presplit_alert_webhook_failures_total alert webhook POSTs that failed\n")
            .append("# TYPE presplit_alert_webhook_failures_total counter\n")
            .append("presplit_alert_webhook_failures_total ").append(webhookFailures.get()).append('\n');
    }

    private void event(final AlertKind kind, final boolean hasEvent, final long tick, final String message) {
        if (hasEvent) {
            lastEventTick.put(kind, tick);
            fire(kind, message);
        }
        final Long last = lastEventTick.get(kind);
        final boolean isActive = last != null && tick - last < EVENT_ACTIVE_TICKS;
        if (!isActive && isActive(kind)) {
            resolve(kind, "no new event for " + EVENT_ACTIVE_TICKS + " ticks");
        }
        setActive(kind, isActive);
    }

    private void state(final AlertKind kind, final boolean isNowActive, final long tick, final String message) {
        final boolean wasActive = isActive(kind);
        if (isNowActive && !wasActive) {
            fire(kind, message);
        } else if (!isNowActive && wasActive) {
            resolve(kind, "condition cleared at tick " + tick);
        }
        setActive(kind, isNowActive);
    }

    private void setActive(final AlertKind kind, final boolean isActive) {
        synchronized (active) {
            active.put(kind, isActive);
        }
    }

    private void fire(final AlertKind kind, final String message) {
        engine.counters().counter(kind.counter()).increment();
        LOG.warn("alert firing [alert={}, message={}]", kind.label(), message);
        post(kind, "firing", message);
    }

    private void resolve(final AlertKind kind, final String message) {
        LOG.info("alert resolved [alert={}, message={}]", kind.label(), message);
        post(kind, "resolved", message);
    }

    private void post(final AlertKind kind, final String state, final String message) {
        if (webhook == null) {
            return;
        }
        final String body = "{\"alert\":\"" + kind.label() + "\",\"state\":\"" + state + "\",\"message\":\""
            + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"timeNs\":" + ControlLoop.epochNanos()
            + ",\"source\":\"presplit\"}";
        final HttpRequest request = HttpRequest.newBuilder(webhook).timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error != null || response.statusCode() / 100 != 2) {
                webhookFailures.incrementAndGet();
                LOG.warn("alert webhook failed [url={}, alert={}, status={}, error={}]", webhook, kind.label(),
                    response == null ? "-" : response.statusCode(), error == null ? "-" : error.toString());
            }
        });
    }
}
