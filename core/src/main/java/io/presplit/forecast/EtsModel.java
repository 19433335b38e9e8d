package io.presplit.forecast;

/**
 * {@link Ets} as a {@link SeriesModel}: ETS(A,N,A) or ETS(A,Ad,A) by AICc, fitted by likelihood.
 * One instance per thread.
 */
public final class EtsModel implements SeriesModel {
    private final Ets ets;

    /** @param maxSeason the longest season it will be asked to fit. */
    public EtsModel(final int maxSeason) {
        this.ets = new Ets(maxSeason);
    }

    @Override
    public String name() {
        return "ets";
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon, final double[] out) {
        if (!ets.fit(y, n, season)) {
            return false;
        }
        ets.forecast(horizon, out, 0);
        return true;
    }

    /** The model of the last fit (for inspection). */
    public Ets last() {
        return ets;
    }
}
