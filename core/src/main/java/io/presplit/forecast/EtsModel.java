package io.presplit.forecast;

/**
 * {@link Ets} as a {@link SeriesModel}: ETS(A,N,A) or ETS(A,Ad,A) (and, as {@code etsm}, also ETS(M,N,M) or
 * ETS(M,Ad,M)) by AICc, fitted by likelihood. One instance per thread.
 */
public final class EtsModel implements SeriesModel {
    private final Ets ets;
    private final String name;

    /** @param maxSeason the longest season it will be asked to fit. */
    public EtsModel(final int maxSeason) {
        this(maxSeason, false);
    }

    /**
     * @param maxSeason           the longest season it will be asked to fit.
     * @param isMultiplicative    whether the multiplicative models compete too ({@link Ets#setMultiplicativeAllowed}).
     */
    public EtsModel(final int maxSeason, final boolean isMultiplicative) {
        this.ets = new Ets(maxSeason);
        ets.setMultiplicativeAllowed(isMultiplicative);
        this.name = isMultiplicative ? "etsm" : "ets";
    }

    @Override
    public String name() {
        return name;
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
