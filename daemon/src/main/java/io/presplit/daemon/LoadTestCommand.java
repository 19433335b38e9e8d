package io.presplit.daemon;

import io.presplit.daemon.loadtest.IngestLoadTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code presplit loadtest}: sustained HTTP line-protocol ingest on loopback while the engine splits. */
@Command(name = "loadtest", mixinStandardHelpOptions = true,
    description = "Start a daemon on a loopback port and a scratch data directory, write line protocol to it over "
        + "HTTP from client connections in batches for a bounded time while the engine splits (capacity set low), "
        + "then print points/s, write latency p50/p99/p99.9 and the points counted back.")
final class LoadTestCommand implements Callable<Integer> {
    @Option(names = "--seconds", defaultValue = "20", description = "How long to write (default: 20, at most 600).")
    int seconds;

    @Option(names = "--connections", defaultValue = "2", description = "Client connections (default: 2).")
    int connections;

    @Option(names = "--batch", defaultValue = "5000", description = "Lines per request (default: 5000).")
    int batch;

    @Option(names = "--series", defaultValue = "10000", description = "Distinct series (default: 10000).")
    int series;

    @Option(names = "--ingest-threads", defaultValue = "2", description = "Daemon ingest threads (default: 2).")
    int ingestThreads;

    @Option(names = "--tick-ms", defaultValue = "1000", description = "Engine tick (default: 1000).")
    long tickMs;

    @Option(names = "--capacity", defaultValue = "150000",
        description = "Capacity of one partition in points/s; below the offered load, so the engine splits "
            + "(default: 150000).")
    double capacity;

    @Option(names = "--data-dir", description = "Where the store goes (default: a temporary folder, deleted).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        if (seconds < 1 || seconds > 600 || connections < 1 || batch < 1 || series < 1) {
            throw new IllegalArgumentException("invalid load [seconds=" + seconds + ", connections=" + connections
                + ", batch=" + batch + ", series=" + series + "]");
        }
        final Path dir = dataDir != null ? dataDir : Files.createTempDirectory("presplit-loadtest");
        try {
            System.out.printf(Locale.ROOT, "loadtest: %d s, %d connections, %d lines per request, %d series, "
                + "%d ingest threads, capacity %.0f points/s per partition, tick %d ms%n", seconds, connections,
                batch, series, ingestThreads, capacity, tickMs);
            final IngestLoadTest.Result result = IngestLoadTest.run(new IngestLoadTest.Settings(dir, seconds,
                connections, batch, series, tickMs, capacity, ingestThreads));
            result.print(System.out);
            return result.isAccountedFor() && result.failedRequests() == 0 ? 0 : 1;
        } finally {
            if (dataDir == null) {
                ScratchDirectories.delete(dir);
            }
        }
    }
}
