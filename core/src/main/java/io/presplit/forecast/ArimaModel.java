package io.presplit.forecast;

/**
 * Automatic seasonal {@link Arima} as a {@link SeriesModel}; a series longer than {@code maxLength} is fitted on
 * its most recent {@code maxLength} values. One instance per thread.
 */
public final class ArimaModel implements SeriesModel {
    private final Arima arima;
    private final double[] tail;

    /**
     * @param maxLength the longest series.
     * @param maxSeason the longest season.
     */
    public ArimaModel(final int maxLength, final int maxSeason) {
        this.arima = new Arima(maxLength, maxSeason);
        this.tail = new double[maxLength];
    }

    @Override
    public String name() {
        return "arima";
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon, final double[] out) {
        final boolean isLong = n > tail.length;
        if (isLong) {
            // longer series: fit the most recent values only
            System.arraycopy(y, n - tail.length, tail, 0, tail.length);
        }
        if (!arima.fit(isLong ? tail : y, isLong ? tail.length : n, season)) {
            return false;
        }
        arima.forecast(horizon, out, 0);
        return true;
    }

    /** The model of the last fit (for inspection). */
    public Arima last() {
        return arima;
    }
}
