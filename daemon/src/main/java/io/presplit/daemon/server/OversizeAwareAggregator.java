package io.presplit.daemon.server;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Gathers a request's body up to {@code maxBodyBytes} as it arrives (a compressed body is inflated on the ingest
 * thread, under the same limit: {@link BodyEncoding}); a larger body is answered 413 with an InfluxDB-style JSON
 * error, nothing of it is written, and the connection is closed (its remaining bytes would otherwise have to be read
 * and thrown away).
 */
final class OversizeAwareAggregator extends HttpObjectAggregator {
    private final HttpMetrics metrics;
    private final int maxBodyBytes;

    OversizeAwareAggregator(final int maxBodyBytes, final HttpMetrics metrics) {
        super(maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
    }

    @Override
    protected void handleOversizedMessage(final ChannelHandlerContext ctx, final HttpMessage oversized) {
        metrics.request("oversize", 413);
        final byte[] body = ("{\"code\":\"request too large\",\"message\":\"request body exceeds " + maxBodyBytes
            + " bytes; nothing was written\"}").getBytes(StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, Responses.JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
