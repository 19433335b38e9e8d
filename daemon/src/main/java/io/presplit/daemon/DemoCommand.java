package io.presplit.daemon;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;
import io.presplit.daemon.replay.Policy;
import io.presplit.daemon.replay.ReplayReport;
import io.presplit.daemon.replay.ReplayResult;
import io.presplit.daemon.replay.TraceReplay;
import io.presplit.daemon.replay.WideTrace;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.LstmForecaster;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** {@code presplit demo}: the bundled real trace through the whole pipeline, under every policy. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Replay a real load trace (250 VMs of the Bitbrains data centre, 28 days, hourly) through the "
        + "store, profiler, forecasters, adjustment engine and coordinator, and print what each policy did.")
final class DemoCommand implements Callable<Integer> {
    static final String TRACE_RESOURCE = "traces/bitbrains_rnd_cpu_mhz_1h_28d.csv";
    static final double POINTS_PER_UNIT = 0.01;
    static final double CAPACITY_POINTS_PER_TICK = 2000;
    static final int HORIZON_TICKS = 6;

    @Override
    public Integer call() throws Exception {
        final WideTrace trace;
        try (InputStream in = DemoCommand.class.getResourceAsStream(TRACE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled trace missing from the jar [resource=" + TRACE_RESOURCE + "]");
            }
            trace = WideTrace.read(in, TRACE_RESOURCE);
        }
        final PrintStream out = System.out;
        out.printf(Locale.ROOT, "trace: Bitbrains rnd, CPU MHz of %d VMs, %d hourly ticks; each VM is a series key "
            + "writing %.2f points per MHz per hour%n", trace.keys().size(), trace.tickCount(), POINTS_PER_UNIT);
        final List<ReplayResult> results = runPolicies(trace, List.of(Policy.values()), POINTS_PER_UNIT,
            CAPACITY_POINTS_PER_TICK, HORIZON_TICKS, null, out);
        ReplayReport.print(results, CAPACITY_POINTS_PER_TICK, out);
        return 0;
    }

    /**
     * Replays {@code trace} once per policy, each with a fresh store.
     *
     * @param dataDir where the stores go; {@code null} for a temporary folder deleted afterwards.
     */
    static List<ReplayResult> runPolicies(
        final WideTrace trace, final List<Policy> policies, final double pointsPerUnit, final double capacity,
        final int horizon, final Path dataDir, final PrintStream progress) throws IOException {
        final long day = TimeUnit.DAYS.toNanos(1);
        final int season = (int) Math.max(1, day / trace.tickNs());
        final TraceReplay.Settings settings = new TraceReplay.Settings(pointsPerUnit, new CapacityPlan(capacity),
            horizon, defaultPolicy(trace.tickNs()), 4096);
        final Path root = dataDir != null ? dataDir : Files.createTempDirectory("presplit-replay-");
        final List<ReplayResult> results = new ArrayList<>();
        try {
            for (final Policy policy : policies) {
                final Forecaster forecaster = switch (policy) {
                    case STATIC, PREDICTIVE_SNAIVE -> new SeasonalNaiveForecaster(season);
                    case REACTIVE -> new SeasonalNaiveForecaster(1);
                    case PREDICTIVE_LSTM -> LstmForecaster.openBundled();
                };
                final ReplayResult result = TraceReplay.run(trace, policy, forecaster, settings,
                    root.resolve(policy.label()));
                progress.printf(Locale.ROOT, "  %-18s done in %d ms%n", policy.label(), result.elapsedMs());
                results.add(result);
            }
        } finally {
            if (dataDir == null) {
                deleteRecursively(root);
            }
        }
        return results;
    }

    /** Thresholds and limits: split early (80%), merge late (30%, measured over 6 ticks), 2-tick cooldown. */
    static AdjustmentPolicy defaultPolicy(final long tickNs) {
        return new AdjustmentPolicy(0.8, 0.3, 6, 2 * tickNs, 256, 0.9);
    }

    private static void deleteRecursively(final Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (final IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }
}
