package io.presplit.daemon.server;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AttributeKey;
import io.presplit.daemon.Engine;
import io.presplit.daemon.lineprotocol.Precision;
import io.presplit.daemon.service.ControlLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;

/**
 * Routes complete requests. Shared by every connection; runs on the event loops.
 * <table>
 *   <caption>Routes</caption>
 *   <tr><th>method and path</th><th>what</th><th>runs on</th></tr>
 *   <tr><td>POST /api/v2/write?org=&amp;bucket=&amp;precision=</td><td>line protocol (InfluxDB 2)</td>
 *       <td>ingest</td></tr>
 *   <tr><td>POST /write?db=&amp;precision=</td><td>line protocol (InfluxDB 1)</td><td>ingest</td></tr>
 *   <tr><td>/query?q=CREATE DATABASE ...</td><td>a no-op for Telegraf (other InfluxQL: 400)</td>
 *       <td>event loop</td></tr>
 *   <tr><td>GET /api/v1/query/points, /api/v1/query/aggregate</td><td>queries</td><td>query</td></tr>
 *   <tr><td>GET /health, /ping, /ready, /metrics</td><td>liveness, readiness, Prometheus</td><td>event loop</td></tr>
 *   <tr><td>GET /api/v1/status</td><td>the status page's data (read-only, no token)</td><td>event loop</td></tr>
 *   <tr><td>/api/v1/admin/...</td><td>admin (bearer token)</td><td>control thread</td></tr>
 *   <tr><td>GET /, /status/...</td><td>the status page</td><td>event loop</td></tr>
 * </table>
 * {@code org}, {@code bucket} and {@code db} are accepted and ignored: the store has one namespace.
 */
