package io.presplit.forecast.onnx.prophet;

import io.presplit.forecast.SeriesModel;

/**
 * The Prophet-style model as an offline {@link SeriesModel}, for the M4 evaluation and the {@code presplit
 * forecast} command: fits the most recent {@code maxLength} values with {@link ProphetFitter} and evaluates the
 * fitted model over the horizon in Java ({@link ProphetModel#predict}, which the ONNX graph equals; tested).
 * <p>
 * A series carries no timestamps, so its values are put on a time axis at which the season is one day: value
 * {@code i} at {@code i × 86400 / season} seconds (hourly for {@code season = 24}); the weekly seasonality is then
 * seven seasons. Prophet's changepoints, priors and defaults apply as in {@link ProphetFitter#defaults}.
 * Returns {@code false} (the caller falls back) for a series shorter than {@link ProphetFitter#MIN_LENGTH} or
 * without a finite fit. One instance per thread; allocates per call (the fitted model), cold path.
 */
public final class ProphetSeriesModel implements SeriesModel {
    private final ProphetFitter fitter;
    private final double[] times;
    private final double[] future;
    private final ProphetModel.Components components;

    /**
     * @param maxLength  the longest series fitted: longer ones are fitted on their most recent values.
     * @param maxHorizon the longest horizon asked for.
     */
    public ProphetSeriesModel(final int maxLength, final int maxHorizon) {
        this.fitter = ProphetFitter.defaults(maxLength);
        this.times = new double[maxLength];
        this.future = new double[maxHorizon];
        this.components = new ProphetModel.Components(maxHorizon, fitter.seasonalities().size());
    }

    @Override
    public String name() {
        return "prophet";
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon,
        final double[] out) {
        if (horizon > future.length) {
            throw new IllegalArgumentException("horizon longer than the model was made for [horizon=" + horizon
                + ", maxHorizon=" + future.length + "]");
        }
        final int length = Math.min(n, fitter.maxLength());
        if (length < ProphetFitter.MIN_LENGTH) {
            return false;
        }
        final double step = ProphetModel.SECONDS_PER_DAY / season;
        final int from = n - length;
        final double[] recent = new double[length];
        System.arraycopy(y, from, recent, 0, length);
        if (!fitter.fit(from * step, step, recent, length, times)) {
            return false;
        }
        for (int h = 0; h < horizon; h++) {
            future[h] = (n + h) * step;
        }
        fitter.model().predict(future, horizon, components);
        for (int h = 0; h < horizon; h++) {
            out[h] = components.yhat(h);
        }
        return true;
    }
}
