package io.presplit.daemon.service;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;
import io.presplit.daemon.Engine;
import io.presplit.daemon.EngineConfig;
import io.presplit.daemon.alert.AlertMonitor;
import io.presplit.daemon.config.DaemonConfig;
import io.presplit.daemon.server.AdminApi;
import io.presplit.daemon.server.HttpServer;
import io.presplit.storage.Durability;
import io.presplit.storage.StoreOptions;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The long-running service: the engine (store and control plane) on its data directory, the control loop on its
 * own thread, and the HTTP server. {@link #close()} is the graceful shutdown: readiness goes to 503, the listener
 * closes, writes in progress finish and are answered, the control loop stops after its tick (a split or merge in
 * flight is either done or left in the coordinator log, which the next start recovers), the roll-up forecaster's
 * learnt peak factors are written ({@link PeakFactorKeeper}), and the store closes, forcing every segment to disk.
 */
public final class Daemon implements AutoCloseable {
    /** Ticks of load history the status page and the admin API show per partition. */
    static final int HISTORY_TICKS_SHOWN = 120;
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final int TOKEN_BYTES = 24;

    private final Engine engine;
    private final ControlLoop control;
    private final AdminApi admin;
    private final HttpServer server;
    private final String adminToken;
    private final boolean isTokenGenerated;
    private final PeakFactorKeeper factors;
    private boolean isClosed;

    private Daemon(final Engine engine, final ControlLoop control, final AdminApi admin, final HttpServer server,
        final String adminToken, final boolean isTokenGenerated, final PeakFactorKeeper factors) {
        this.engine = engine;
        this.control = control;
        this.admin = admin;
        this.server = server;
        this.adminToken = adminToken;
        this.isTokenGenerated = isTokenGenerated;
        this.factors = factors;
    }

    /**
     * The engine's configuration for a validated daemon configuration: the forecast table holds the longest horizon
     * ({@link DaemonConfig#maxHorizon()}), the load history the tick level and the configured roll-ups.
     */
    public static EngineConfig engineConfig(final DaemonConfig config) {
        final DaemonConfig.EngineSettings settings = config.engine;
        final long tickNs = TimeUnit.MILLISECONDS.toNanos(settings.tickMs);
        return new EngineConfig(Path.of(config.dataDir), settings.slotCapacity,
            config.server.ingestThreads + config.server.queryThreads + 2, settings.historyTicks, tickNs,
            config.maxHorizon(), CapacityPlan.fromRate(settings.capacityPointsPerSecond, tickNs),
            new AdjustmentPolicy(settings.splitThreshold, settings.mergeThreshold, settings.mergeWindowTicks,
                settings.cooldownTicks * tickNs, settings.maxPartitions, settings.minSplitImprovement,
                settings.splitLookaheadTicks == 0 ? AdjustmentPolicy.WHOLE_HORIZON : settings.splitLookaheadTicks),
            true, settings.decisionDelayTicks, settings.thrashWindowTicks)
            .withHistoryRollUps(config.historyRollUpLevels())
            .withFoldWordsPerCycle(settings.profilerFoldWordsPerCycle)
            .withBucketFoldTicks(config.bucketFoldTicks());
    }

    /**
     * Opens the engine (recovering any split or merge a crash left in doubt), starts the control loop and the HTTP
     * server. On failure closes what it started and rethrows.
     *
     * @param config a validated configuration.
     */
    public static Daemon start(final DaemonConfig config) throws IOException {
        final boolean isTokenGenerated = config.admin.token.isEmpty();
        final String token = isTokenGenerated ? generateToken() : config.admin.token;
        final DaemonConfig.EngineSettings settings = config.engine;
        final EngineConfig engineConfig = engineConfig(config);
        final StoreOptions pinnedOptions = StoreOptions.of(Durability.valueOf(
            config.durabilityName().toUpperCase(Locale.ROOT))).withSegmentLengthBytes(
            config.storage.segmentLengthBytes).withWriterCpus(
            config.storage.writerCpus.stream().mapToInt(Integer::intValue).toArray());
        final StoreOptions storeOptions = config.storage.fields.isEmpty() ? pinnedOptions
            : pinnedOptions.withFields(config.storage.fields.toArray(String[]::new));
        Engine engine = null;
        ControlLoop control = null;
        AdminApi admin = null;
        PeakFactorKeeper factors = null;
        try {
            engine = Engine.open(engineConfig, Forecasters.create(config),
                EngineClock.DAEMON.nanos(), storeOptions);
            engine.forecasts().horizon(settings.horizonTicks);
            // The roll-up's learnt peak factors, which the load history cannot rebuild, survive the restart.
            factors = PeakFactorKeeper.open(engine);
            final PeakFactorKeeper keeper = factors;
            final AlertMonitor alerts = new AlertMonitor(engine, config.alerts.forecastDriftMase,
                config.alerts.webhookUrl);
            control = new ControlLoop(engine, HISTORY_TICKS_SHOWN, () -> {
                alerts.onTick();
                keeper.onTick();
            });
            admin = new AdminApi(control, config, alerts::writeMetrics);
            final HttpServer server = HttpServer.start(config, engine, control, token, admin);
            LOG.info("daemon started [dataDir={}, partitions={}, forecaster={}, tickMs={}, durability={}]",
                config.dataDir, engine.partitions().liveCount(), engine.forecaster().name(), settings.tickMs,
                storeOptions.durability());
            return new Daemon(engine, control, admin, server, token, isTokenGenerated, factors);
        } catch (final IOException | RuntimeException | Error e) {
            final AdminApi adminToClose = admin;
            CloseHelper.closeAll(e::addSuppressed, adminToClose == null ? null : adminToClose::close, control, factors,
                engine);
            throw e;
        }
    }

    /** The bound HTTP port. */
    public int port() {
        return server.port();
    }

    /** The admin API's bearer token. */
    public String adminToken() {
        return adminToken;
    }

    /** Whether the token was generated at this start (no token configured). */
    public boolean isTokenGenerated() {
        return isTokenGenerated;
    }

    /** The engine (tests, embedding). */
    public Engine engine() {
        return engine;
    }

    /** The control loop. */
    public ControlLoop control() {
        return control;
    }

    /** Graceful shutdown, see the class comment. Safe to call twice and from a shutdown hook. */
    @Override
    public synchronized void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        LOG.info("daemon stopping: draining HTTP, finishing the control tick, flushing the store");
        server.drain();
        // The control loop has stopped before the factors' last write: nothing learns while the file is written.
        CloseHelper.closeAll(server, control, admin::close, factors, engine);
        LOG.info("daemon stopped");
    }

    private static String generateToken() {
        final byte[] bytes = new byte[TOKEN_BYTES];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
