package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuardedModelTest {
    /** Guards the fallback rule: a non-finite or insane forecast is replaced by seasonal naive and counted. */
    @Test
    void shouldFallBackToSeasonalNaiveWhenTheForecastIsNotSane() {
        final double[] y = {1, 2, 3, 4, 1, 2, 3, 4};
        final double[] wild = {Double.NaN, 1e9};
        final int[] call = {0};
        final SeriesModel broken = new SeriesModel() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public boolean fitForecast(final double[] s, final int n, final int m, final int h, final double[] out) {
                java.util.Arrays.fill(out, 0, h, wild[call[0]++ % 2]);
                return true;
            }
        };
        final GuardedModel guarded = new GuardedModel(broken);
        final double[] out = new double[4];
        guarded.fitForecast(y, 8, 4, 4, out);
        assertThat(out).containsExactly(1, 2, 3, 4);
        guarded.fitForecast(y, 8, 4, 4, out);
        assertThat(out).containsExactly(1, 2, 3, 4);
        assertThat(guarded.fallbacks()).isEqualTo(2);
        assertThat(guarded.forecasts()).isEqualTo(2);
    }

    /** Guards the clip: a load series never gets a negative forecast, and clipping is not a fallback. */
    @Test
    void shouldClipAtZeroWhenTheSeriesIsNeverNegative() {
        final double[] y = {5, 0, 5, 0};
        final SeriesModel dips = new SeriesModel() {
            @Override
            public String name() {
                return "dips";
            }

            @Override
            public boolean fitForecast(final double[] s, final int n, final int m, final int h, final double[] out) {
                java.util.Arrays.fill(out, 0, h, -1);
                return true;
            }
        };
        final GuardedModel guarded = new GuardedModel(dips);
        final double[] out = new double[2];
        guarded.fitForecast(y, 4, 2, 2, out);
        assertThat(out).containsExactly(0, 0);
        assertThat(guarded.fallbacks()).isZero();
    }
}
