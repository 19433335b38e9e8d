package io.presplit.forecast.onnx.prophet;

import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.GuardedModel;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.forecast.M4Evaluation;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.RollingOrigin;
import io.presplit.forecast.SeriesCsv;
import io.presplit.forecast.SeriesModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Prophet model's evaluations on the shared data, with the native models' harnesses and splits, as a command
 * line (long runs stay out of the test suite):
 * <pre>
 *   m4      --input Hourly-train.csv [--horizon 48] [--season 24] [--limit N] [--max-length 1024]
 *           M4Evaluation (last H values of each series held out), Prophet beside seasonal naive
 *   rolling --input TRACE.csv --season M --horizon H --steps 1,12 [--aggregate A] [--max-series N]
 *           [--warmup W] [--fit-window F] [--refit R] [--tick-seconds S] [--model prophet|ensemble-prophet]
 *           RollingOrigin with the ProphetForecaster (one batched ONNX Runtime call per tick, calibrated p50/p90),
 *           or core's online ensemble (ETS, ARIMA) with a Prophet member, built as {@code presplit forecast
 *           --rolling --model ensemble} builds its ensemble
 *   fixture --dir shared/fixtures/prophet
 *           largest relative differences of the Java reference and of the ONNX graph from R Prophet's predict()
 * </pre>
 * Prints one result line per score; cold path.
 */
public final class ProphetEvaluation {
    private static final DateTimeFormatter DS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private ProphetEvaluation() {
    }

