package io.presplit.forecast;

/**
 * A forecasting model over one whole series, for offline use: the {@code presplit forecast} command, the M4
 * evaluation, and the refits of the online forecasters.
 * <p>
 * Contract: {@link #fitForecast} fits to {@code y[0..n)} and writes the point forecasts of the next
 * {@code horizon} values into {@code out[0..horizon)}. It returns {@code false} when the model cannot forecast
 * this series (too short, no finite fit); the caller then falls back ({@link GuardedModel} does so and counts it).
 * Instances keep scratch state: one per thread.
 */
public interface SeriesModel {
    /** Short name, used in reports and on the command line. */
    String name();

    /**
     * Fits and forecasts.
     *
     * @param y       the series, oldest first.
     * @param n       how many values of {@code y} to use.
     * @param season  the season length m (1 = none).
     * @param horizon how many steps to forecast.
     * @param out     receives the forecasts of steps 1..horizon.
     * @return whether the model produced the forecasts.
     */
    boolean fitForecast(double[] y, int n, int season, int horizon, double[] out);

    /**
     * The seasonal naive forecast {@code y[T+h] = y[T + h - m * ceil(h / m)]} of {@code y[0..n)}, or the last value
     * when the series is shorter than a season (Hyndman &amp; Athanasopoulos, FPP3 §5.2). Allocation-free.
     */
    static void seasonalNaive(final double[] y, final int n, final int season, final int horizon, final double[] out) {
        final int m = season <= n ? season : 1;
        for (int h = 0; h < horizon; h++) {
            final int ahead = h + 1;
            final int seasonsBack = (ahead + m - 1) / m;
            out[h] = y[n - 1 + ahead - seasonsBack * m];
        }
    }

    /** The seasonal naive model as a {@link SeriesModel}. */
    final class SeasonalNaive implements SeriesModel {
        @Override
        public String name() {
            return "snaive";
        }

        @Override
        public boolean fitForecast(final double[] y, final int n, final int season, final int horizon,
            final double[] out) {
            seasonalNaive(y, n, season, horizon, out);
            return true;
        }
    }
}
