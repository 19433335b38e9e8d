package io.presplit.forecast;

/**
 * Automatic seasonal {@link Arima} as a {@link SeriesModel}; a series longer than {@code maxLength} is fitted on
 * its most recent {@code maxLength} values. Named {@code arima} when the chosen orders are refitted by exact
 * likelihood (the default), {@code arima-css} when the CSS fit is kept (for comparison). One instance per thread.
 */
public final class ArimaModel implements SeriesModel {
    private final Arima arima;
    private final double[] tail;
    private final String name;

    /**
     * @param maxLength the longest series.
     * @param maxSeason the longest season.
     */
    public ArimaModel(final int maxLength, final int maxSeason) {
        this(maxLength, maxSeason, true);
    }

    /**
     * @param maxLength    the longest series.
     * @param maxSeason    the longest season.
     * @param isExactRefit whether the chosen orders are refitted by exact likelihood.
     */
    public ArimaModel(final int maxLength, final int maxSeason, final boolean isExactRefit) {
        this.arima = new Arima(maxLength, maxSeason);
        this.arima.setExactRefit(isExactRefit);
        this.tail = new double[maxLength];
        this.name = isExactRefit ? "arima" : "arima-css";
    }

    @Override
    public String name() {
        return name;
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