    /** Entry point; see the class comment. */
    public static void main(final String[] args) {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: ProphetEvaluation m4|rolling --input FILE [options]");
        }
        final Map<String, String> options = options(args);
        switch (args[0]) {
            case "m4" -> m4(options);
            case "rolling" -> rolling(options);
            case "fixture" -> fixture(Path.of(required(options, "dir")));
            default -> throw new IllegalArgumentException("unknown command [command=" + args[0] + "]");
        }
    }

    private static void m4(final Map<String, String> options) {
        final int horizon = integer(options, "horizon", 48);
        final int season = integer(options, "season", 24);
        final int limit = integer(options, "limit", Integer.MAX_VALUE);
        final List<SeriesCsv.Series> all = SeriesCsv.read(Path.of(required(options, "input")));
        final List<SeriesCsv.Series> series = all.subList(0, Math.min(limit, all.size()));
        final GuardedModel prophet = new GuardedModel(new ProphetSeriesModel(integer(options, "max-length", 1024),
            horizon));
        for (final SeriesModel model : new SeriesModel[] {new SeriesModel.SeasonalNaive(), prophet}) {
            final M4Evaluation.Score score = M4Evaluation.evaluate(series, model, horizon, season, null);
            System.out.printf(Locale.ROOT, "m4 [model=%s, series=%d, horizon=%d, season=%d, sMAPE=%.2f, MASE=%.3f, "
                    + "cpuMsPerSeries=%.1f, msPerSeries=%.1f, fallbacks=%d]%n", score.model(), score.series(), horizon,
                season, score.smape(), score.mase(), score.cpuMillisPerSeries(), score.millisPerSeries(),
                score.fallbacks());
        }
    }

    private static void rolling(final Map<String, String> options) {
        final int season = integer(options, "season", 24);
        final int horizon = integer(options, "horizon", season);
        final String[] stepText = options.getOrDefault("steps", "1").split(",");
        final int[] steps = new int[stepText.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = Integer.parseInt(stepText[i].strip());
        }
        final double[][] data = RollingOrigin.readWide(Path.of(required(options, "input")),
            integer(options, "aggregate", 1), integer(options, "max-series", 1_000_000));
        final int slots = data[0].length;
        final double tickSeconds = Double.parseDouble(options.getOrDefault("tick-seconds",
            Double.toString(86_400.0 / season)));
        final int window = integer(options, "fit-window", 14 * season);
        final int refit = integer(options, "refit", season);
        final String model = options.getOrDefault("model", "prophet");
        final int warmup = integer(options, "warmup", 0);
        final long start = System.nanoTime();
        final RollingOrigin.StepScore[] scores;
        if ("ensemble-prophet".equals(model)) {
            final EnsembleForecaster ensemble = new EnsembleForecaster(slots, horizon, season, new OnlineModel[] {
                new OnlineModel.OnlineEts(season), new OnlineModel.OnlineArima(window, season),
                new ProphetOnlineModel(window, season)}, window, season, Long.MAX_VALUE / 4, 0.05, 2.0, null);
            scores = RollingOrigin.run(data, ensemble, horizon, season, steps, warmup);
            System.out.printf(Locale.ROOT, "rolling [model=%s, refits=%d, fallbacks=%d, seconds=%.1f]%n", model,
                ensemble.refits(), ensemble.fallbacks(), (System.nanoTime() - start) / 1e9);
        } else if ("prophet".equals(model)) {
            try (ProphetForecaster forecaster = new ProphetForecaster(slots, horizon, tickSeconds, 0,
                ProphetFitter.defaults(window), window, Math.min(window, 2 * season), refit, Long.MAX_VALUE / 4,
                new IntervalCalibrator(slots, horizon, 0.02, 0.02))) {
                scores = RollingOrigin.run(data, forecaster, horizon, season, steps, warmup);
                System.out.printf(Locale.ROOT, "rolling [model=prophet, refits=%d, fitFailures=%d, "
                        + "fallbackForecasts=%d, seconds=%.1f]%n", forecaster.refits(), forecaster.fitFailures(),
                    forecaster.fallbackForecasts(), (System.nanoTime() - start) / 1e9);
            }
        } else {
            throw new IllegalArgumentException("unknown model [model=" + model + ", known=prophet,ensemble-prophet]");
        }
        for (final RollingOrigin.StepScore score : scores) {
            System.out.printf(Locale.ROOT, "rolling [input=%s, series=%d, ticks=%d] %s,%d,%.4f,%.4f,%.4f,%d%n",
                Path.of(required(options, "input")).getFileName(), slots, data.length, model, score.step(),
                score.mase(), score.coverage90(), score.coverage50(), score.forecasts());
        }
    }

    private static void fixture(final Path dir) {
        final ProphetModel model = ProphetJson.read(dir.resolve("model.json"));
        final List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve("forecast.csv"));
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
        final List<String> header = List.of(lines.get(0).split(","));
        final int h = lines.size() - 1;
        final double[] times = new double[h];
        final double[][] expected = new double[5][h];
        final String[] names = {"trend", "weekly", "daily", "additive_terms", "yhat"};
        for (int row = 0; row < h; row++) {
            final String[] cells = lines.get(row + 1).split(",");
            times[row] = LocalDateTime.parse(cells[0], DS).toEpochSecond(ZoneOffset.UTC);
            for (int c = 0; c < names.length; c++) {
                expected[c][row] = Double.parseDouble(cells[header.indexOf(names[c])]);
            }
        }
        final ProphetModel.Components java = new ProphetModel.Components(h, model.seasonalities().size());
        model.predict(times, h, java);
        final double[] javaWorst = new double[names.length];
        final double[] onnxWorst = new double[names.length];
        try (ProphetBatch batch = new ProphetBatch(ProphetGraph.of(model))) {
            batch.ensureCapacity(1, h);
            batch.setRow(0, model);
            for (int step = 0; step < h; step++) {
                batch.time(step, times[step]);
            }
            batch.run(1, h);
            for (int row = 0; row < h; row++) {
                final double[] ours = {java.trend(row), java.seasonal(0, row), java.seasonal(1, row),
                    java.additiveTerms(row), java.yhat(row)};
                final double[] served = {batch.trend(0, row), batch.seasonal(0, row, 0), batch.seasonal(0, row, 1),
                    batch.additiveTerms(0, row), batch.yhat(0, row)};
                for (int c = 0; c < names.length; c++) {
                    final double scale = Math.abs(expected[c][row]);
                    javaWorst[c] = Math.max(javaWorst[c], Math.abs(ours[c] - expected[c][row]) / scale);
                    onnxWorst[c] = Math.max(onnxWorst[c], Math.abs(served[c] - expected[c][row]) / scale);
                }
            }
        }
        for (int c = 0; c < names.length; c++) {
            System.out.printf(Locale.ROOT, "fixture [component=%s, rows=%d, javaMaxRelative=%.2e, "
                + "onnxMaxRelative=%.2e]%n", names[c], h, javaWorst[c], onnxWorst[c]);
        }
    }

    private static Map<String, String> options(final String[] args) {
        final Map<String, String> out = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs [at=" + args[i] + "]");
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }

    private static String required(final Map<String, String> options, final String name) {
        final String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing option [name=--" + name + "]");
        }
        return value;
    }

    private static int integer(final Map<String, String> options, final String name, final int fallback) {
        final String value = options.get(name);
        return value == null ? fallback : Integer.parseInt(value);
    }
}
