package io.presplit.forecast.onnx.lstm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Trains one global LSTM on load series grouped by tick length ({@link TickResampling#atTicks}), and scores it on
 * the held-out end of every series against the naive (last value) and seasonal naive (a day earlier) forecasts.
 * What {@code presplit train} runs. Cold path; minutes of CPU for real corpora.
 * <p>
 * <b>Validation.</b> With a validation fraction {@code v > 0}, the last {@code v} of every series is held out of
 * training; the model then forecasts from every {@code stride}-th origin in that tail (the window reaching back into
 * the training part), and each band reports the mean absolute error over steps {@code 1..H}, scaled per series by
 * the mean absolute one-tick change of its training part (MASE with season 1, Hyndman &amp; Koehler 2006): 1.0 is
 * the in-sample naive forecast's one-step error; lower is better. Naive and seasonal naive (season = one day in
 * the band's ticks, or naive when the series is shorter) are scored on the same origins, so the three compare.
 * <p>
 * <b>Balance.</b> The trainer draws windows uniformly, so a band with many long series (M4 Hourly: 330,000 windows)
 * would drown a band of a few short ones (5-minute cloud traces). With {@code isBalanced}, each band's series are
 * repeated so that every band offers about as many windows as the largest one (at most {@value #MAX_REPEAT} times):
 * an equal share of the training draws per tick length.
 */
public final class LstmLoadTraining {
    /** Most times a band's series are repeated to balance it. */
    public static final int MAX_REPEAT = 16;
    /** Seconds in a day, for the seasonal naive baseline. */
    private static final long DAY_SECONDS = 86_400L;
    /** Scored origins per series, at most (spread evenly over the held-out tail). */
    private static final int ORIGINS_PER_SERIES = 48;

    private LstmLoadTraining() {
    }

    /**
     * A band's held-out scores.
     *
     * @param tickSeconds the band's tick.
     * @param series      series in the band (before any repetition).
     * @param windows     training windows the band offered (after repetition).
     * @param repeat      times its series were repeated.
     * @param scored      series with at least one scored origin.
     * @param lstm        the model's scaled error, steps 1..H; NaN when nothing was scored.
     * @param naive       the naive forecast's scaled error on the same origins.
     * @param seasonal    the seasonal naive forecast's scaled error on the same origins.
     * @param lstmStep1   the model's scaled error at step 1.
     * @param naiveStep1  naive's scaled error at step 1.
     */
    public record BandScore(long tickSeconds, int series, int windows, int repeat, int scored, double lstm,
        double naive, double seasonal, double lstmStep1, double naiveStep1) {
    }

    /**
     * What a run produced.
     *
     * @param training the training result.
     * @param bands    one score per band, by ascending tick (all NaN scores without validation).
     */
    public record Report(LstmTrainer.Result training, List<BandScore> bands) {
    }

    /**
     * Trains on {@code bands} (tick seconds → series, oldest first) and scores the held-out tails.
     *
     * @param validationFraction share of each series held out, in [0, 0.5].
     * @param isBalanced         whether to repeat the series of small bands (see the class comment).
     * @throws IllegalArgumentException if the fraction is out of range or no series holds a training window.
     */
    public static Report run(final Map<Long, List<double[]>> bands, final LstmConfig config,
        final LstmTrainer.Options options, final double validationFraction, final boolean isBalanced,
        final LstmTrainer.EpochListener listener) {
        if (!(validationFraction >= 0 && validationFraction <= 0.5)) {
            throw new IllegalArgumentException("validation fraction must be in [0, 0.5] [validationFraction="
                + validationFraction + "]");
        }
        final int span = config.window() + config.horizon();
        final List<Long> ticks = new ArrayList<>(bands.keySet());
        final int[] windows = new int[ticks.size()];
        final List<List<double[]>> trainParts = new ArrayList<>();
        for (int b = 0; b < ticks.size(); b++) {
            final List<double[]> part = new ArrayList<>();
            for (final double[] s : bands.get(ticks.get(b))) {
                part.add(Arrays.copyOf(s, trainLength(s.length, validationFraction)));
            }
            trainParts.add(part);
            windows[b] = LstmTrainer.windows(part, span).length;
        }
        final int most = Arrays.stream(windows).max().orElse(0);
        final int[] repeat = new int[ticks.size()];
        final List<double[]> train = new ArrayList<>();
        for (int b = 0; b < ticks.size(); b++) {
            repeat[b] = !isBalanced || windows[b] == 0 ? 1
                : (int) Math.max(1, Math.min(MAX_REPEAT, Math.round((double) most / windows[b])));
            for (int r = 0; r < repeat[b]; r++) {
                train.addAll(trainParts.get(b));
            }
        }
        final LstmTrainer.Result result = LstmTrainer.train(train, config, options, listener);
        final List<BandScore> scores = new ArrayList<>();
        for (int b = 0; b < ticks.size(); b++) {
            final long tick = ticks.get(b);
            final int season = (int) Math.max(1, DAY_SECONDS / tick);
            scores.add(score(result.network(), bands.get(tick), tick, season, validationFraction,
                windows[b] * repeat[b], repeat[b]));
        }
        return new Report(result, scores);
    }

    /** Values of a series of {@code length} that training sees. */
    static int trainLength(final int length, final double validationFraction) {
        return length - (int) Math.floor(length * validationFraction);
    }

    private static BandScore score(final LstmNetwork net, final List<double[]> series, final long tick,
        final int season, final double validationFraction, final int windows, final int repeat) {
        final int w = net.config().window();
        final int horizon = net.config().horizon();
        final double[] forecast = new double[horizon];
        double lstmSum = 0;
        double naiveSum = 0;
        double seasonalSum = 0;
        double lstm1 = 0;
        double naive1 = 0;
        int scored = 0;
        for (final double[] y : series) {
            final int split = trainLength(y.length, validationFraction);
            final double scale = meanAbsoluteChange(y, split);
            final int first = Math.max(split, w);
            final int last = y.length - horizon;
            if (validationFraction == 0 || last < first || !(scale > 0)) {
                continue;
            }
            final int stride = Math.max(1, (last - first + 1) / ORIGINS_PER_SERIES);
            double lstm = 0;
            double naive = 0;
            double seasonal = 0;
            double l1 = 0;
            double n1 = 0;
            int origins = 0;
            for (int n = first; n <= last; n += stride) {
                if (!isFinite(y, n - w, n + horizon)) {
                    continue;
                }
                LstmTrainer.forecast(net, y, n, forecast);
                final int m = n >= season ? season : 1;
                for (int h = 0; h < horizon; h++) {
                    final double actual = y[n + h];
                    lstm += Math.abs(actual - forecast[h]);
                    naive += Math.abs(actual - y[n - 1]);
                    // seasonal naive: the value one season before the target, from the last observed season
                    seasonal += Math.abs(actual - y[n - m + h % m]);
                }
                l1 += Math.abs(y[n] - forecast[0]);
                n1 += Math.abs(y[n] - y[n - 1]);
                origins++;
            }
            if (origins == 0) {
                continue;
            }
            final double per = 1.0 / (origins * horizon * scale);
            lstmSum += lstm * per;
            naiveSum += naive * per;
            seasonalSum += seasonal * per;
            lstm1 += l1 / (origins * scale);
            naive1 += n1 / (origins * scale);
            scored++;
        }
        final double d = scored == 0 ? Double.NaN : scored;
        return new BandScore(tick, series.size(), windows, repeat, scored, lstmSum / d, naiveSum / d,
            seasonalSum / d, lstm1 / d, naive1 / d);
    }

    /** Mean of {@code |y[t] - y[t-1]|} over the finite pairs of {@code y[0..n)}; 0 if none. */
    private static double meanAbsoluteChange(final double[] y, final int n) {
        double sum = 0;
        int count = 0;
        for (int t = 1; t < n; t++) {
            final double d = Math.abs(y[t] - y[t - 1]);
            if (Double.isFinite(d)) {
                sum += d;
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    private static boolean isFinite(final double[] y, final int from, final int to) {
        for (int t = from; t < to; t++) {
            if (!Double.isFinite(y[t])) {
                return false;
            }
        }
        return true;
    }
}
