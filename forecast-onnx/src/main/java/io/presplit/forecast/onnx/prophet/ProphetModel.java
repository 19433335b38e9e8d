package io.presplit.forecast.onnx.prophet;

import java.util.Arrays;
import java.util.List;

/**
 * The parameters of one fitted Prophet model with linear (or flat) growth, and a plain-Java evaluation of its point
 * forecast: the reference that the ONNX graph ({@link ProphetGraph}) is tested against.
 * <p>
 * Algorithm (Prophet's {@code predict()} for a MAP fit; Taylor &amp; Letham 2018, "Forecasting at scale", The
 * American Statistician 72(1), eqs. 1–3; the step numbers of the fixture README), for a row at {@code sec} epoch
 * seconds (UTC):
 * <pre>
 *   t      = (sec - start) / tScale                                 // scaled time: 0..1 over the history
 *   k_t    = k + Σ_{s: t &gt;= c_s} δ_s;   m_t = m + Σ_{s: t &gt;= c_s} (-c_s δ_s)
 *   trend  = (k_t t + m_t) yScale + floor
 *   td     = sec / 86400                                            // absolute days since 1970-01-01T00:00Z
 *   X[j]   = sin / cos(2 i π td / P) of seasonality (P, i)           // columns in seasonality order
 *   comp_q = Σ_{j in q} X[j] β_j  (× yScale when q is additive)
 *   additive_terms = Σ additive comp_q;  multiplicative_terms = Σ multiplicative comp_q
 *   yhat   = trend (1 + multiplicative_terms) + additive_terms
 * </pre>
 * Growth {@code flat} is linear growth with {@code k = 0} and no changepoints. Logistic growth, holidays, extra
 * regressors and conditional seasonalities are not supported (the importer refuses them with a clear error).
 * <p>
 * Immutable; arrays are copied in and out. {@link #predict} allocates nothing; it is the cold-path reference, not
 * the served path.
 */
public final class ProphetModel {
    /** Seconds per day: Prophet's seasonal time is {@code sec / 86400}. */
    public static final double SECONDS_PER_DAY = 86_400.0;

    private final double start;
    private final double tScale;
    private final double yScale;
    private final double floor;
    private final double k;
    private final double m;
    private final double[] delta;
    private final double[] changepointsT;
    private final double[] beta;
    private final double sigmaObs;
    private final List<Seasonality> seasonalities;
    private final int columns;

    /**
     * @param start         epoch seconds (UTC) of the first training row.
     * @param tScale        seconds from the first to the last training row (&gt; 0).
     * @param yScale        the scale of {@code y} ({@code max |y - floor|} for absmax scaling; &gt; 0).
     * @param floor         added to the trend in {@code y} units (0 unless Prophet's minmax scaling).
     * @param k             base growth rate (scaled units per scaled time).
     * @param m             offset (scaled units).
     * @param delta         rate changes at the changepoints.
     * @param changepointsT changepoints in scaled time, ascending, as many as {@code delta}.
     * @param beta          seasonal coefficients, one per feature column in seasonality order.
     * @param sigmaObs      observation noise standard deviation (scaled units; 0 if unknown).
     * @param seasonalities the seasonalities, in feature-column order.
     */
    public ProphetModel(final double start, final double tScale, final double yScale, final double floor,
        final double k, final double m, final double[] delta, final double[] changepointsT, final double[] beta,
        final double sigmaObs, final List<Seasonality> seasonalities) {
        if (!Double.isFinite(start) || !(tScale > 0) || !(yScale > 0) || !Double.isFinite(floor)
            || !Double.isFinite(k) || !Double.isFinite(m) || delta == null || changepointsT == null || beta == null
            || seasonalities == null || seasonalities.isEmpty()) {
            throw new IllegalArgumentException("invalid Prophet model [start=" + start + ", tScale=" + tScale
                + ", yScale=" + yScale + ", floor=" + floor + ", k=" + k + ", m=" + m + ", seasonalities="
                + seasonalities + "]");
        }
        if (delta.length != changepointsT.length) {
            throw new IllegalArgumentException("changepoints and deltas differ in number [changepoints="
                + changepointsT.length + ", deltas=" + delta.length + "]");
        }
        for (int s = 1; s < changepointsT.length; s++) {
            if (!(changepointsT[s] >= changepointsT[s - 1])) {
                throw new IllegalArgumentException("changepoints are not ascending [index=" + s + ", changepoint="
                    + changepointsT[s] + ", previous=" + changepointsT[s - 1] + "]");
            }
        }
        int width = 0;
        for (final Seasonality seasonality : seasonalities) {
            width += seasonality.columns();
        }
        if (beta.length != width) {
            throw new IllegalArgumentException("beta does not match the seasonalities' feature columns [beta="
                + beta.length + ", columns=" + width + ", seasonalities=" + seasonalities + "]");
        }
        this.start = start;
        this.tScale = tScale;
        this.yScale = yScale;
        this.floor = floor;
        this.k = k;
        this.m = m;
        this.delta = delta.clone();
        this.changepointsT = changepointsT.clone();
        this.beta = beta.clone();
        this.sigmaObs = sigmaObs;
        this.seasonalities = List.copyOf(seasonalities);
        this.columns = width;
    }

    /** Epoch seconds (UTC) of the first training row. */
    public double start() {
        return start;
    }

    /** Seconds from the first to the last training row. */
    public double tScale() {
        return tScale;
    }

    /** The scale of {@code y}. */
    public double yScale() {
        return yScale;
    }

    /** Added to the trend, in {@code y} units. */
    public double floor() {
        return floor;
    }

