package io.presplit.forecast.onnx.lstm;

import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.RollingOrigin;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.FallbackForecaster;
import io.presplit.forecast.onnx.LstmForecaster;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Rolling-origin evaluation of a served LSTM model file on a wide trace, with the same harness, warm-up and
 * scoring as the native models ({@link RollingOrigin}): the LSTM alone (behind its {@link FallbackForecaster}),
 * and the online ensemble (seasonal naive, ETS, ARIMA) with and without the LSTM as a table member. Cold path.
 * <pre>
 *   java @jvm.args -cp ... io.presplit.forecast.onnx.lstm.LstmTraceEvaluation TRACE MODEL SEASON HORIZON STEPS
 *       WARMUP [AGGREGATE] [MAX_SERIES] [FIT_WINDOW] [MODELS e.g. lstm,ensemble+lstm]
 *   java ... LstmTraceEvaluation train TRACE MODEL_OUT FIRST_SERIES UNTIL_TICK WINDOW HORIZON EPOCHS PER_EPOCH
 * </pre>
 * The {@code train} form trains a model on columns {@code FIRST_SERIES..} of the trace and ticks
 * {@code [0, UNTIL_TICK)} only, so that evaluating it on the first columns from tick {@code UNTIL_TICK} on uses
 * neither their series nor their time.
 */
public final class LstmTraceEvaluation {
    private LstmTraceEvaluation() {
    }

    /** See the class comment for the arguments. */
    public static void main(final String[] args) {
        if (args.length >= 9 && "train".equals(args[0])) {
            train(Path.of(args[1]), Path.of(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                new LstmConfig(Integer.parseInt(args[5]), 1, 32, Integer.parseInt(args[6]), new double[] {0.5, 0.9},
                    true), LstmTrainer.Options.defaults(Integer.parseInt(args[7]), Integer.parseInt(args[8]), 1L));
            return;
        }
        if (args.length < 6) {
            throw new IllegalArgumentException("usage: trace modelFile season horizon steps warmup [aggregate]"
                + " [maxSeries] [fitWindow] [models]");
        }
        final Path trace = Path.of(args[0]);
        final Path modelFile = Path.of(args[1]);
        final int season = Integer.parseInt(args[2]);
        final int horizon = Integer.parseInt(args[3]);
        final int[] steps = Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray();
        final int warmup = Integer.parseInt(args[5]);
        final int aggregate = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        final int maxSeries = args.length > 7 ? Integer.parseInt(args[7]) : Integer.MAX_VALUE;
        final int fitWindow = args.length > 8 ? Integer.parseInt(args[8]) : 7 * season;
        final String[] models = (args.length > 9 ? args[9] : "lstm,ensemble+lstm").split(",");
        final double[][] data = RollingOrigin.readWide(trace, aggregate, maxSeries);
        final int slots = data[0].length;
        for (final String name : models) {
            final long start = System.nanoTime();
            try (Forecaster forecaster = create(name, modelFile, slots, horizon, season, fitWindow)) {
                final RollingOrigin.StepScore[] scores = RollingOrigin.run(data, forecaster, horizon, season, steps,
                    warmup);
                for (final RollingOrigin.StepScore score : scores) {
                    System.out.printf(Locale.ROOT, "rolling [input=%s, series=%d, ticks=%d] %s step %d: MASE %.4f,"
                        + " p90 coverage %.3f, p50 coverage %.3f, forecasts %d%n", trace.getFileName(), slots,
                        data.length, name, score.step(), score.mase(), score.coverage90(), score.coverage50(),
                        score.forecasts());
                }
                System.out.printf(Locale.ROOT, "rolling [model=%s, seconds=%.1f, modelFallbacks=%d]%n", name,
                    (System.nanoTime() - start) / 1e9, forecaster.modelFallbacks());
            }
        }
    }

    /** Trains on columns {@code firstSeries..} and ticks {@code [0, untilTick)} of {@code trace}; saves the model. */
    public static LstmTrainer.Result train(final Path trace, final Path modelFile, final int firstSeries,
        final int untilTick, final LstmConfig config, final LstmTrainer.Options options) {
        final double[][] data = RollingOrigin.readWide(trace, 1, Integer.MAX_VALUE);
        final List<double[]> series = new ArrayList<>();
        final int ticks = Math.min(untilTick, data.length);
        for (int s = firstSeries; s < data[0].length; s++) {
            final double[] values = new double[ticks];
            for (int t = 0; t < ticks; t++) {
                values[t] = data[t][s];
            }
            series.add(values);
        }
        final LstmTrainer.Result result = LstmTrainer.train(series, config, options, (epoch, loss, nanos) ->
            System.out.printf(Locale.ROOT, "epoch %d loss %.5f at %.1f s%n", epoch, loss, nanos / 1e9));
        LstmModels.save(modelFile, result.network(), "global LSTM, " + trace.getFileName(),
            trace.getFileName() + ": columns " + firstSeries + ".." + (data[0].length - 1) + ", ticks 0.."
                + (ticks - 1),
            Instant.now(), Map.of("epochs", Integer.toString(options.epochs()),
                "trainSeconds", String.format(Locale.ROOT, "%.1f", result.trainNanos() / 1e9)));
        System.out.printf(Locale.ROOT, "trained %s on %d series x %d ticks: %d windows, %.1f s%n", config,
            series.size(), ticks, result.windows(), result.trainNanos() / 1e9);
        return result;
    }

    private static Forecaster create(final String name, final Path modelFile, final int slots, final int horizon,
        final int season, final int fitWindow) {
        return switch (name) {
            case "lstm" -> lstm(modelFile, season);
            case "snaive" -> new SeasonalNaiveForecaster(season);
            case "ensemble" -> ensemble(new Forecaster[0], slots, horizon, season, fitWindow);
            case "ensemble+lstm" -> ensemble(new Forecaster[] {lstm(modelFile, season)}, slots, horizon, season,
                fitWindow);
            default -> throw new IllegalArgumentException("unknown model [model=" + name
                + ", known=lstm,snaive,ensemble,ensemble+lstm]");
        };
    }

    private static Forecaster lstm(final Path modelFile, final int season) {
        return FallbackForecaster.open("lstm", () -> LstmForecaster.openModelFile(modelFile),
            new SeasonalNaiveForecaster(season));
    }

    private static Forecaster ensemble(final Forecaster[] tableMembers, final int slots, final int horizon,
        final int season, final int fitWindow) {
        // the settings of `presplit forecast --rolling --model ensemble`
        return new EnsembleForecaster(slots, horizon, season, new OnlineModel[] {new OnlineModel.OnlineEts(season),
            new OnlineModel.OnlineArima(fitWindow, season)}, tableMembers, fitWindow, season, Long.MAX_VALUE / 4,
            0.05, 2.0, null);
    }
}
