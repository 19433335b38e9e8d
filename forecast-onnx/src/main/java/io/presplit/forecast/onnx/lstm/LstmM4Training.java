package io.presplit.forecast.onnx.lstm;

import io.presplit.forecast.EnsembleModel;
import io.presplit.forecast.GuardedModel;
import io.presplit.forecast.M4Evaluation;
import io.presplit.forecast.Models;
import io.presplit.forecast.SeriesCsv;
import io.presplit.forecast.SeriesModel;
import io.presplit.forecast.onnx.LstmSeriesModel;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains the global LSTM on the M4 Hourly training file with the last {@code horizon} values of every series held
 * out (the split of {@link M4Evaluation}, so that no held-out value is seen in training), saves it as a model file,
 * and scores the <em>served</em> model (ONNX Runtime, through {@link LstmSeriesModel} and {@link GuardedModel}) on
 * the held-out values. Cold path; minutes of CPU.
 * <p>
 * Reproduce, with {@code CP} the forecast-onnx jar and its dependencies and the flags of {@code presplit.jvm.flags}:
 * <pre>
 *   java @daemon/target/jvm.args -cp "$CP" io.presplit.forecast.onnx.lstm.LstmM4Training \
 *       ../shared/data/m4_hourly/Hourly-train.csv lstm-m4.psmodel [epochs] [windowsPerEpoch] [hidden] [window] [seed]
 * </pre>
 */
public final class LstmM4Training {
    /** The M4 Hourly horizon and season. */
    public static final int HORIZON = 48;
    /** Season of hourly data. */
    public static final int SEASON = 24;

    /**
     * What a run measured.
     *
     * @param training the training result.
     * @param served   the served model's M4 score on the held-out values.
     */
    public record Report(LstmTrainer.Result training, M4Evaluation.Score served) {
    }

    private LstmM4Training() {
    }

    /** A model under another name, for reports. */
    private record Named(String name, SeriesModel model) implements SeriesModel {
        @Override
        public boolean fitForecast(final double[] y, final int n, final int season, final int horizon,
            final double[] out) {
            return model.fitForecast(y, n, season, horizon, out);
        }
    }

    /**
     * Trains on the series of {@code m4File} minus their last {@value #HORIZON} values, saves to {@code modelFile},
     * and evaluates the saved model on those values.
     */
    public static Report run(final Path m4File, final Path modelFile, final LstmConfig config,
        final LstmTrainer.Options options) {
        final List<SeriesCsv.Series> series = SeriesCsv.read(m4File);
        final List<double[]> train = new ArrayList<>(series.size());
        for (final SeriesCsv.Series s : series) {
            train.add(Arrays.copyOf(s.values(), s.values().length - HORIZON));
        }
        final LstmTrainer.Result result = LstmTrainer.train(train, config, options, (epoch, loss, nanos) ->
            System.out.printf(Locale.ROOT, "epoch %d loss %.5f at %.1f s%n", epoch, loss, nanos / 1e9));
        LstmModels.save(modelFile, result.network(), "global LSTM, hourly load, " + config.horizon() + " steps",
            "M4 Hourly train (" + series.size() + " series, last " + HORIZON + " values of each held out)",
            Instant.now(), Map.of(
                "epochs", Integer.toString(options.epochs()),
                "windowsPerEpoch", Integer.toString(options.windowsPerEpoch()),
                "batchSize", Integer.toString(options.batchSize()),
                "learningRate", Double.toString(options.learningRate()),
                "seed", Long.toString(options.seed()),
                "trainSeconds", String.format(Locale.ROOT, "%.1f", result.trainNanos() / 1e9)));
        try (LstmSeriesModel served = LstmSeriesModel.open(modelFile)) {
            final GuardedModel guarded = new GuardedModel(served);
            return new Report(result, M4Evaluation.evaluate(series, guarded, HORIZON, SEASON, null));
        }
    }

