package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FourierArimaModelTest {
    /**
     * Guards the second seasonality: on four weeks of hourly data with a daily cycle (amplitude 10) and a weekly one
     * (amplitude 5) plus noise (sd 0.5), the Fourier-regression ARIMA must forecast the next two days within 2 (four
     * noise sd) of the true curve at every step, and with a lower mean absolute error than the ARIMA without the
     * weekly terms, which can only carry the weekly swing as a slowly moving level.
     */
    @Test
    void shouldFollowTheWeeklyCycleWhenTheSeriesHasTwoSeasons() {
        final long seed = 20261124L;
        System.out.println("FourierArimaModelTest seed=" + seed);
        final SplittableRandom rng = new SplittableRandom(seed);
        final int m = 24;
        final int n = 4 * 7 * m;
        final int horizon = 48;
        final double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = truth(t) + 0.5 * EtsTest.gaussian(rng);
        }
        final double[] fourier = new double[horizon];
        assertThat(new FourierArimaModel(n, m).fitForecast(y, n, m, horizon, fourier)).isTrue();
        final double[] plain = new double[horizon];
        assertThat(new ArimaModel(n, m).fitForecast(y, n, m, horizon, plain)).isTrue();
        double fourierError = 0;
        double plainError = 0;
        for (int h = 0; h < horizon; h++) {
            assertThat(fourier[h]).as("step %d", h + 1).isCloseTo(truth(n + h), within(2.0));
            fourierError += Math.abs(fourier[h] - truth(n + h));
            plainError += Math.abs(plain[h] - truth(n + h));
        }
        System.out.println("FourierArimaModelTest MAE fourier=" + fourierError / horizon + " plain="
            + plainError / horizon);
        assertThat(fourierError).isLessThan(plainError);
    }

    /** Guards the short-series rule: under two weeks the model is the plain ARIMA, forecast for forecast. */
    @Test
    void shouldForecastAsThePlainArimaWhenShorterThanTwoWeeks() {
        final SplittableRandom rng = new SplittableRandom(7);
        final int m = 24;
        final int n = 10 * m;
        final double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = truth(t) + 0.5 * EtsTest.gaussian(rng);
        }
        final double[] fourier = new double[m];
        final double[] plain = new double[m];
        assertThat(new FourierArimaModel(n, m).fitForecast(y, n, m, m, fourier)).isTrue();
        assertThat(new ArimaModel(n, m).fitForecast(y, n, m, m, plain)).isTrue();
        assertThat(fourier).containsExactly(plain);
    }

    private static double truth(final int t) {
        return 100 + 10 * Math.sin(2 * Math.PI * t / 24) + 5 * Math.sin(2 * Math.PI * t / 168 + 0.7);
    }
}