@ChannelHandler.Sharable
final class RequestRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(RequestRouter.class);
    private static final AttributeKey<Sequence> SEQUENCE = AttributeKey.valueOf("presplit.sequence");

    private final Engine engine;
    private final ControlLoop control;
    private final IngestService ingest;
    private final QueryService queries;
    private final HttpMetrics metrics;
    private final String adminToken;
    private final AdminApi admin;
    private volatile boolean isDraining;

    RequestRouter(final Engine engine, final ControlLoop control, final IngestService ingest,
        final QueryService queries, final HttpMetrics metrics, final String adminToken, final AdminApi admin) {
        this.engine = engine;
        this.control = control;
        this.ingest = ingest;
        this.queries = queries;
        this.metrics = metrics;
        this.adminToken = adminToken;
        this.admin = admin;
    }

    void drain() {
        isDraining = true;
    }

    /**
     * One request at a time per connection: a request that arrives while the previous one is being answered (HTTP/1.1
     * pipelining) waits in the connection's queue, so answers leave in request order even though writes and queries
     * are answered from other threads. {@link Responses} calls {@link #answered} after each answer is written.
     */
    @Override
    protected void channelRead0(final ChannelHandlerContext ctx, final FullHttpRequest request) {
        final Sequence sequence = sequence(ctx);
        if (sequence.isBusy) {
            sequence.waiting.add(request.retain());
            return;
        }
        sequence.isBusy = true;
        route(ctx, request);
    }

    /** Called on the connection's event loop once an answer was written: routes the next waiting request. */
    static void answered(final ChannelHandlerContext ctx) {
        final Sequence sequence = ctx.channel().attr(SEQUENCE).get();
        if (sequence == null) {
            return;
        }
        final FullHttpRequest next = sequence.waiting.poll();
        if (next == null) {
            sequence.isBusy = false;
            return;
        }
        try {
            sequence.router.route(ctx, next);
        } finally {
            next.release();
        }
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        final Sequence sequence = ctx.channel().attr(SEQUENCE).get();
        if (sequence != null) {
            FullHttpRequest waiting;
            while ((waiting = sequence.waiting.poll()) != null) {
                waiting.release();
            }
        }
        ctx.fireChannelInactive();
    }

    private Sequence sequence(final ChannelHandlerContext ctx) {
        Sequence sequence = ctx.channel().attr(SEQUENCE).get();
        if (sequence == null) {
            sequence = new Sequence(this);
            ctx.channel().attr(SEQUENCE).set(sequence);
        }
        return sequence;
    }

    private void route(final ChannelHandlerContext ctx, final FullHttpRequest request) {
        final long arrivalNs = System.nanoTime();
        final boolean isKeepAlive = HttpUtil.isKeepAlive(request) && !isDraining;
        if (!request.decoderResult().isSuccess()) {
            reply(ctx, false, "bad-request", HttpResponseStatus.BAD_REQUEST,
                Responses.influxError("invalid", "malformed HTTP request: " + request.decoderResult().cause()));
            return;
        }
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path = uri.path();
        final HttpMethod method = request.method();
        switch (path) {
            case "/api/v2/write", "/write" -> {
                final boolean isV1 = path.equals("/write");
                final String route = isV1 ? "write_v1" : "write_v2";
                if (method != HttpMethod.POST) {
                    methodNotAllowed(ctx, isKeepAlive, route, "POST");
                    return;
                }
                final String precisionText = first(uri, "precision");
                final Precision precision = Precision.byLabel(precisionText);
                if (precision == null) {
                    final String message = "unknown precision '" + precisionText + "' (known: ns, us, ms, s)";
                    reply(ctx, isKeepAlive, route, HttpResponseStatus.BAD_REQUEST,
                        isV1 ? Responses.influxV1Error(message) : Responses.influxError("invalid", message));
                    return;
                }
                final String encodingHeader = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
                final BodyEncoding encoding = BodyEncoding.of(encodingHeader);
                if (encoding == null) {
                    final String message = "content encoding '" + encodingHeader + "' is not supported (gzip, deflate "
                        + "or none); nothing was written";
                    reply(ctx, isKeepAlive, route, HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                        isV1 ? Responses.influxV1Error(message) : Responses.influxError("invalid", message));
                    return;
                }
                ingest.submit(ctx, isKeepAlive, request.content().retain(), encoding, precision, isV1, route,
                    arrivalNs);
            }
            case "/api/v1/query/points", "/api/v1/query/aggregate" -> {
                final String route = path.endsWith("points") ? "query_points" : "query_aggregate";
                if (method != HttpMethod.GET) {
                    methodNotAllowed(ctx, isKeepAlive, route, "GET");
                    return;
                }
                queries.submit(ctx, isKeepAlive, uri, route.equals("query_aggregate"), route);
            }
            case "/query" -> influxQuery(ctx, isKeepAlive, uri, request);
            case "/health", "/ping" -> health(ctx, isKeepAlive, path);
            case "/ready" -> {
                final boolean isReady = !isDraining && control.isRunning();
                reply(ctx, isKeepAlive, "ready", isReady ? HttpResponseStatus.OK
                    : HttpResponseStatus.SERVICE_UNAVAILABLE, isReady ? "{\"status\":\"ready\"}"
                    : "{\"status\":\"not ready\",\"message\":\"" + (isDraining ? "shutting down" : "control loop "
                    + "stopped") + "\"}");
            }
            case "/api/v1/status" -> reply(ctx, isKeepAlive, "status", HttpResponseStatus.OK,
                Json.write(AdminApi.status(control.snapshot())));
            case "/metrics" -> {
                metrics.request("metrics", 200);
                Responses.send(ctx, isKeepAlive, HttpResponseStatus.OK, Responses.PROMETHEUS,
                    PrometheusText.write(engine, metrics, admin::writeMetrics));
            }
            default -> {
                if (path.startsWith("/api/v1/admin/")) {
                    if (!isAuthorized(request)) {
                        reply(ctx, isKeepAlive, "admin", HttpResponseStatus.UNAUTHORIZED,
                            Responses.influxError("unauthorized", "admin API needs 'Authorization: Bearer <token>' "
                                + "with the token from the configuration or the start-up log"));
                        return;
                    }
                    metrics.request("admin", 200);
                    admin.submit(ctx, isKeepAlive, method, path, uri);
                    return;
                }
                if (method == HttpMethod.GET && StaticFiles.serve(ctx, isKeepAlive, path, metrics)) {
                    return;
                }
                reply(ctx, isKeepAlive, "not_found", HttpResponseStatus.NOT_FOUND,
                    Responses.influxError("not found", "no route [method=" + method + ", path=" + path + "]"));
            }
        }
    }

    /**
     * InfluxDB 1's {@code /query}: only {@code CREATE DATABASE}, which Telegraf's InfluxDB output sends at start, is
     * answered as done (the store has one namespace); any other InfluxQL is refused with a pointer to the query API.
     */
    private void influxQuery(final ChannelHandlerContext ctx, final boolean isKeepAlive,
        final QueryStringDecoder uri, final FullHttpRequest request) {
        String statement = first(uri, "q");
        if (statement == null && request.content().isReadable()) {
            statement = first(new QueryStringDecoder("?" + request.content().toString(
                StandardCharsets.UTF_8)), "q");
        }
        if (statement != null && statement.trim().toUpperCase(Locale.ROOT).startsWith("CREATE DATABASE")) {
            reply(ctx, isKeepAlive, "query_v1", HttpResponseStatus.OK, "{\"results\":[{\"statement_id\":0}]}");
            return;
        }
        reply(ctx, isKeepAlive, "query_v1", HttpResponseStatus.BAD_REQUEST, Responses.influxV1Error(
            "InfluxQL is not supported (only CREATE DATABASE, accepted as a no-op); query with GET "
            + "/api/v1/query/points or /api/v1/query/aggregate"));
    }

    private void health(final ChannelHandlerContext ctx, final boolean isKeepAlive, final String path) {
        final Throwable failure = control.failure();
        if (path.equals("/ping")) {
            metrics.request("ping", 204);
            Responses.empty(ctx, isKeepAlive, HttpResponseStatus.NO_CONTENT);
            return;
        }
        if (failure == null) {
            reply(ctx, isKeepAlive, "health", HttpResponseStatus.OK,
                "{\"name\":\"presplit\",\"status\":\"pass\",\"message\":\"ready for queries and writes\"}");
        } else {
            reply(ctx, isKeepAlive, "health", HttpResponseStatus.SERVICE_UNAVAILABLE,
                "{\"name\":\"presplit\",\"status\":\"fail\",\"message\":" + Json.quote("control loop stopped: "
                + failure) + "}");
        }
    }

    private boolean isAuthorized(final FullHttpRequest request) {
        final String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(
            header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8),
            adminToken.getBytes(StandardCharsets.UTF_8));
    }

    private void methodNotAllowed(final ChannelHandlerContext ctx, final boolean isKeepAlive, final String route,
        final String allowed) {
        reply(ctx, isKeepAlive, route, HttpResponseStatus.METHOD_NOT_ALLOWED,
            Responses.influxError("method not allowed", "use " + allowed));
    }

    private void reply(final ChannelHandlerContext ctx, final boolean isKeepAlive, final String route,
        final HttpResponseStatus status, final String json) {
        metrics.request(route, status.code());
        Responses.send(ctx, isKeepAlive, status, Responses.JSON, json);
    }

    private static String first(final QueryStringDecoder uri, final String name) {
        final List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** A connection's answering state; touched on its event loop only. */
    private static final class Sequence {
        final RequestRouter router;
        final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
        boolean isBusy;

        Sequence(final RequestRouter router) {
            this.router = router;
        }
    }

    @Override
    public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause) {
        LOG.debug("connection failed [remote={}, error={}]", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
