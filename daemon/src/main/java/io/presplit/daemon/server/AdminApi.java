package io.presplit.daemon.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.HoldReason;
import io.presplit.adjust.PartitionTable;
import io.presplit.coordinate.SplitMergeCoordinator;
import io.presplit.daemon.Engine;
import io.presplit.daemon.config.DaemonConfig;
import io.presplit.daemon.service.ControlLoop;
import io.presplit.daemon.service.EngineSnapshot;
import io.presplit.daemon.service.Forecasters;
import io.presplit.profile.Resource;
import io.presplit.shadow.ShadowReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The admin API under {@code /api/v1/admin/}, behind the bearer token (checked by the router). Reads come from the
 * latest {@link EngineSnapshot}; changes run on the control thread between ticks and answer with what happened.
 * <table>
 *   <caption>Admin routes</caption>
 *   <tr><th>request</th><th>answer</th></tr>
 *   <tr><td>GET partitions</td><td>live partitions: range, load, forecast peak, capacity, hold reason</td></tr>
 *   <tr><td>GET forecasts</td><td>each partition's 90 % quantile per horizon step</td></tr>
 *   <tr><td>GET decisions</td><td>pending decisions, commits in doubt, hold counts, recent splits and merges</td></tr>
 *   <tr><td>GET shadow</td><td>the shadow report (404 when no shadow runs)</td></tr>
 *   <tr><td>POST shadow?splitThreshold=&amp;mergeThreshold=&amp;forecaster=&amp;horizonTicks=</td>
 *       <td>starts (or replaces) a shadow candidate</td></tr>
 *   <tr><td>DELETE shadow</td><td>stops it</td></tr>
 *   <tr><td>POST split?partition=ID[&amp;key=K]</td><td>splits now (default key: the load-balancing
 *       boundary)</td></tr>
 *   <tr><td>POST merge?partition=ID</td><td>merges the partition with its upper neighbour now</td></tr>
 *   <tr><td>POST policy?splitThreshold=&amp;mergeThreshold=&amp;horizonTicks=</td><td>changes thresholds and
 *       horizon (each optional)</td></tr>
 * </table>
 */
public final class AdminApi {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    /** The parameters each admin route takes; any other is refused. */
    private static final Map<String, List<String>> PARAMETERS = Map.of(
        "partitions", List.of(), "forecasts", List.of(), "decisions", List.of(),
        "shadow", List.of("splitThreshold", "mergeThreshold", "forecaster", "horizonTicks"),
        "split", List.of("partition", "key"), "merge", List.of("partition"),
        "policy", List.of("splitThreshold", "mergeThreshold", "horizonTicks"));
    private static final long TASK_TIMEOUT_MS = 30_000;
    /** Ticks of load that decide whether a manual split balances load or halves the key range. */
    private static final int RECENT_TICKS = 6;

    private final ControlLoop control;
    private final DaemonConfig config;
    private final Consumer<StringBuilder> extraMetrics;
    private final ExecutorService executor = new ThreadPoolExecutor(1, 1,
        0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(64),
        r -> Thread.ofPlatform().name("presplit-admin").daemon(true).unstarted(r));

    /**
     * @param extraMetrics appends further Prometheus lines to {@code /metrics} (the alerts).
     */
    public AdminApi(final ControlLoop control, final DaemonConfig config, final Consumer<StringBuilder> extraMetrics) {
        this.control = control;
        this.config = config;
        this.extraMetrics = extraMetrics;
    }

    void writeMetrics(final StringBuilder out) {
        extraMetrics.accept(out);
    }

    /** Answers on the admin thread: admin tasks wait for the control thread, which an event loop must not. */
    void submit(final ChannelHandlerContext ctx, final boolean isKeepAlive, final HttpMethod method,
        final String path, final QueryStringDecoder uri) {
        try {
            executor.execute(() -> handle(ctx, isKeepAlive, method, path, uri));
        } catch (final RejectedExecutionException e) {
            reply(ctx, isKeepAlive, HttpResponseStatus.SERVICE_UNAVAILABLE,
                Responses.influxError("unavailable", "admin API busy or shutting down"));
        }
    }

    /** Stops the admin thread. */
    public void close() {
        executor.shutdownNow();
    }

