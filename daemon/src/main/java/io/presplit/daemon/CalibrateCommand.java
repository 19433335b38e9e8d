package io.presplit.daemon;

import io.presplit.capacity.Calibration;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.PartitionStore;
import io.presplit.storage.PartitionWriter;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code presplit calibrate}: measures what one partition of the real store sustains on this machine within an
 * ingest-latency SLO, and its scan rate, and writes the figures the capacity planner uses.
 * <p>
 * Method: open-loop steps of increasing offered rate (doubling, then bisecting between the last passing and the
 * first failing rate). In each step one writer issues writes on a fixed schedule and records each write's latency
 * from its scheduled time into an HdrHistogram, so that a stall is charged to every write it delays (no coordinated
 * omission), and a writer that cannot keep up with the schedule shows it in the percentiles. A step passes when its
 * p99 is within the SLO. The scan rate is a full scan of what was written.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = "Measure the ingest rate one partition of the real store sustains on this machine within an "
        + "ingest-latency SLO (p99), and the scan rate; write them for the capacity planner.")
final class CalibrateCommand implements Callable<Integer> {
    private static final int WARM_UP_WRITES = 200_000;

    @Option(names = "--slo-p99-micros", defaultValue = "50",
        description = "Ingest-latency SLO: p99 write latency in microseconds (default: ${DEFAULT-VALUE}).")
    double sloP99Micros;

    @Option(names = "--step-millis", defaultValue = "1000",
        description = "Duration of each rate step (default: ${DEFAULT-VALUE} ms).")
    long stepMillis;

    @Option(names = "--start-rate", defaultValue = "100000",
        description = "First offered rate, points per second (default: ${DEFAULT-VALUE}).")
    double startRate;

    @Option(names = "--max-rate", defaultValue = "100000000",
        description = "Highest offered rate tried, points per second (default: ${DEFAULT-VALUE}).")
    double maxRate;

    @Option(names = "--out", defaultValue = "calibration.properties",
        description = "Where the figures go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--data-dir", description = "Where the scratch store goes (default: a temporary folder).")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--out", out);
        if (!(sloP99Micros > 0) || stepMillis < 10 || !(startRate > 0)) {
            throw new IllegalArgumentException("calibration needs a positive SLO, steps of at least 10 ms and a "
                + "positive start rate [sloP99Micros=" + sloP99Micros + ", stepMillis=" + stepMillis
                + ", startRate=" + startRate + "]");
        }
        final Calibration calibration = calibrate(System.out);
        calibration.write(out);
        System.out.printf(Locale.ROOT, "ingest: %.0f points/s per partition within p99 <= %.0f us; scan: %.0f "
            + "points/s%nwritten to %s%n", calibration.ingestPointsPerSecond(), sloP99Micros,
            calibration.scanPointsPerSecond(), out.toAbsolutePath());
        return 0;
    }

    Calibration calibrate(final PrintStream progress) throws IOException {
        final Path root = dataDir != null ? dataDir : Files.createTempDirectory("presplit-calibrate-");
        try (LoadRecorder recorder = new LoadRecorder(1, 1);
             PartitionStore store = PartitionStore.open(root.resolve("store"), recorder)) {
            final PartitionWriter writer = store.openWriter();
            final long sloNs = (long) (sloP99Micros * 1000);
            // Warm-up, closed loop: let the JIT compile the write path and the first segment be mapped.
            for (int i = 0; i < WARM_UP_WRITES; i++) {
                writer.write("calibration", i, i);
            }
            double passing = 0;
            double failing = 0;
            double rate = startRate;
            while (failing == 0 && rate <= maxRate) {
                if (step(writer, rate, stepMillis, sloNs, progress, "probe")) {
                    passing = rate;
                    rate *= 2;
                } else {
                    failing = rate;
                }
            }
            for (int i = 0; i < 4 && passing > 0 && failing > 0; i++) {
                final double middle = (passing + failing) / 2;
                if (step(writer, middle, stepMillis, sloNs, progress, "bisect")) {
                    passing = middle;
                } else {
                    failing = middle;
                }
            }
            if (passing == 0) {
                throw new IllegalStateException("no rate met the SLO, not even the start rate [startRate="
                    + startRate + ", sloP99Micros=" + sloP99Micros + "]; try a lower --start-rate or a looser SLO");
            }
            final AtomicLong scanned = new AtomicLong();
            final long scanStart = System.nanoTime();
            store.scan((partitionId, record) -> scanned.incrementAndGet());
            final double scanRate = scanned.get() / ((System.nanoTime() - scanStart) / 1e9);
            final String where = String.format(Locale.ROOT, "%s, %d cpus, JDK %s, %s", hostName(),
                Runtime.getRuntime().availableProcessors(), Runtime.version(), LocalDate.now());
            return new Calibration(passing, scanRate, sloP99Micros, where);
        } finally {
            if (dataDir == null) {
                ScratchDirectories.delete(root);
            }
        }
    }

    /** One open-loop step; true when the p99 met the SLO and the writer kept up. */
    private static boolean step(final PartitionWriter writer, final double rate, final long millis, final long sloNs,
        final PrintStream progress, final String phase) {
        final Histogram latencies = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final long intervalPicos = (long) (1e12 / rate);
        final long count = (long) (rate * millis / 1000.0);
        final long start = System.nanoTime();
        for (long i = 0; i < count; i++) {
            final long scheduled = start + i * intervalPicos / 1000;
            long now = System.nanoTime();
            while (now < scheduled) {
                Thread.onSpinWait();
                now = System.nanoTime();
            }
            writer.write("calibration", scheduled, i);
            latencies.recordValue(Math.max(0, System.nanoTime() - scheduled));
        }
        // Latency counts from the schedule, so a writer that falls behind shows it in the percentiles.
        final long p99 = latencies.getValueAtPercentile(99);
        final boolean isPassing = p99 <= sloNs;
        progress.printf(Locale.ROOT, "  %-7s %12.0f points/s: p99 %8.1f us, max %10.1f us -> %s%n", phase, rate,
            p99 / 1000.0, latencies.getMaxValue() / 1000.0, isPassing ? "pass" : "fail");
        return isPassing;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (final IOException ex) {
            return "unknown host";
        }
    }
}
