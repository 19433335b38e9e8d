package io.presplit.daemon;

import io.presplit.daemon.service.Forecasters;
import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.EnsembleModel;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.GuardedModel;
import io.presplit.forecast.M4Evaluation;
import io.presplit.forecast.Models;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.RollUpForecaster;
import io.presplit.forecast.RollingOrigin;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.SeriesCsv;
import io.presplit.forecast.SeriesModel;
import io.presplit.forecast.onnx.FallbackForecaster;
import io.presplit.forecast.onnx.LstmForecaster;
import io.presplit.forecast.onnx.LstmSeriesModel;
import io.presplit.forecast.onnx.prophet.ProphetFitter;
import io.presplit.forecast.onnx.prophet.ProphetForecaster;
import io.presplit.forecast.onnx.prophet.ProphetSeriesModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code presplit forecast}: forecasts every series of a file in the M4 layout with one model, from the end of each
 * series; with {@code --evaluate}, holds out the last {@code horizon} values of each series instead and prints the
 * M4 scores (sMAPE, MASE).
 */
@Command(name = "forecast", mixinStandardHelpOptions = true,
    description = "Forecast every series of a file in the M4 layout (id, values..., blank cells after the end) "
        + "and write one row per series: id,F1,...,FH.")
final class ForecastCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "Series file, M4 layout.")
    Path input;

    @Option(names = "--horizon", required = true, description = "Steps to forecast (H).")
    int horizon;

    @Option(names = "--season", defaultValue = "1", description = "Season length m (default: ${DEFAULT-VALUE}).")
    int season;

    @Option(names = "--model", defaultValue = "ensemble",
        description = "naive, snaive, wsnaive (season x 7), ets, arima (arima-css: no exact refit; arima-fourier: "
            + "weekly Fourier terms), ensemble; lstm (a learned model served by ONNX "
            + "Runtime: --model-file, else the bundled one); prophet (a Prophet-style fit per series, served by ONNX "
            + "Runtime in rolling mode); ensemble+lstm, ensemble+prophet, ensemble+lstm+prophet (the ensemble with "
            + "learned members) (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--model-file", description = "For --model lstm: a .psmodel file (checked) or a bare .onnx file "
        + "with the LSTM contract, e.g. a PyTorch export.")
    Path modelFile;

    @Option(names = "--out", required = true, description = "Output file: id,F1,...,FH per series.")
    Path out;

    @Option(names = "--evaluate", description = "Hold out the last H values of each series, forecast them from the "
        + "rest and print sMAPE and MASE (the M4 definitions, MASE scaled with the season).")
    boolean isEvaluating;

    @Option(names = "--rolling", description = "Rolling-origin evaluation of the online forecaster (snaive or "
        + "ensemble) on a wide trace (header; optional timestamp column; one column per series): MASE and "
        + "p90/p50 coverage at --steps; the output file gets the table as CSV.")
    boolean isRolling;

    @Option(names = "--steps", split = ",", defaultValue = "1",
        description = "Rolling mode: steps ahead to score, 1-based (default: ${DEFAULT-VALUE}).")
    int[] steps;

    @Option(names = "--aggregate", defaultValue = "1",
        description = "Rolling mode: input rows summed into one tick (default: ${DEFAULT-VALUE}).")
    int aggregate;

    @Option(names = "--max-series", defaultValue = "1000000",
        description = "Rolling mode: use at most this many series (columns).")
    int maxSeries;

    @Option(names = "--warmup", defaultValue = "0",
        description = "Rolling mode: ticks before scoring starts (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--fit-window", defaultValue = "0",
        description = "Rolling mode: ticks of history a refit uses (default: 7 seasons).")
    int fitWindow;

    @Option(names = "--one-step-weights", description = "Rolling mode, ensemble: weigh every step by the members' "
        + "one-step errors (the first version) instead of per lead band.")
    boolean isOneStepWeighted;

    @Option(names = "--no-weekly", description = "Rolling mode, ensemble: leave out the weekly seasonal naive "
        + "(period 7 x --season, weighted only where a test finds a weekly cycle; --season must be a day).")
    boolean isWithoutWeekly;

    @Option(names = "--roll-up", defaultValue = "0",
        description = "Rolling mode: keep a roll-up level of this many ticks per row and forecast the steps beyond "
            + "--tick-horizon from it (RollUpForecaster; --model ensemble or snaive at both levels; 0: off).")
    int rollUp;

    @Option(names = "--roll-up-season", defaultValue = "24",
        description = "Rolling mode with --roll-up: season of the roll-up level in rows (default: ${DEFAULT-VALUE}).")
    int rollUpSeason;

    @Option(names = "--tick-horizon", defaultValue = "60",
        description = "Rolling mode with --roll-up: steps served at tick level (default: ${DEFAULT-VALUE}).")
    int tickHorizon;

    @Option(names = "--tick-season", defaultValue = "1",
        description = "Rolling mode with --roll-up: season of the tick-level models (default: ${DEFAULT-VALUE}; "
            + "--season still sets the MASE scale).")
    int tickSeason;

    @Option(names = "--daemon-roll-up", description = "Rolling mode with --roll-up and --model ensemble: the "
        + "daemon's long-horizon forecaster (each level calibrates its own intervals; a rolled-up step's p90 bounds "
        + "its row's peak tick), scored on its own intervals: no calibrator of the harness.")
    boolean isDaemonRollUp;

    @Option(names = "--no-peak-bound", description = "With --daemon-roll-up: rolled-up steps carry the row mean's "
        + "quantiles instead of a bound on the row's peak tick (the comparison; same as --bound ROW_MEAN).")
    boolean isWithoutPeakBound;

    @Option(names = "--bound", defaultValue = "HORIZON_PEAK",
        description = "With --roll-up: what a rolled-up step's p90 stands for: ROW_MEAN, ROW_PEAK (each row's peak "
            + "tick) or HORIZON_PEAK (scaled so that the largest over the look-ahead covers its peak; default: "
            + "${DEFAULT-VALUE}).")
    RollUpForecaster.Bound bound;

    @Option(names = "--tick-retention", defaultValue = "0",
        description = "Rolling mode: ticks the history keeps at tick level (default: the whole trace).")
    int tickRetention;

    @Option(names = "--calibrator-eta", defaultValue = "0.02",
        description = "Rolling mode: quantile learning rate of the interval calibrator (default: ${DEFAULT-VALUE}; "
            + "the daemon's ensemble uses 0.05).")
    double calibratorEta;

    @Option(names = "--calibrator-lambda", defaultValue = "0.02",
        description = "Rolling mode: residual-scale weight of the interval calibrator (default: ${DEFAULT-VALUE}; "
            + "the daemon's ensemble uses 0.1).")
    double calibratorLambda;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--out", out);
        if (horizon < 1 || season < 1) {
            throw new IllegalArgumentException("horizon and season must be positive [horizon=" + horizon
                + ", season=" + season + "]");
        }
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("input file not found [input=" + input + "]");
        }
        if (isRolling) {
            rolling();
            return 0;
        }
        final List<SeriesCsv.Series> series = SeriesCsv.read(input);
        final String name = model.toLowerCase(Locale.ROOT);
        final boolean wantsLstm = "lstm".equals(name) || name.matches("ensemble(\\+prophet)?\\+lstm(\\+prophet)?");
        final boolean wantsProphet = "prophet".equals(name) || name.matches("ensemble(\\+lstm)?\\+prophet(\\+lstm)?");
        if (modelFile != null && !wantsLstm) {
            throw new IllegalArgumentException("--model-file is for the lstm models [model=" + model + "]");
        }
        if (!wantsLstm && !wantsProphet) {
            run(series, Models.create(name, season, horizon), System.err);
            return 0;
        }
        try (LstmSeriesModel lstm = !wantsLstm ? null : modelFile != null ? LstmSeriesModel.open(modelFile)
            : new LstmSeriesModel(LstmForecaster.openLoadModel())) {
            final List<SeriesModel> members = new ArrayList<>();
            if (name.startsWith("ensemble")) {
                for (final String member : List.of("snaive", "wsnaive", "ets", "arima")) {
                    members.add(Models.create(member, season, horizon));
                }
            }
            if (lstm != null) {
                members.add(new GuardedModel(lstm));
            }
            if (wantsProphet) {
                members.add(new GuardedModel(new ProphetSeriesModel(Models.MAX_LENGTH, horizon)));
            }
            run(series, members.size() == 1 ? (GuardedModel) members.get(0)
                : new GuardedModel(new EnsembleModel(members.toArray(SeriesModel[]::new), 2.0, horizon)), System.err);
        }
        return 0;
    }

    private void rolling() throws Exception {
        for (final int step : steps) {
            if (step < 1 || step > horizon) {
                throw new IllegalArgumentException("step outside the horizon [step=" + step + ", horizon=" + horizon
                    + "]");
            }
        }
        final double[][] data = RollingOrigin.readWide(input, aggregate, maxSeries);
        final int slots = data[0].length;
        final int window = fitWindow > 0 ? fitWindow : 7 * season;
        final String name = model.toLowerCase(Locale.ROOT);
        final Forecaster forecaster = rollUp > 0 ? rollUpForecaster(name, slots, window) : switch (name) {
            case "snaive" -> new SeasonalNaiveForecaster(season);
            case "prophet" -> new ProphetForecaster(slots, horizon, 86_400.0 / season, 0,
                ProphetFitter.defaults(window), window, Math.min(window, 2 * season), season, Long.MAX_VALUE / 4, null);
            case "lstm" -> FallbackForecaster.open("lstm", () -> modelFile != null
                ? LstmForecaster.openModelFile(modelFile) : LstmForecaster.openLoadModel(),
                new SeasonalNaiveForecaster(season));
            case "ensemble" -> new EnsembleForecaster(slots, horizon, season, new OnlineModel[] {
                new OnlineModel.OnlineEts(season), new OnlineModel.OnlineArima(window, season)}, new Forecaster[0],
                window, season, Long.MAX_VALUE / 4, 0.05, 2.0, null, !isOneStepWeighted, !isWithoutWeekly);
            default -> throw new IllegalArgumentException(
                "rolling mode takes snaive, lstm, prophet or ensemble [model=" + model + "]");
        };
        final long start = System.nanoTime();
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long cpuStart = threads.getCurrentThreadCpuTime();
        final RollingOrigin.StepScore[] scores = RollingOrigin.run(data, forecaster, horizon, season, steps, warmup,
            calibratorEta, calibratorLambda, tickRetention, rollUp, !isDaemonRollUp);
        final double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        final double seconds = (System.nanoTime() - start) / 1e9;
        try (Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            writer.write("model,step,mase,coverage90,coverage50,forecasts,width90,peakCoverage90,peakBoundRatio\n");
            for (final RollingOrigin.StepScore score : scores) {
                final String row = String.format(Locale.ROOT, "%s,%d,%.4f,%.4f,%.4f,%d,%.4f,%.4f,%.4f%n", name,
                    score.step(), score.mase(), score.coverage90(), score.coverage50(), score.forecasts(),
                    score.width90(), score.peakCoverage90(), score.peakBoundRatio());
                writer.write(row);
                System.out.print("rolling [input=" + input.getFileName() + ", series=" + slots + ", ticks="
                    + data.length + "] " + row);
            }
        }
        System.out.printf(Locale.ROOT, "rolling [model=%s, seconds=%.1f, cpuSeconds=%.1f]%n", forecaster.name(),
            seconds, cpuSeconds);
        if (forecaster instanceof RollUpForecaster rolled) {
            // Whole rows and whole look-aheads issued at row ends, over the whole trace (warm-up included).
            System.out.printf(Locale.ROOT, "roll-up peaks [bound=%s, rowPeakCoverage=%.4f, rows=%d, "
                + "horizonPeakCoverage=%.4f, lookAheads=%d]%n", rolled.bound(),
                (double) rolled.rowPeaksCovered() / Math.max(1, rolled.rowPeaksScored()), rolled.rowPeaksScored(),
                (double) rolled.horizonPeaksCovered() / Math.max(1, rolled.horizonPeaksScored()),
                rolled.horizonPeaksScored());
        }
    }

    /**
     * The tick level serves --tick-horizon steps from --tick-retention ticks (season --tick-season); the roll-up
     * level (--roll-up ticks per row, season --roll-up-season rows) serves the rest. The tick models refit once a
     * row, the row models once a season of rows.
     */
    private Forecaster rollUpForecaster(final String name, final int slots, final int window) {
        final int levelHorizon = (horizon + rollUp - 1) / rollUp + 1;
        final int tickWindow = Math.min(window, tickRetention > 0 ? tickRetention : window);
        final int levelWindow = 7 * rollUpSeason;
        final long budget = Long.MAX_VALUE / 4;
        return switch (name) {
            case "snaive" -> {
                final Forecaster rows = new EnsembleForecaster(slots, levelHorizon, rollUpSeason, new OnlineModel[0],
                    new Forecaster[0], levelWindow, rollUpSeason, budget, 0.05, 2.0, null, true, false, 1);
                yield new RollUpForecaster(slots, horizon, new SeasonalNaiveForecaster(tickSeason), tickHorizon, rows,
                    1, levelHorizon, bound);
            }
            case "ensemble" -> {
                if (isDaemonRollUp) {
                    yield Forecasters.rollUpEnsemble(slots, horizon, tickSeason, tickWindow, tickHorizon, 1, rollUp,
                        rollUpSeason, levelWindow, !isWithoutWeekly, budget,
                        isWithoutPeakBound ? RollUpForecaster.Bound.ROW_MEAN : bound);
                }
                final Forecaster ticks = new EnsembleForecaster(slots, tickHorizon, tickSeason, new OnlineModel[] {
                    new OnlineModel.OnlineEts(tickSeason), new OnlineModel.OnlineArima(tickWindow, tickSeason)},
                    new Forecaster[0], tickWindow, rollUp, budget, 0.05, 2.0, null, !isOneStepWeighted);
                final Forecaster rows = new EnsembleForecaster(slots, levelHorizon, rollUpSeason, new OnlineModel[] {
                    new OnlineModel.OnlineEts(rollUpSeason), new OnlineModel.OnlineArima(levelWindow, rollUpSeason)},
                    new Forecaster[0], levelWindow, rollUpSeason, budget, 0.05, 2.0, null, !isOneStepWeighted,
                    !isWithoutWeekly, 1);
                yield new RollUpForecaster(slots, horizon, ticks, tickHorizon, rows, 1, levelHorizon, bound);
            }
            default -> throw new IllegalArgumentException("--roll-up takes snaive or ensemble [model=" + model + "]");
        };
    }

    private void run(final List<SeriesCsv.Series> series, final GuardedModel forecaster, final PrintStream progress)
        throws Exception {
        final double[] forecast = new double[horizon];
        final int total = series.size();
        final int every = Math.max(1, total / 10);
        double smape = 0;
        double mase = 0;
        int scored = 0;
        final long start = System.nanoTime();
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long cpuStart = threads.getCurrentThreadCpuTime();
        try (Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            final StringBuilder header = new StringBuilder("id");
            for (int h = 1; h <= horizon; h++) {
                header.append(",F").append(h);
            }
            writer.write(header.append('\n').toString());
            for (int i = 0; i < total; i++) {
                final SeriesCsv.Series s = series.get(i);
                final double[] y = s.values();
                final int n = isEvaluating ? y.length - horizon : y.length;
                if (n < 1) {
                    throw new IllegalArgumentException("series too short to hold out the horizon [series=" + s.id()
                        + ", length=" + y.length + ", horizon=" + horizon + "]");
                }
                forecaster.fitForecast(y, n, season, horizon, forecast);
                SeriesCsv.writeRow(writer, s.id(), forecast, horizon);
                if (isEvaluating && n >= 2) {
                    smape += M4Evaluation.smape(y, n, forecast, horizon);
                    mase += M4Evaluation.mase(y, n, season, forecast, horizon);
                    scored++;
                }
                if ((i + 1) % every == 0 || i + 1 == total) {
                    progress.printf(Locale.ROOT, "forecast: %d/%d series, %.1f s%n", i + 1, total,
                        (System.nanoTime() - start) / 1e9);
                }
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        System.out.printf(Locale.ROOT, "forecast [model=%s, series=%d, horizon=%d, season=%d, seconds=%.2f, "
                + "msPerSeries=%.2f, cpuMsPerSeries=%.2f, fallbacks=%d, out=%s]%n", forecaster.name(), total, horizon,
            season, seconds, seconds * 1e3 / Math.max(1, total), cpuSeconds * 1e3 / Math.max(1, total),
            forecaster.fallbacks(), out);
        if (isEvaluating) {
            System.out.printf(Locale.ROOT, "evaluate [model=%s, series=%d, sMAPE=%.2f, MASE=%.3f]%n",
                forecaster.name(), scored, smape / scored, mase / scored);
        }
    }
}
