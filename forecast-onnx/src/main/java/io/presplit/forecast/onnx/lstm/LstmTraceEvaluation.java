package io.presplit.forecast.onnx.lstm;

import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.RollingOrigin;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.FallbackForecaster;
import io.presplit.forecast.onnx.LstmForecaster;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Rolling-origin evaluation of a served LSTM model file on a wide trace, with the same harness, warm-up and
 * scoring as the native models ({@link RollingOrigin}): the LSTM alone (behind its {@link FallbackForecaster}),
 * and the online ensemble (seasonal naive, ETS, ARIMA) with and without the LSTM as a table member. Cold path.
 * <pre>
 *   java @jvm.args -cp ... io.presplit.forecast.onnx.lstm.LstmTraceEvaluation TRACE MODEL SEASON HORIZON STEPS
 *       WARMUP [AGGREGATE] [MAX_SERIES] [FIT_WINDOW] [MODELS e.g. lstm,ensemble+lstm]
 * </pre>
 */
public final class LstmTraceEvaluation {
    private LstmTraceEvaluation() {
    }

    /** See the class comment for the arguments. */
    public static void main(final String[] args) {
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