    /** Base growth rate. */
    public double k() {
        return k;
    }

    /** Offset. */
    public double m() {
        return m;
    }

    /** Rate changes at the changepoints (a copy). */
    public double[] delta() {
        return delta.clone();
    }

    /** Changepoints in scaled time, ascending (a copy). */
    public double[] changepointsT() {
        return changepointsT.clone();
    }

    /** Number of changepoints. */
    public int changepointCount() {
        return delta.length;
    }

    /** Seasonal coefficients in feature-column order (a copy). */
    public double[] beta() {
        return beta.clone();
    }

    /** Observation noise standard deviation, scaled units. */
    public double sigmaObs() {
        return sigmaObs;
    }

    /** The seasonalities in feature-column order. */
    public List<Seasonality> seasonalities() {
        return seasonalities;
    }

    /** Number of seasonal feature columns. */
    public int columns() {
        return columns;
    }

    /** Copies the deltas into {@code out[offset..offset+S)}. */
    void copyDelta(final double[] out, final int offset) {
        System.arraycopy(delta, 0, out, offset, delta.length);
    }

    /** Copies the changepoints into {@code out[offset..offset+S)}. */
    void copyChangepoints(final double[] out, final int offset) {
        System.arraycopy(changepointsT, 0, out, offset, changepointsT.length);
    }

    /** Copies beta into {@code out[offset..offset+F)}. */
    void copyBeta(final double[] out, final int offset) {
        System.arraycopy(beta, 0, out, offset, beta.length);
    }

    /**
     * Evaluates the point forecast at {@code epochSeconds[0..n)} into {@code out} (see the class comment).
     * Allocation-free.
     *
     * @throws IllegalArgumentException if {@code out} is smaller than {@code n} rows or has other seasonalities.
     */
    public void predict(final double[] epochSeconds, final int n, final Components out) {
        if (out.capacity() < n || out.seasonalityCount() != seasonalities.size()) {
            throw new IllegalArgumentException("components do not fit [rows=" + n + ", capacity=" + out.capacity()
                + ", seasonalities=" + seasonalities.size() + ", outSeasonalities=" + out.seasonalityCount() + "]");
        }
        for (int row = 0; row < n; row++) {
            final double sec = epochSeconds[row];
            final double tr = trend(sec);
            final double td = sec / SECONDS_PER_DAY;
            double additive = 0;
            double multiplicative = 0;
            int column = 0;
            for (int q = 0; q < seasonalities.size(); q++) {
                final Seasonality seasonality = seasonalities.get(q);
                double component = 0;
                for (int i = 1; i <= seasonality.fourierOrder(); i++) {
                    // left to right as Prophet writes it, so that the rounding is the same
                    final double x = 2.0 * i * Math.PI * td / seasonality.periodDays();
                    component += Math.sin(x) * beta[column] + Math.cos(x) * beta[column + 1];
                    column += 2;
                }
                if (seasonality.isMultiplicative()) {
                    multiplicative += component;
                } else {
                    component *= yScale;
                    additive += component;
                }
                out.seasonal[q][row] = component;
            }
            out.trend[row] = tr;
            out.additiveTerms[row] = additive;
            out.multiplicativeTerms[row] = multiplicative;
            out.yhat[row] = tr * (1 + multiplicative) + additive;
        }
    }

    /** The trend at {@code sec} epoch seconds, in {@code y} units. */
    public double trend(final double sec) {
        final double t = (sec - start) / tScale;
        double kt = k;
        double mt = m;
        for (int s = 0; s < changepointsT.length; s++) {
            if (t >= changepointsT[s]) {
                kt += delta[s];
                mt += -changepointsT[s] * delta[s];
            }
        }
        return (kt * t + mt) * yScale + floor;
    }

    @Override
    public String toString() {
        return "ProphetModel[start=" + start + ", tScale=" + tScale + ", yScale=" + yScale + ", k=" + k + ", m=" + m
            + ", changepoints=" + delta.length + ", seasonalities=" + seasonalities + ", beta="
            + Arrays.toString(beta) + "]";
    }

    /**
     * The point forecast and its parts for up to {@code capacity} rows, in {@code y} units (multiplicative parts
     * as fractions of the trend). Filled by {@link #predict}; reusable.
     */
    public static final class Components {
        final double[] trend;
        final double[] additiveTerms;
        final double[] multiplicativeTerms;
        final double[] yhat;
        final double[][] seasonal;

        /**
         * @param capacity         rows.
         * @param seasonalityCount seasonalities of the model it will hold.
         */
        public Components(final int capacity, final int seasonalityCount) {
            this.trend = new double[capacity];
            this.additiveTerms = new double[capacity];
            this.multiplicativeTerms = new double[capacity];
            this.yhat = new double[capacity];
            this.seasonal = new double[seasonalityCount][capacity];
        }

        /** Rows it holds. */
        public int capacity() {
            return trend.length;
        }

        /** Seasonalities it holds. */
        public int seasonalityCount() {
            return seasonal.length;
        }

        /** Trend of row {@code row}. */
        public double trend(final int row) {
            return trend[row];
        }

        /** Seasonality {@code q} (model order) of row {@code row}. */
        public double seasonal(final int q, final int row) {
            return seasonal[q][row];
        }

        /** Sum of the additive components of row {@code row}. */
        public double additiveTerms(final int row) {
            return additiveTerms[row];
        }

        /** Sum of the multiplicative components of row {@code row}. */
        public double multiplicativeTerms(final int row) {
            return multiplicativeTerms[row];
        }

        /** The point forecast of row {@code row}. */
        public double yhat(final int row) {
            return yhat[row];
        }
    }
}
