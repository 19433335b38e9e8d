package io.presplit.daemon.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Answers 408 and closes the connection when a request's body has not fully arrived within the timeout after its
 * headers: a slow or stalled client holds no ingest thread (bodies are gathered on the event loop) and cannot hold a
 * connection forever. Other connections are not affected. Event-loop thread only.
 */
final class BodyTimeoutHandler extends ChannelDuplexHandler {
    private final long timeoutMs;
    private final HttpMetrics metrics;
    private ScheduledFuture<?> timeout;
    private boolean isTimedOut;

    BodyTimeoutHandler(final long timeoutMs, final HttpMetrics metrics) {
        this.timeoutMs = timeoutMs;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(final ChannelHandlerContext ctx, final Object msg) {
        if (isTimedOut) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest && !(msg instanceof LastHttpContent)) {
            cancel();
            timeout = ctx.executor().schedule(() -> expire(ctx), timeoutMs, TimeUnit.MILLISECONDS);
        }
        if (msg instanceof LastHttpContent) {
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(final ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }

    private void expire(final ChannelHandlerContext ctx) {
        isTimedOut = true;
        metrics.request("body-timeout", 408);
        final byte[] body = ("{\"code\":\"request timeout\",\"message\":\"request body not received within "
            + timeoutMs + " ms\"}").getBytes(StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUEST_TIMEOUT, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, Responses.JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        // Written from this handler's position: the aggregator behind it never sees the half-read request.
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancel() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
