package io.presplit.daemon.replay;

import io.presplit.forecast.Forecaster;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.LstmForecaster;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Runs several policies (and thresholds) over one trace, each with a fresh store. Cold path. */
public final class PolicyComparison {
    private PolicyComparison() {
    }

    /**
     * Replays {@code trace} once per policy and settings.
     *
     * @param dataDir  where the stores go; {@code null} for a temporary folder deleted afterwards.
     * @param progress where one line per finished replay goes.
     */
    public static List<ReplayResult> run(
        final WideTrace trace, final List<Policy> policies, final List<ReplaySettings> settingsList,
        final Path dataDir, final PrintStream progress) throws IOException {
        final Path root = dataDir != null ? dataDir : Files.createTempDirectory("presplit-replay-");
        final List<ReplayResult> results = new ArrayList<>();
        final int total = policies.size() * settingsList.size();
        try {
            for (final ReplaySettings settings : settingsList) {
                for (final Policy policy : policies) {
                    final Path dir = root.resolve(String.format(Locale.ROOT, "%s-%.2f", policy.label(),
                        settings.splitThreshold()));
                    final ReplayResult result = TraceReplay.run(trace, policy, forecasterFor(policy, trace, settings),
                        settings, dir, TraceReplay.TickObserver.NONE);
                    results.add(result);
                    progress.printf(Locale.ROOT, "  [%d/%d] %-18s threshold %.2f  done in %d ms%n", results.size(),
                        total, policy.label(), settings.splitThreshold(), result.elapsedMs());
                    deleteRecursively(dir);
                }
            }
        } finally {
            if (dataDir == null) {
                deleteRecursively(root);
            }
        }
        return results;
    }

    /** The forecaster each policy uses. */
    static Forecaster forecasterFor(final Policy policy, final WideTrace trace, final ReplaySettings settings) {
        return switch (policy) {
            case STATIC, PREDICTIVE_SNAIVE -> new SeasonalNaiveForecaster(settings.seasonTicks());
            case REACTIVE -> new SeasonalNaiveForecaster(1);
            case PREDICTIVE_LSTM -> LstmForecaster.openBundled();
            case ORACLE -> new OracleForecaster(trace, settings.pointsPerUnit());
        };
    }

    private static void deleteRecursively(final Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
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
