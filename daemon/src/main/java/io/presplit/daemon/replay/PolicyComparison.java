package io.presplit.daemon.replay;

import io.presplit.daemon.ScratchDirectories;
import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.LstmForecaster;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Runs several policies (and thresholds) over one trace, each with a fresh store. Cold path. */
public final class PolicyComparison {
    private PolicyComparison() {
    }

    /**
     * Replays {@code trace} once per policy and settings.
     *
     * @param dataDir  where the stores go; {@code null} for a temporary folder deleted afterwards.
     * @param chart    where to draw the replays as SVG, or {@code null}.
     * @param progress where one line per finished replay goes.
     */
    public static List<ReplayResult> run(
        final WideTrace trace, final List<Policy> policies, final List<ReplaySettings> settingsList,
        final Path dataDir, final Path chart, final PrintStream progress) throws IOException {
        return run(trace, policies, settingsList, dataDir, chart, progress, null);
    }

    /**
     * Same, with {@code lstmModel} (a {@code .psmodel} or bare {@code .onnx} LSTM) serving predictive-lstm instead of
     * the bundled model; {@code null} for the bundled one. A model that cannot be opened fails the replay with its
     * code (an evaluation must not quietly score another model).
     */
    public static List<ReplayResult> run(
        final WideTrace trace, final List<Policy> policies, final List<ReplaySettings> settingsList,
        final Path dataDir, final Path chart, final PrintStream progress, final Path lstmModel) throws IOException {
        final Path root = dataDir != null ? dataDir : Files.createTempDirectory("presplit-replay-");
        final List<ReplayResult> results = new ArrayList<>();
        final List<ReplayChart.Panel> panels = new ArrayList<>();
        final int total = policies.size() * settingsList.size();
        try {
            for (final ReplaySettings settings : settingsList) {
                for (final Policy policy : policies) {
                    final Path dir = root.resolve(String.format(Locale.ROOT, "%s-%.2f", policy.label(),
                        settings.splitThreshold()));
                    final ReplayTimeline timeline = new ReplayTimeline(trace.tickCount(), settings.capacityPoints());
                    final ProgressBar bar = new ProgressBar(progress, String.format(Locale.ROOT,
                        "[%d/%d] %-18s threshold %.2f", results.size() + 1, total, policy.label(),
                        settings.splitThreshold()), trace.tickCount());
                    final boolean isBarShown = ProgressBar.isTerminal();
                    final ReplayResult result = TraceReplay.run(trace, policy,
                        forecasterFor(policy, trace, settings, lstmModel), settings, dir, (tick, engine) -> {
                            if (chart != null) {
                                timeline.onTick(tick, engine);
                            }
                            if (isBarShown) {
                                bar.onTick(tick, engine);
                            }
                        });
                    bar.clear();
                    results.add(result);
                    panels.add(new ReplayChart.Panel(String.format(Locale.ROOT,
                        "%s (%s), threshold %.2f: %d saturated partition-ticks, %d partition-ticks, %d splits, "
                            + "%d merges", policy.label(), result.forecaster(), settings.splitThreshold(),
                        result.saturatedPartitionTicks(), result.partitionTicks(), result.splits(), result.merges()),
                        timeline));
                    progress.printf(Locale.ROOT, "  [%d/%d] %-18s threshold %.2f  done in %d ms%n", results.size(),
                        total, policy.label(), settings.splitThreshold(), result.elapsedMs());
                    ScratchDirectories.delete(dir);
                }
            }
            if (chart != null) {
                ReplayChart.write(chart, "Presplit replay: " + trace.describe(), panels);
                progress.println("  chart: " + chart.toAbsolutePath());
            }
        } finally {
            if (dataDir == null) {
                ScratchDirectories.delete(root);
            }
        }
        return results;
    }

    /** The forecaster each policy uses. */
    static Forecaster forecasterFor(final Policy policy, final WideTrace trace, final ReplaySettings settings) {
        return forecasterFor(policy, trace, settings, null);
    }

    static Forecaster forecasterFor(final Policy policy, final WideTrace trace, final ReplaySettings settings,
        final Path lstmModel) {
        return switch (policy) {
            case STATIC, PREDICTIVE_SNAIVE -> new SeasonalNaiveForecaster(settings.seasonTicks());
            case REACTIVE -> new SeasonalNaiveForecaster(1);
            case PREDICTIVE_ENSEMBLE -> ensemble(settings);
            case PREDICTIVE_LSTM -> lstmModel == null ? LstmForecaster.openLoadModel()
                : lstmModel.getFileName().toString().endsWith(".onnx") ? LstmForecaster.open(lstmModel)
                : LstmForecaster.openModelFile(lstmModel);
            case ORACLE -> new OracleForecaster(trace, settings.pointsPerUnit());
        };
    }

    /**
     * The ensemble of the predictive-ensemble policy: seasonal naive (daily), naive (the last tick: what reactive acts
     * on), ETS fitted on a week of history (or what the history keeps) and refitted once a season, and the bundled
     * load LSTM ({@link LstmForecaster#openLoadModel()}), weighted per partition by recent accuracy, with intervals
     * calibrated from recent residuals. The naive member lets the ensemble lean on persistence where a partition's
     * bursts outlast a tick and no model predicts them better (15-minute VM loads); the LSTM carries the shape of
     * daily ramps. ARIMA is left out here: with its exact-likelihood refit a Bitbrains replay takes 6 minutes instead
     * of 33 seconds for a point on the same frontier (docs/RESULTS.md). No refit time budget, so that a replay gives
     * the same result on any machine.
     */
    static EnsembleForecaster ensemble(final ReplaySettings settings) {
        final int season = settings.seasonTicks();
        final int window = Math.min(7 * season, settings.historyTicks());
        return new EnsembleForecaster(settings.slotCapacity(), settings.horizonTicks(), season,
            new OnlineModel[] {new OnlineModel.OnlineEts(season)},
            new Forecaster[] {new SeasonalNaiveForecaster(1), LstmForecaster.openLoadModel()},
            window, season, Long.MAX_VALUE / 4, 0.05, 2.0,
            new IntervalCalibrator(settings.slotCapacity(), settings.horizonTicks(), 0.05, 0.1));
    }
}