    private void handle(final ChannelHandlerContext ctx, final boolean isKeepAlive, final HttpMethod method,
        final String path, final QueryStringDecoder uri) {
        final String action = path.substring("/api/v1/admin/".length());
        try {
            requireKnownParameters(action, uri);
            final String answer = switch (action) {
                case "partitions" -> requireGet(method, () -> Json.write(partitions(control.snapshot())));
                case "forecasts" -> requireGet(method, () -> Json.write(forecasts(control.snapshot())));
                case "decisions" -> requireGet(method, () -> Json.write(decisions()));
                case "shadow" -> shadow(method, uri);
                case "split" -> requirePost(method, () -> Json.write(run(engine -> split(engine, uri))));
                case "merge" -> requirePost(method, () -> Json.write(run(engine -> merge(engine, uri))));
                case "policy" -> requirePost(method, () -> Json.write(run(engine -> policy(engine, uri))));
                default -> throw new NotFound("no admin route [path=" + path + "]");
            };
            reply(ctx, isKeepAlive, HttpResponseStatus.OK, answer);
        } catch (final NotFound e) {
            reply(ctx, isKeepAlive, HttpResponseStatus.NOT_FOUND, Responses.influxError("not found", e.getMessage()));
        } catch (final MethodNotAllowed e) {
            reply(ctx, isKeepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED,
                Responses.influxError("method not allowed", e.getMessage()));
        } catch (final IllegalArgumentException | IllegalStateException e) {
            reply(ctx, isKeepAlive, HttpResponseStatus.BAD_REQUEST, Responses.influxError("invalid", e.getMessage()));
        } catch (final RuntimeException e) {
            LOG.warn("admin request failed [path={}, error={}]", path, e.toString(), e);
            reply(ctx, isKeepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR,
                Responses.influxError("internal error", String.valueOf(e)));
        }
    }