    /**
     * Scores a saved model on the held-out values of {@code m4File}: the LSTM alone, and, with
     * {@code withEnsemble}, the offline ensemble of {@link Models} with the LSTM as a fifth member (weights from the
     * last 48 training values, as for the others; the LSTM saw those values in training, so its weight is, if
     * anything, optimistic).
     */
    public static List<M4Evaluation.Score> evaluate(final Path m4File, final Path modelFile,
        final boolean withEnsemble) {
        final List<SeriesCsv.Series> series = SeriesCsv.read(m4File);
        final List<M4Evaluation.Score> scores = new ArrayList<>();
        try (LstmSeriesModel served = LstmSeriesModel.open(modelFile)) {
            scores.add(M4Evaluation.evaluate(series, new GuardedModel(served), HORIZON, SEASON, null));
            if (withEnsemble) {
                final SeriesModel[] members = {Models.create("snaive", SEASON, HORIZON),
                    Models.create("wsnaive", SEASON, HORIZON), Models.create("ets", SEASON, HORIZON),
                    Models.create("arima", SEASON, HORIZON), new GuardedModel(served)};
                final SeriesModel ensemble = new EnsembleModel(members, 2.0, HORIZON);
                scores.add(M4Evaluation.evaluate(series, new GuardedModel(new Named("ensemble+lstm", ensemble)),
                    HORIZON, SEASON, null));
            }
        }
        return scores;
    }

    /**
     * {@code m4File modelFile [epochs] [windowsPerEpoch] [hidden] [window] [seed] [quantiles e.g. 0.5,0.9]} trains,
     * saves and scores; {@code m4File modelFile evaluate [ensemble]} scores a saved model.
     */
    public static void main(final String[] args) {
        if (args.length >= 3 && "evaluate".equals(args[2])) {
            for (final M4Evaluation.Score s : evaluate(Path.of(args[0]), Path.of(args[1]),
                args.length > 3 && "ensemble".equals(args[3]))) {
                System.out.printf(Locale.ROOT, "served %s on M4 Hourly held-out: sMAPE %.2f MASE %.3f, %d series, "
                    + "%.2f CPU ms/series, %d fallbacks%n", s.model(), s.smape(), s.mase(), s.series(),
                    s.cpuMillisPerSeries(), s.fallbacks());
            }
            return;
        }
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: m4File modelFile [epochs] [windowsPerEpoch] [hidden] [window]"
                + " [seed] [quantiles]");
        }
        final int epochs = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        final int perEpoch = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        final int hidden = args.length > 4 ? Integer.parseInt(args[4]) : 32;
        final int window = args.length > 5 ? Integer.parseInt(args[5]) : 168;
        final long seed = args.length > 6 ? Long.parseLong(args[6]) : 1L;
        final double[] quantiles = args.length > 7 ? Arrays.stream(args[7].split(","))
            .mapToDouble(Double::parseDouble).toArray() : new double[] {0.5, 0.9};
        final LstmConfig config = new LstmConfig(window, 1, hidden, HORIZON, quantiles, true);
        final Report report = run(Path.of(args[0]), Path.of(args[1]), config,
            LstmTrainer.Options.defaults(epochs, perEpoch, seed));
        final LstmTrainer.Result t = report.training();
        System.out.printf(Locale.ROOT, "trained %s: %d windows, %d steps, %.1f s, loss per epoch %s%n", config,
            t.windows(), t.steps(), t.trainNanos() / 1e9, Arrays.toString(t.epochLoss()));
        final M4Evaluation.Score s = report.served();
        System.out.printf(Locale.ROOT, "served lstm on M4 Hourly held-out: sMAPE %.2f MASE %.3f, %d series, "
            + "%.2f CPU ms/series, %d fallbacks%n", s.smape(), s.mase(), s.series(), s.cpuMillisPerSeries(),
            s.fallbacks());
    }
}
