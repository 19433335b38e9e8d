package io.presplit.daemon;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.daemon.service.Daemon;
import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/**
 * {@code presplit run}: the long-running service. Stops gracefully on SIGTERM or SIGINT (Ctrl-C): the JVM's
 * shutdown hook closes the daemon (see {@link Daemon#close()}).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the service: the store and the engine on a data directory, with the HTTP API (InfluxDB line "
        + "protocol writes on /api/v2/write and /write, queries, admin, /metrics, /health, /ready, a status page "
        + "on /). Every setting has a default (docs/OPERATIONS.md); options override the config file.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", description = "A YAML configuration file.")
    Path configFile;

    @Option(names = "--data-dir", description = "The data directory (default: presplit-data).")
    Path dataDir;

    @Option(names = "--port", description = "The HTTP port (default: 8086; 0 picks a free one).")
    Integer port;

    @Option(names = "--bind", description = "The address to bind (default: 127.0.0.1, loopback only).")
    String bindAddress;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML and exit.")
    boolean isPrintingConfig;

    @Override
    public Integer call() throws Exception {
        final DaemonConfig config = configFile == null ? DaemonConfig.defaults() : DaemonConfig.load(configFile);
        if (dataDir != null) {
            config.dataDir = dataDir.toString();
        }
        if (port != null) {
            config.server.port = port;
        }
        if (bindAddress != null) {
            config.server.bindAddress = bindAddress;
        }
        config.validate();
        if (isPrintingConfig) {
            System.out.print(config.toYaml());
            return 0;
        }
        if (System.getProperty("presplit.log.level") == null) {
            // A service logs its lifecycle and every split and merge; the batch tools stay quiet (WARN).
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.presplit")).setLevel(Level.INFO);
        }
        final Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (final IllegalStateException e) {
            // e.g. the port is taken: one line for the operator, not a stack trace.
            System.err.println("presplit: cannot start: " + e.getMessage());
            return 1;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("presplit-shutdown").unstarted(() -> {
            daemon.close();
            stopped.countDown();
        }));
        System.out.println("presplit: listening on http://" + config.server.bindAddress + ":" + daemon.port()
            + " [dataDir=" + config.dataDir + "]");
        if (daemon.isTokenGenerated()) {
            System.out.println("presplit: admin token (generated for this run; set admin.token to fix one): "
                + daemon.adminToken());
        }
        System.out.println("presplit: ready");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
