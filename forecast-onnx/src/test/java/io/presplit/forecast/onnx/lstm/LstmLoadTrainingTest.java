package io.presplit.forecast.onnx.lstm;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The load training of {@code presplit train}: a tiny model learns a daily cycle and beats the naive baselines. */
class LstmLoadTrainingTest {
    private static final long SEED = 11L;
    private static final int DAY = 24;

    /**
     * Guards the whole pipeline of {@code presplit train} (held-out split, persistence start, training, scoring): on
     * noisy daily cycles a trained model must forecast the held-out days better than seasonal naive (which repeats
     * yesterday's noise) and far better than naive (which misses the cycle). A model that did not learn the cycle,
     * or a scorer that compared the wrong values, fails one of the two.
     */
    @Test
    void shouldBeatSeasonalNaiveWhenTrainedOnDailyCycles() {
        final SplittableRandom random = new SplittableRandom(SEED);
        final List<double[]> series = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            final double level = 100 + 100 * random.nextDouble();
            final double[] y = new double[DAY * 30];
            for (int t = 0; t < y.length; t++) {
                y[t] = level * (1 + 0.5 * Math.sin(2 * Math.PI * t / DAY)) + 0.05 * level * random.nextGaussian();
            }
            series.add(y);
        }
        final LstmConfig config = new LstmConfig(DAY, 1, 8, 6, new double[] {0.5, 0.9}, true);
        final LstmTrainer.Options options = new LstmTrainer.Options(16, 32, 1e-2, 640, 1.0, 8.0, SEED)
            .withPersistenceStart(true);
        final LstmLoadTraining.Report report = LstmLoadTraining.run(Map.of(3600L, series), config, options, 0.2,
            true, null);
        final LstmLoadTraining.BandScore band = report.bands().get(0);
        System.out.printf("daily cycle, held-out MASE: lstm %.3f, seasonal naive %.3f, naive %.3f (%.1f ms)%n",
            band.lstm(), band.seasonal(), band.naive(), report.training().trainNanos() / 1e6);
        assertThat(band.scored()).isEqualTo(4);
        assertThat(band.lstm()).isLessThan(0.9 * band.seasonal());
        assertThat(band.lstm()).isLessThan(0.5 * band.naive());
    }

    /**
     * Guards the persistence start: the skip path alone must forecast the window's last value at every step and
     * quantile, so that training starts from the naive forecast (what {@code presplit train} does by default). A
     * weight set on the wrong column (the first value, another feature) forecasts something else.
     */
    @Test
    void shouldForecastLastValueWhenStartedFromPersistence() {
        final LstmNetwork net = new LstmNetwork(new LstmConfig(8, 1, 4, 3, new double[] {0.5, 0.9}, true));
        net.initialize(SEED);
        // the hidden state's head weights start small and random: zero them to see the skip path alone
        Arrays.fill(net.parameters(), net.headOffset(), net.parameters().length, 0.0);
        net.startFromPersistence();
        final double[] y = {5, 7, 6, 9, 4, 8, 10, 12};
        final double[] out = new double[3];
        assertThat(LstmTrainer.forecast(net, y, y.length, out)).isTrue();
        for (final double value : out) {
            // inputs are rounded to float32 as served: equal to 1e-5
            assertThat(value).isCloseTo(12.0, within(1e-5));
        }
        final double[] both = new double[2 * 3];
        final double[] x = new double[8];
        final double mean = WindowNormalization.mean(y, 0, 8);
        final double scale = WindowNormalization.scale(y, 0, 8, mean);
        for (int i = 0; i < 8; i++) {
            x[i] = (y[i] - mean) / scale;
        }
        net.forward(x, 1, both);
        assertThat(both[3] * scale + mean).as("p90 head").isCloseTo(12.0, within(1e-9));
    }
}
