package io.presplit.forecast;

/**
 * Wraps a {@link SeriesModel} so that every forecast it hands out is finite and sane, falling back to seasonal
 * naive otherwise, and counting the fallbacks.
 * <p>
 * Rules, with {@code lo, hi} the minimum and maximum of the fitted series and {@code span = max(hi - lo, |hi|,
 * 1e-9)}: a forecast is rejected (the whole path replaced by seasonal naive) if the model declines, if any value is
 * not finite, or if any value leaves {@code [lo - span, hi + span]}. A series that is never negative (a load) gets
 * its forecasts clipped at zero, which is not counted as a fallback. Allocation-free.
 */
public final class GuardedModel implements SeriesModel {
    private final SeriesModel model;
    private long fallbacks;
    private long forecasts;

    /** @param model the model to guard. */
    public GuardedModel(final SeriesModel model) {
        this.model = model;
    }

    @Override
    public String name() {
        return model.name();
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon, final double[] out) {
        forecasts++;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < n; t++) {
            lo = Math.min(lo, y[t]);
            hi = Math.max(hi, y[t]);
        }
        final double span = Math.max(Math.max(hi - lo, Math.abs(hi)), 1e-9);
        boolean isSane;
        try {
            isSane = model.fitForecast(y, n, season, horizon, out);
        } catch (final ArithmeticException | IllegalStateException ex) {
            isSane = false;
        }
        for (int h = 0; h < horizon && isSane; h++) {
            final double v = out[h];
            isSane = Double.isFinite(v) && v >= lo - span && v <= hi + span;
        }
        if (!isSane) {
            fallbacks++;
            SeriesModel.seasonalNaive(y, n, season, horizon, out);
        }
        if (lo >= 0) {
            for (int h = 0; h < horizon; h++) {
                out[h] = Math.max(0, out[h]);
            }
        }
        return true;
    }

    /** Forecasts replaced by seasonal naive so far. */
    public long fallbacks() {
        return fallbacks;
    }

    /** Forecasts made so far. */
    public long forecasts() {
        return forecasts;
    }

    /** The guarded model. */
    public SeriesModel model() {
        return model;
    }
}