    /**
     * Refuses a parameter the action does not take: a mistyped one ({@code at=} for {@code key=}) would otherwise be
     * ignored, and a split made at the default key instead of the one asked for.
     */
    private static void requireKnownParameters(final String action, final QueryStringDecoder uri) {
        final List<String> known = PARAMETERS.get(action);
        if (known == null) {
            return;
        }
        for (final String name : uri.parameters().keySet()) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown parameter [name=" + name + ", known=" + known + "]");
            }
        }
    }

    private void reply(final ChannelHandlerContext ctx, final boolean isKeepAlive, final HttpResponseStatus status,
        final String json) {
        Responses.send(ctx, isKeepAlive, status, Responses.JSON, json);
    }

    static Map<String, Object> partitions(final EngineSnapshot snapshot) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("timeNs", snapshot.timeNs());
        out.put("ticks", snapshot.ticks());
        out.put("tickNs", snapshot.tickNs());
        out.put("capacityPerTick", snapshot.capacityPerTick());
        out.put("splitThreshold", snapshot.splitThreshold());
        out.put("mergeThreshold", snapshot.mergeThreshold());
        out.put("horizonTicks", snapshot.horizonTicks());
        out.put("forecaster", snapshot.forecaster());
        out.put("partitions", snapshot.partitions().stream().map(p -> {
            final Map<String, Object> partition = new LinkedHashMap<>();
            partition.put("id", p.id());
            partition.put("keyLo", p.keyLo());
            partition.put("keyHi", p.keyHi());
            partition.put("load", p.load());
            partition.put("queryCost", p.queryCost());
            partition.put("forecastPeak", p.forecastPeak());
            partition.put("utilization", p.load() / snapshot.capacityPerTick());
            partition.put("holdReason", p.holdReason());
            partition.put("cooldownUntilNs", p.cooldownUntilNs());
            return partition;
        }).toList());
        return out;
    }

    /** The status page's data: the partitions with their recent load and forecast, and the recent decisions. */
    static Map<String, Object> status(final EngineSnapshot snapshot) {
        final Map<String, Object> out = partitions(snapshot);
        out.put("partitions", snapshot.partitions().stream().map(p -> {
            final Map<String, Object> partition = new LinkedHashMap<>();
            partition.put("id", p.id());
            partition.put("keyLo", p.keyLo());
            partition.put("keyHi", p.keyHi());
            partition.put("load", p.load());
            partition.put("forecastPeak", Double.isFinite(p.forecastPeak()) ? p.forecastPeak() : null);
            partition.put("forecast", p.forecast());
            partition.put("recentLoad", p.recentLoad());
            partition.put("holdReason", p.holdReason());
            return partition;
        }).toList());
        out.put("decisions", snapshot.decisions());
        return out;
    }

    private static Map<String, Object> forecasts(final EngineSnapshot snapshot) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("forecaster", snapshot.forecaster());
        out.put("horizonTicks", snapshot.horizonTicks());
        out.put("quantile", 0.9);
        out.put("partitions", snapshot.partitions().stream().map(p -> Map.of("id", p.id(), "p90", p.forecast(),
            "peak", p.forecastPeak())).toList());
        return out;
    }

    private Map<String, Object> decisions() {
        final EngineSnapshot snapshot = control.snapshot();
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("pendingDecisions", snapshot.pendingDecisions());
        out.put("inDoubtCommits", snapshot.inDoubtCommits());
        out.put("holdCounts", run(engine -> {
            final Map<String, Long> counts = new LinkedHashMap<>();
            for (final HoldReason reason : HoldReason.values()) {
                if (reason != HoldReason.NONE) {
                    counts.put(reason.name(), engine.adjustment().holdCount(reason));
                }
            }
            return counts;
        }));
        out.put("held", snapshot.partitions().stream().filter(p -> !p.holdReason().equals("NONE"))
            .map(p -> Map.of("id", p.id(), "holdReason", p.holdReason())).toList());
        out.put("recent", snapshot.decisions());
        return out;
    }

    private String shadow(final HttpMethod method, final QueryStringDecoder uri) {
        if (method == HttpMethod.GET) {
            final ShadowReport report = run(Engine::shadowReport);
            if (report == null) {
                throw new NotFound("no shadow running; start one with POST /api/v1/admin/shadow");
            }
            return Json.write(report);
        }
        if (method == HttpMethod.DELETE) {
            run(engine -> {
                engine.stopShadow();
                return Boolean.TRUE;
            });
            return "{\"shadow\":\"stopped\"}";
        }
        if (method == HttpMethod.POST) {
            return Json.write(run(engine -> {
                final AdjustmentPolicy active = engine.adjustment().policy();
                final double split = number(uri, "splitThreshold", active.splitThreshold());
                final double merge = number(uri, "mergeThreshold", Math.min(active.mergeThreshold(), split / 2));
                final AdjustmentPolicy candidate = new AdjustmentPolicy(split, merge, active.mergeWindowTicks(),
                    active.cooldownNs(), active.maxPartitions(), active.minSplitImprovement(),
                    active.splitLookaheadTicks());
                final String forecaster = text(uri, "forecaster", config.forecasterName());
                final int horizon = (int) number(uri, "horizonTicks", engine.forecasts().horizon());
                try {
                    engine.startShadow(candidate, Forecasters.create(forecaster, config.engine, horizon), horizon);
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
                return Map.of("shadow", "started", "splitThreshold", split, "mergeThreshold", merge, "forecaster",
                    forecaster, "horizonTicks", horizon);
            }));
        }
        throw new MethodNotAllowed("use GET, POST or DELETE");
    }

    private static Map<String, Object> split(final Engine engine, final QueryStringDecoder uri) {
        final PartitionTable table = engine.partitions();
        final int slot = slotOf(table, (long) number(uri, "partition", Double.NaN));
        final long lo = table.keyLo(slot);
        final long hi = table.keyHi(slot);
        final long key;
        if (uri.parameters().containsKey("key")) {
            key = (long) number(uri, "key", Double.NaN);
        } else {
            // The load-balancing bucket boundary when the partition has recent load, else the middle of its range.
            final boolean hasLoad = engine.history().length(slot) > 0
                && engine.history().windowSum(Resource.INGEST_POINTS, slot,
                Math.min(engine.history().length(slot), RECENT_TICKS)) > 0;
            final long chosen = hasLoad ? engine.adjustment().chooseSplitKey(engine.history(), slot, 1.0) : -1;
            key = chosen > lo && chosen <= hi ? chosen : lo + (hi - lo) / 2 + 1;
        }
        if (key <= lo || key > hi) {
            throw new IllegalArgumentException("split key outside the partition [key=" + key + ", keyLo=" + lo
                + ", keyHi=" + hi + "]");
        }
        final SplitMergeCoordinator coordinator = engine.coordinator();
        final long before = coordinator.splitsCommitted();
        final long abortsBefore = coordinator.aborts();
        final long partitionId = table.partitionId(slot);
        coordinator.splitNow(slot, key);
        return outcome("split", partitionId, coordinator.splitsCommitted() > before,
            coordinator.aborts() > abortsBefore, Map.of("splitKey", key));
    }

    private static Map<String, Object> merge(final Engine engine, final QueryStringDecoder uri) {
        final PartitionTable table = engine.partitions();
        final int slot = slotOf(table, (long) number(uri, "partition", Double.NaN));
        final long hi = table.keyHi(slot);
        final int upper = hi == Long.MAX_VALUE ? -1 : table.slotContaining(hi + 1);
        if (upper < 0) {
            throw new IllegalArgumentException("partition has no upper neighbour [partition="
                + table.partitionId(slot) + "]");
        }
        final SplitMergeCoordinator coordinator = engine.coordinator();
        final long before = coordinator.mergesCommitted();
        final long abortsBefore = coordinator.aborts();
        final long partitionId = table.partitionId(slot);
        final long upperId = table.partitionId(upper);
        coordinator.mergeNow(slot, upper);
        return outcome("merge", partitionId, coordinator.mergesCommitted() > before,
            coordinator.aborts() > abortsBefore, Map.of("upperPartition", upperId));
    }

    private static Map<String, Object> outcome(final String kind, final long partitionId, final boolean isCommitted,
        final boolean isAborted, final Map<String, Object> details) {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put(kind, isCommitted ? "committed" : isAborted ? "aborted" : "not committed (see logs and counters)");
        out.put("partition", partitionId);
        out.putAll(details);
        return out;
    }

    private static Map<String, Object> policy(final Engine engine, final QueryStringDecoder uri) {
        final AdjustmentPolicy current = engine.adjustment().policy();
        final double split = number(uri, "splitThreshold", current.splitThreshold());
        final double merge = number(uri, "mergeThreshold", current.mergeThreshold());
        final AdjustmentPolicy next = new AdjustmentPolicy(split, merge, current.mergeWindowTicks(),
            current.cooldownNs(), current.maxPartitions(), current.minSplitImprovement(),
            current.splitLookaheadTicks());
        final int horizon = (int) number(uri, "horizonTicks", engine.forecasts().horizon());
        engine.forecasts().horizon(horizon);
        engine.adjustment().policy(next);
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("splitThreshold", split);
        out.put("mergeThreshold", merge);
        out.put("horizonTicks", horizon);
        out.put("maxHorizonTicks", engine.forecasts().maxHorizon());
        return out;
    }

    private static int slotOf(final PartitionTable table, final long partitionId) {
        final int slot = table.slotOf(partitionId);
        if (slot < 0 || !table.isLive(slot)) {
            throw new IllegalArgumentException("no live partition [partition=" + partitionId + "]");
        }
        return slot;
    }

    private static double number(final QueryStringDecoder uri, final String name, final double fallback) {
        final List<String> values = uri.parameters().get(name);
        if (values == null || values.isEmpty()) {
            if (Double.isNaN(fallback)) {
                throw new IllegalArgumentException("missing parameter [name=" + name + "]");
            }
            return fallback;
        }
        try {
            return Double.parseDouble(values.getFirst());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("invalid number [" + name + "=" + values.getFirst() + "]", e);
        }
    }

    private static String text(final QueryStringDecoder uri, final String name, final String fallback) {
        final List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? fallback : values.getFirst();
    }

    /** Runs {@code task} on the control thread and waits for it. */
    private <T> T run(final Function<Engine, T> task) {
        final CompletableFuture<T> future = control.submit(task);
        try {
            return future.get(TASK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new CompletionException(e.getCause());
        } catch (final TimeoutException e) {
            throw new IllegalStateException("control thread did not answer within " + TASK_TIMEOUT_MS + " ms", e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String requireGet(final HttpMethod method, final Supplier<String> answer) {
        if (method != HttpMethod.GET) {
            throw new MethodNotAllowed("use GET");
        }
        return answer.get();
    }

    private static String requirePost(final HttpMethod method, final Supplier<String> answer) {
        if (method != HttpMethod.POST) {
            throw new MethodNotAllowed("use POST");
        }
        return answer.get();
    }

    /** A 404. */
    private static final class NotFound extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotFound(final String message) {
            super(message, null, false, false);
        }
    }

    /** A 405. */
    private static final class MethodNotAllowed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MethodNotAllowed(final String message) {
            super(message, null, false, false);
        }
    }
}
