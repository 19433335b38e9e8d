package io.presplit.daemon.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves the status page from the jar ({@code io/presplit/daemon/status/}): {@code /} is {@code index.html},
 * {@code /status/NAME} the file NAME. Everything the page needs is there: no CDN. Files are read once and cached.
 */
final class StaticFiles {
    private static final String ROOT = "/io/presplit/daemon/status/";
    private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();
    private static final byte[] MISSING = new byte[0];

    private StaticFiles() {
    }

    /** Answers {@code path} when it names a bundled file; returns {@code false} otherwise. */
    static boolean serve(final ChannelHandlerContext ctx, final boolean isKeepAlive, final String path,
        final HttpMetrics metrics) {
        final String name;
        if (path.equals("/") || path.equals("/index.html")) {
            name = "index.html";
        } else if (path.startsWith("/status/") && path.indexOf("..") < 0 && path.lastIndexOf('/') == 7) {
            name = path.substring("/status/".length());
        } else {
            return false;
        }
        final byte[] bytes = CACHE.computeIfAbsent(name, StaticFiles::read);
        if (bytes == MISSING) {
            return false;
        }
        metrics.request("static", 200);
        Responses.send(ctx, isKeepAlive, HttpResponseStatus.OK, contentType(name), Unpooled.wrappedBuffer(bytes));
        return true;
    }

    private static byte[] read(final String name) {
        try (InputStream in = StaticFiles.class.getResourceAsStream(ROOT + name)) {
            return in == null ? MISSING : in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read bundled file [name=" + name + "]", e);
        }
    }

    private static String contentType(final String name) {
        if (name.endsWith(".html")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".js")) {
            return "text/javascript; charset=utf-8";
        }
        if (name.endsWith(".css")) {
            return "text/css; charset=utf-8";
        }
        return "application/octet-stream";
    }
}
