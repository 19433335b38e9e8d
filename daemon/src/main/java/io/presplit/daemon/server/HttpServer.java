package io.presplit.daemon.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.presplit.daemon.Engine;
import io.presplit.daemon.config.DaemonConfig;
import io.presplit.daemon.service.ControlLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP server: Netty with NIO event loops ({@code presplit-io-N}). Per connection the pipeline is
 * <pre>
 *   HttpServerCodec → IdleStateHandler (close idle) → BodyTimeoutHandler (408)
 *   → HttpObjectAggregator (413 over maxBodyBytes as sent) → RequestRouter
 * </pre>
 * A write's {@code Content-Encoding} (gzip, deflate) is decoded on the ingest thread, whole or not at all, under the
 * same limit after inflation ({@link BodyEncoding}); an encoding it does not know is answered 415.
 * Writes go to the {@link IngestService}'s threads, queries to the {@link QueryService}'s, admin tasks to the
 * control thread; health, metrics and static files are answered on the event loop.
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpServer.class);
    private static final int MAX_INITIAL_LINE_BYTES = 8192;
    private static final int MAX_HEADER_BYTES = 16384;
    private static final int MAX_CHUNK_BYTES = 1 << 16;

    private final EventLoopGroup bossGroup;
    private final EventLoopGroup ioGroup;
    private final IngestService ingest;
    private final QueryService queries;
    private final HttpMetrics metrics;
    private final RequestRouter router;
    private final Channel serverChannel;
    private final int port;
    private boolean isClosed;

    private HttpServer(final EventLoopGroup bossGroup, final EventLoopGroup ioGroup, final IngestService ingest,
        final QueryService queries, final HttpMetrics metrics, final RequestRouter router,
        final Channel serverChannel) {
        this.bossGroup = bossGroup;
        this.ioGroup = ioGroup;
        this.ingest = ingest;
        this.queries = queries;
        this.metrics = metrics;
        this.router = router;
        this.serverChannel = serverChannel;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Binds and starts serving.
     *
     * @param adminToken the bearer token of the admin API.
     * @param admin      answers admin requests (on the control thread).
     * @throws IllegalStateException when the address cannot be bound.
     */
    public static HttpServer start(final DaemonConfig config, final Engine engine, final ControlLoop control,
        final String adminToken, final AdminApi admin) {
        final DaemonConfig.Server settings = config.server;
        final HttpMetrics metrics = new HttpMetrics();
        final IngestService ingest = new IngestService(engine, metrics, settings.ingestThreads,
            settings.ingestQueueLength, (int) settings.maxBodyBytes);
        final QueryService queries = new QueryService(engine, metrics, settings.queryThreads,
            settings.maxQueryPoints);
        final RequestRouter router = new RequestRouter(engine, control, ingest, queries, metrics, adminToken, admin);
        final EventLoopGroup bossGroup = new MultiThreadIoEventLoopGroup(1,
            Thread.ofPlatform().name("presplit-accept").factory(), NioIoHandler.newFactory());
        final EventLoopGroup ioGroup = new MultiThreadIoEventLoopGroup(settings.ioThreads,
            Thread.ofPlatform().name("presplit-io-", 1).factory(), NioIoHandler.newFactory());
        try {
            final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, ioGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel channel) {
                        final ChannelPipeline pipeline = channel.pipeline();
                        pipeline.addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES,
                            MAX_CHUNK_BYTES));
                        pipeline.addLast("idle", new IdleStateHandler(0, 0, settings.idleTimeoutMs,
                            TimeUnit.MILLISECONDS) {
                            @Override
                            protected void channelIdle(final io.netty.channel.ChannelHandlerContext ctx,
                                final io.netty.handler.timeout.IdleStateEvent event) {
                                ctx.close();
                            }
                        });
                        pipeline.addLast("body-timeout", new BodyTimeoutHandler(settings.bodyTimeoutMs, metrics));
                        pipeline.addLast("aggregate", new OversizeAwareAggregator((int) settings.maxBodyBytes,
                            metrics));
                        pipeline.addLast("route", router);
                    }
                });
            // Not syncUninterruptibly(): it rethrows a bind failure as an undeclared checked BindException.
            final ChannelFuture bound = bootstrap.bind(settings.bindAddress, settings.port).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                throw new IllegalStateException(String.valueOf(bound.cause()), bound.cause());
            }
            final Channel channel = bound.channel();
            final HttpServer server = new HttpServer(bossGroup, ioGroup, ingest, queries, metrics, router, channel);
            LOG.info("http server listening [address={}, port={}]", settings.bindAddress, server.port);
            return server;
        } catch (final RuntimeException e) {
            ioGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            bossGroup.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            ingest.close(0);
            queries.close();
            throw new IllegalStateException("cannot listen [address=" + settings.bindAddress + ", port="
                + settings.port + ", error=" + e.getMessage() + "]", e);
        }
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** The service's HTTP figures. */
    public HttpMetrics metrics() {
        return metrics;
    }

    /** Marks the server as shutting down: {@code /ready} answers 503 from now on. */
    public void drain() {
        router.drain();
    }

    /**
     * Stops accepting connections, lets writes in progress finish (they are answered), then closes every
     * connection. Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        router.drain();
        serverChannel.close().syncUninterruptibly();
        ingest.close(10_000);
        queries.close();
        ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
