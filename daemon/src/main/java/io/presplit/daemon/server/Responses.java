package io.presplit.daemon.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.nio.charset.StandardCharsets;

/** Building and sending responses. Any thread: Netty hands writes from other threads to the channel's loop. */
final class Responses {
    static final String JSON = "application/json; charset=utf-8";
    static final String TEXT = "text/plain; charset=utf-8";
    static final String CSV = "text/csv; charset=utf-8";
    static final String PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8";

    private Responses() {
    }

    /** Sends {@code body} with {@code status}; closes the connection after it unless {@code isKeepAlive}. */
    static void send(final ChannelHandlerContext ctx, final boolean isKeepAlive, final HttpResponseStatus status,
        final String contentType, final String body) {
        send(ctx, isKeepAlive, status, contentType, Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends {@code body} (released by Netty) with {@code status}. */
    static void send(final ChannelHandlerContext ctx, final boolean isKeepAlive, final HttpResponseStatus status,
        final String contentType, final ByteBuf body) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        send(ctx, isKeepAlive, response);
    }

    /** Sends an empty response, e.g. 204. */
    static void empty(final ChannelHandlerContext ctx, final boolean isKeepAlive, final HttpResponseStatus status) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.EMPTY_BUFFER);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        send(ctx, isKeepAlive, response);
    }

    static void send(final ChannelHandlerContext ctx, final boolean isKeepAlive, final FullHttpResponse response) {
        if (isKeepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            // The listener runs on the connection's event loop: the next pipelined request may go.
            ctx.writeAndFlush(response).addListener(future -> RequestRouter.answered(ctx));
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** An InfluxDB 2 style error body: {@code {"code":"invalid","message":"..."}}. */
    static String influxError(final String code, final String message) {
        return "{\"code\":" + Json.quote(code) + ",\"message\":" + Json.quote(message) + "}";
    }

    /** An InfluxDB 1 style error body: {@code {"error":"..."}}. */
    static String influxV1Error(final String message) {
        return "{\"error\":" + Json.quote(message) + "}";
    }
}
