package io.presplit.forecast.onnx.lstm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Training a tiny global LSTM on synthetic seasonal load: it learns, it is deterministic, and it beats naive. */
class LstmTrainerTest {
    private static final long SEED = 7L;
    private static final int PERIOD = 12;
    private static final int LENGTH = 240;
    private static final int HELD_OUT = 6;

    /**
     * Guards the whole training loop (sampling, normalization, BPTT, clipping, Adam): a loop that does not learn
     * leaves the loss flat and the held-out forecasts no better than repeating the last value. Without the skip
     * path, so the recurrent part itself must learn the season.
     */
    @Test
    void shouldLowerLossAndBeatNaiveWhenTrainedOnSeasonalSeries() {
        final List<double[]> full = seasonalSeries(6);
        final List<double[]> train = new ArrayList<>();
        for (final double[] s : full) {
            train.add(Arrays.copyOf(s, LENGTH - HELD_OUT));
        }
        final LstmConfig config = new LstmConfig(24, 1, 8, HELD_OUT, new double[] {0.5}, false);
        final LstmTrainer.Result result = LstmTrainer.train(train, config,
            new LstmTrainer.Options(12, 16, 1e-2, 320, 1.0, 8.0, SEED));
        System.out.printf("tiny LSTM seed=%d: loss per epoch %s, %d windows, %.1f ms%n", SEED,
            Arrays.toString(result.epochLoss()), result.windows(), result.trainNanos() / 1e6);

        final double[] loss = result.epochLoss();
        assertThat(loss[loss.length - 1]).isLessThan(0.6 * loss[0]);
        double lstmError = 0;
        double naiveError = 0;
        final double[] forecast = new double[HELD_OUT];
        for (final double[] s : full) {
            final int n = LENGTH - HELD_OUT;
            assertThat(LstmTrainer.forecast(result.network(), s, n, forecast)).isTrue();
            for (int h = 0; h < HELD_OUT; h++) {
                lstmError += Math.abs(s[n + h] - forecast[h]);
                naiveError += Math.abs(s[n + h] - s[n - 1]);
            }
        }
        System.out.printf("held-out MAE: lstm %.3f, naive %.3f%n", lstmError, naiveError);
        assertThat(lstmError).isLessThan(0.6 * naiveError);
    }

    /** Guards reproducibility: a seeded run must give the same network bit for bit (the README's promise). */
    @Test
    void shouldGiveIdenticalNetworksWhenSeedsAreEqual() {
        final List<double[]> series = seasonalSeries(2);
        final LstmConfig config = new LstmConfig(12, 1, 4, 3, new double[] {0.5, 0.9}, true);
        final LstmTrainer.Options options = new LstmTrainer.Options(2, 8, 1e-2, 64, 1.0, 8.0, SEED);
        final double[] first = LstmTrainer.train(series, config, options).network().parameters();
        final double[] second = LstmTrainer.train(series, config, options).network().parameters();
        assertThat(second).containsExactly(first);
    }

    /** Guards the sampler: a NaN inside a series must exclude exactly the windows that cover it. */
    @Test
    void shouldSkipWindowsHoldingNaNWhenSampling() {
        final double[] values = new double[10];
        values[4] = Double.NaN;
        final long[] windows = LstmTrainer.windows(List.of(values), 3);
        assertThat(windows).containsExactly(0L, 1L, 5L, 6L, 7L);
    }

    private static List<double[]> seasonalSeries(final int count) {
        final SplittableRandom random = new SplittableRandom(SEED);
        final List<double[]> series = new ArrayList<>();
        for (int s = 0; s < count; s++) {
            final double level = 50 + 40 * random.nextDouble();
            final double amplitude = 5 + 20 * random.nextDouble();
            final double phase = random.nextDouble() * 2 * Math.PI;
            final double[] values = new double[LENGTH];
            for (int t = 0; t < LENGTH; t++) {
                values[t] = level + amplitude * Math.sin(2 * Math.PI * t / PERIOD + phase)
                    + 0.5 * amplitude * Math.sin(4 * Math.PI * t / PERIOD) + random.nextGaussian();
            }
            series.add(values);
        }
        return series;
    }
}
