package io.presplit.forecast.onnx.prophet;

import io.presplit.forecast.OnlineModel;

import java.util.List;

/**
 * The Prophet-style model as an {@link OnlineModel}, so that core's {@code EnsembleForecaster} can weigh it against
 * the native members per partition. Evaluated in plain Java per partition (the ensemble calls its members one
 * partition at a time); the batched ONNX path is {@link ProphetForecaster}.
 * <p>
 * Time axis: the series carries no timestamps; value {@code i} of a refit window is at {@code i × 86400 / season}
 * seconds, so that the season is one day and the week seven seasons (as {@link ProphetSeriesModel}).
 * <p>
 * State per partition ({@link #stateLength()} doubles at {@code offset}): {@link ProphetBatch}'s packed parameters
 * ({@code 6 + 2S + F} doubles), then the position: the index, on the refit window's axis, of the next value.
 * {@link #refit} fits ({@link ProphetFitter}, allocation-free once warm) and sets the position to {@code n};
 * {@link #update} only advances it (Prophet has no recursive state: the fitted curve stays until the next refit);
 * {@link #forecast} evaluates the curve at the next {@code horizon} positions, allocation-free. One instance per
 * thread (the fitter's scratch).
 */
public final class ProphetOnlineModel implements OnlineModel {
    private final ProphetFitter fitter;
    private final int changepoints;
    private final int packedLength;
    private final double stepSeconds;
    private final double[] times;
    private final double[] window;
    private final double[] periods;
    private final int[] orders;
    private final boolean[] isMultiplicative;

    /**
     * @param maxLength the longest refit window.
     * @param season    the season length m in ticks (one day).
     */
    public ProphetOnlineModel(final int maxLength, final int season) {
        if (season < 1) {
            throw new IllegalArgumentException("season must be at least one tick [season=" + season + "]");
        }
        this.fitter = ProphetFitter.defaults(maxLength);
        this.changepoints = Math.max(1, fitter.maxChangepoints());
        final List<Seasonality> seasonalities = fitter.seasonalities();
        int width = 0;
        this.periods = new double[seasonalities.size()];
        this.orders = new int[seasonalities.size()];
        this.isMultiplicative = new boolean[seasonalities.size()];
        for (int q = 0; q < seasonalities.size(); q++) {
            final Seasonality seasonality = seasonalities.get(q);
            periods[q] = seasonality.periodDays();
            orders[q] = seasonality.fourierOrder();
            isMultiplicative[q] = seasonality.isMultiplicative();
            width += seasonality.columns();
        }
        this.packedLength = 6 + 2 * changepoints + width;
        this.stepSeconds = ProphetModel.SECONDS_PER_DAY / season;
        this.times = new double[maxLength];
        this.window = new double[maxLength];
    }

    @Override
    public String name() {
        return "prophet";
    }

    @Override
    public int stateLength() {
        return packedLength + 1;
    }

    @Override
    public boolean refit(final double[] y, final int n, final double[] state, final int offset) {
        final int length = Math.min(n, fitter.maxLength());
        if (length < ProphetFitter.MIN_LENGTH) {
            return false;
        }
        // fit the most recent values (copied: the caller's array is shared with other members), on an axis where
        // the window's first value is at position 0
        System.arraycopy(y, n - length, window, 0, length);
        if (!fitter.fit(0, stepSeconds, window, length, times)) {
            return false;
        }
        fitter.pack(state, offset, changepoints);
        state[offset + packedLength] = length;
        return true;
    }

    @Override
    public void update(final double[] state, final int offset, final double value) {
        state[offset + packedLength] += 1;
    }

    @Override
    public void forecast(final double[] state, final int offset, final int horizon, final double[] out,
        final int outOffset) {
        final double position = state[offset + packedLength];
        for (int h = 0; h < horizon; h++) {
            out[outOffset + h] = yhat(state, offset, (position + h) * stepSeconds);
        }
    }

    /** The point forecast of the packed model at {@code offset} for {@code sec}: {@link ProphetModel#predict}. */
    private double yhat(final double[] p, final int offset, final double sec) {
        final double start = p[offset];
        final double tScale = p[offset + 1];
        final double yScale = p[offset + 2];
        final double floor = p[offset + 3];
        final int deltaAt = offset + 6;
        final int changepointAt = deltaAt + changepoints;
        final int betaAt = changepointAt + changepoints;
        final double t = (sec - start) / tScale;
        double kt = p[offset + 4];
        double mt = p[offset + 5];
        for (int s = 0; s < changepoints; s++) {
            if (t >= p[changepointAt + s]) {
                kt += p[deltaAt + s];
                mt += -p[changepointAt + s] * p[deltaAt + s];
            }
        }
        final double trend = (kt * t + mt) * yScale + floor;
        final double td = sec / ProphetModel.SECONDS_PER_DAY;
        double additive = 0;
        double multiplicative = 0;
        int column = betaAt;
        for (int q = 0; q < periods.length; q++) {
            double component = 0;
            for (int i = 1; i <= orders[q]; i++) {
                final double x = 2.0 * i * Math.PI * td / periods[q];
                component += Math.sin(x) * p[column] + Math.cos(x) * p[column + 1];
                column += 2;
            }
            if (isMultiplicative[q]) {
                multiplicative += component;
            } else {
                additive += component * yScale;
            }
        }
        return trend * (1 + multiplicative) + additive;
    }
}
