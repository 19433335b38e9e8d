package io.presplit.forecast;

/**
 * A combination of {@link SeriesModel}s weighted by their out-of-sample accuracy on the series' own most recent
 * window.
 * <p>
 * Algorithm: each member is fitted to {@code y[0..n-v)} and forecasts the last {@code v = min(horizon, n/4)}
 * values; its mean absolute error there, {@code MAE_k}, gives the weight {@code w_k = MAE_k^-p / Σ_j MAE_j^-p}
 * (inverse-error weighting, Bates &amp; Granger 1969 with absolute instead of squared error; {@code p} sharpens it,
 * {@code p = 2} matches inverse-MSE for errors of one shape). Then every member is refitted to the whole series and
 * the forecasts are combined with those weights. Members that fail the validation fit get weight zero unless all
 * do, in which case weights are equal. The last weights are inspectable by {@link #weight(int)}.
 * <p>
 * Cost: two fits per member. One instance per thread; allocation-free after construction.
 */
public final class EnsembleModel implements SeriesModel {
    private final SeriesModel[] members;
    private final double power;
    private final double[] weights;
    private final double[] scratch;
    private final double[] sum;

    /**
     * @param members    the models (guard them with {@link GuardedModel} so each always forecasts).
     * @param power      the sharpening exponent p (&gt; 0).
     * @param maxHorizon the longest horizon it will be asked for.
     */
    public EnsembleModel(final SeriesModel[] members, final double power, final int maxHorizon) {
        if (members.length < 1 || !(power > 0) || maxHorizon < 1) {
            throw new IllegalArgumentException("invalid ensemble [members=" + members.length + ", power=" + power
                + ", maxHorizon=" + maxHorizon + "]");
        }
        this.members = members.clone();
        this.power = power;
        this.weights = new double[members.length];
        this.scratch = new double[maxHorizon];
        this.sum = new double[maxHorizon];
    }

    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon, final double[] out) {
        final int k = members.length;
        final int v = Math.min(horizon, n / 4);
        double total = 0;
        for (int i = 0; i < k; i++) {
            weights[i] = 0;
            if (v >= 1 && members[i].fitForecast(y, n - v, season, v, scratch)) {
                double mae = 0;
                for (int h = 0; h < v; h++) {
                    mae += Math.abs(y[n - v + h] - scratch[h]);
                }
                mae /= v;
                // a perfect member would take all the weight; keep it finite
                final double w = Math.pow(Math.max(mae, 1e-12), -power);
                if (Double.isFinite(w)) {
                    weights[i] = w;
                    total += w;
                }
            }
        }
        if (!(total > 0)) {
            for (int i = 0; i < k; i++) {
                weights[i] = 1;
            }
            total = k;
        }
        for (int h = 0; h < horizon; h++) {
            sum[h] = 0;
        }
        double used = 0;
        for (int i = 0; i < k; i++) {
            weights[i] /= total;
            if (weights[i] > 0 && members[i].fitForecast(y, n, season, horizon, scratch)) {
                used += weights[i];
                for (int h = 0; h < horizon; h++) {
                    sum[h] += weights[i] * scratch[h];
                }
            }
        }
        if (!(used > 0)) {
            return false;
        }
        for (int h = 0; h < horizon; h++) {
            out[h] = sum[h] / used;
        }
        return true;
    }

    /** The weight of member {@code i} in the last forecast (weights sum to 1). */
    public double weight(final int i) {
        return weights[i];
    }

    /** Number of members. */
    public int memberCount() {
        return members.length;
    }

    /** Member {@code i}. */
    public SeriesModel member(final int i) {
        return members[i];
    }
}
