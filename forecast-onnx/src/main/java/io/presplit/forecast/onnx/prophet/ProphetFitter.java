package io.presplit.forecast.onnx.prophet;

import java.util.List;

/**
 * Fits a Prophet-style model to one series in Java: piecewise-linear trend with automatic changepoints plus Fourier
 * seasonalities, by maximum a posteriori (MAP) estimation under Prophet's priors, optimized with {@link Lbfgs}.
 * <p>
 * Set-up, as Prophet's {@code fit} does it (Taylor &amp; Letham 2018; {@code prophet/forecaster.py}):
 * <pre>
 *   yScale = max |y|  (1 if all zero);  ys = y / yScale;  t = (sec - sec_0) / (sec_{n-1} - sec_0)
 *   changepoints: S = min(nChangepoints, floor(n range) - 1) rows at rint(linspace(0, floor(n range) - 1, S + 1))[1..]
 *   features X: sin/cos(2 i π td / P) per seasonality, td = sec / 86400 (as {@link ProphetModel}); a seasonality
 *               takes part only if the history spans two of its periods (Prophet's auto rule), else β = 0
 *   start: k = ys_{n-1} - ys_0,  m = ys_0,  δ = 0,  β = 0,  σ = 1
 * </pre>
 * Objective: the negative log posterior of Prophet's Stan model ({@code prophet.stan}, linear growth, additive
 * seasonalities), up to constants:
 * <pre>
 *   f = Σ r_i² / (2σ²) + n log σ                          r_i = ys_i - trend_i - X_i β   (normal likelihood)
 *     + k² / (2·5²) + m² / (2·5²)                          k, m ~ normal(0, 5)
 *     + Σ_s |δ_s|_ε / τ                                     δ ~ Laplace(0, τ), τ = changepoint prior scale
 *     + Σ_j β_j² / (2 s_j²)                                 β ~ normal(0, s_j), s_j = the seasonality's prior scale
 *     + σ² / (2·0.5²)                                       σ ~ half-normal(0, 0.5)
 * </pre>
 * with σ optimized as {@code log σ} (a change of variable that keeps σ positive; without a Jacobian term, so the
 * optimum is the same MAP point, as Stan's optimizer does by default). The one documented departure: the Laplace
 * prior's {@code |δ|} is smoothed to {@code |δ|_ε = sqrt(δ² + ε²) - ε}, {@code ε = }{@value #LAPLACE_SMOOTHING},
 * so that the objective is differentiable for L-BFGS (Stan's L-BFGS runs on the kinked function and stops near the
 * kink; both leave the unsupported deltas near zero). Gradients are analytic; the trend and the changepoint
 * gradients are O(n + S) by running sums over the sorted times.
 * <p>
 * Threading: one thread per instance. {@link #fit} allocates nothing once the instance has seen a series of each
 * changepoint count (the optimizer for each count is created on first use); {@link #model} allocates the result.
 */
public final class ProphetFitter {
    /** Smoothing ε of the Laplace prior's absolute value, in scaled rate units. */
    public static final double LAPLACE_SMOOTHING = 1e-4;
    /** Prophet's default number of potential changepoints. */
    public static final int DEFAULT_CHANGEPOINTS = 25;
    /** Prophet's default share of the history in which changepoints are placed. */
    public static final double DEFAULT_CHANGEPOINT_RANGE = 0.8;
    /** Prophet's default changepoint prior scale τ. */
    public static final double DEFAULT_CHANGEPOINT_PRIOR_SCALE = 0.05;
    /** Prophet's default seasonality prior scale. */
    public static final double DEFAULT_SEASONALITY_PRIOR_SCALE = 10;
    /** The shortest series fitted. */
    public static final int MIN_LENGTH = 4;

    private static final double K_M_PRIOR = 5;
    private static final double SIGMA_PRIOR = 0.5;
    private static final int MEMORY = 10;

    private final int maxLength;
    private final List<Seasonality> seasonalities;
    private final int columns;
    private final int maxChangepoints;
    private final double changepointRange;
    private final double tau;
    private final int maxIterations;
    private final double relativeTolerance;
    private final Lbfgs[] optimizers;
    private final Objective objective = new Objective();

    // Scratch, sized maxLength; the fitted series is rows [0, n).
    private final double[] t;
    private final double[] ys;
    private final double[] features;
    private final double[] residual;
    private final int[] changepointRow;
    private final double[] changepointT;
    private final double[] x;
    private final double[] priorVariance;
    private final boolean[] isColumnActive;

    // The last fit.
    private int n;
    private int changepoints;
    private double start;
    private double tScale;
    private double yScale;
    private boolean isFitted;
    private int status;

    /**
     * @param maxLength             the longest series fitted (longer ones: the caller passes the recent part).
     * @param seasonalities         the seasonalities, additive, in feature-column order.
     * @param maxChangepoints       the number of potential changepoints (Prophet's {@code n_changepoints}).
     * @param changepointRange      the share of the history holding changepoints, in (0, 1].
     * @param changepointPriorScale τ, the Laplace prior's scale.
     * @param maxIterations         L-BFGS iteration limit.
     * @param relativeTolerance     L-BFGS relative decrease at which it stops.
     */
    public ProphetFitter(final int maxLength, final List<Seasonality> seasonalities, final int maxChangepoints,
        final double changepointRange, final double changepointPriorScale, final int maxIterations,
        final double relativeTolerance) {
        if (maxLength < MIN_LENGTH || seasonalities == null || seasonalities.isEmpty() || maxChangepoints < 0
            || !(changepointRange > 0 && changepointRange <= 1) || !(changepointPriorScale > 0) || maxIterations < 1
            || !(relativeTolerance >= 0)) {
            throw new IllegalArgumentException("invalid Prophet fitter [maxLength=" + maxLength + ", seasonalities="
                + seasonalities + ", maxChangepoints=" + maxChangepoints + ", changepointRange=" + changepointRange
                + ", changepointPriorScale=" + changepointPriorScale + ", maxIterations=" + maxIterations + "]");
        }
        for (final Seasonality seasonality : seasonalities) {
            if (seasonality.isMultiplicative()) {
                throw new IllegalArgumentException("the fitter supports additive seasonalities only [seasonality="
                    + seasonality + "]");
            }
        }
        this.maxLength = maxLength;
        this.seasonalities = List.copyOf(seasonalities);
        int width = 0;
        for (final Seasonality seasonality : seasonalities) {
            width += seasonality.columns();
        }
        this.columns = width;
        this.maxChangepoints = maxChangepoints;
        this.changepointRange = changepointRange;
        this.tau = changepointPriorScale;
        this.maxIterations = maxIterations;
        this.relativeTolerance = relativeTolerance;
        this.optimizers = new Lbfgs[maxChangepoints + 1];
        this.t = new double[maxLength];
        this.ys = new double[maxLength];
        this.features = new double[maxLength * width];
        this.residual = new double[maxLength];
        this.changepointRow = new int[maxChangepoints];
        this.changepointT = new double[maxChangepoints];
        this.x = new double[3 + maxChangepoints + width];
        this.priorVariance = new double[width];
        this.isColumnActive = new boolean[width];
        int column = 0;
        for (final Seasonality seasonality : seasonalities) {
            for (int c = 0; c < seasonality.columns(); c++) {
                priorVariance[column++] = seasonality.priorScale() * seasonality.priorScale();
            }
        }
    }

    /**
     * Prophet's defaults for hourly-or-finer data: weekly (order 3) and daily (order 4) additive seasonalities with
     * prior scale 10, 25 changepoints in the first 80 %, τ = 0.05; at most 2,000 L-BFGS iterations.
     */
    public static ProphetFitter defaults(final int maxLength) {
        return new ProphetFitter(maxLength, defaultSeasonalities(), DEFAULT_CHANGEPOINTS,
            DEFAULT_CHANGEPOINT_RANGE, DEFAULT_CHANGEPOINT_PRIOR_SCALE, 2_000, 1e-12);
    }

    /** Weekly (P = 7, order 3) then daily (P = 1, order 4), additive, prior scale 10: Prophet's order. */
    public static List<Seasonality> defaultSeasonalities() {
        return List.of(Seasonality.additive("weekly", 7, 3, DEFAULT_SEASONALITY_PRIOR_SCALE),
            Seasonality.additive("daily", 1, 4, DEFAULT_SEASONALITY_PRIOR_SCALE));
    }

    /** The seasonalities fitted. */
    public List<Seasonality> seasonalities() {
        return seasonalities;
    }

    /** The number of potential changepoints (the graph layout's S). */
    public int maxChangepoints() {
        return maxChangepoints;
    }

    /** The longest series fitted. */
    public int maxLength() {
        return maxLength;
    }

    /** The L-BFGS status of the last fit ({@link Lbfgs#CONVERGED_OBJECTIVE}, ...). */
    public int status() {
        return status;
    }

    /** L-BFGS iterations of the last fit. */
    public int iterations() {
        return optimizers[changepoints] == null ? 0 : optimizers[changepoints].iterations();
    }

    /**
     * Fits {@code y[0..n)} observed at {@code epochSeconds[0..n)} (strictly increasing). Allocation-free after
     * warm-up (see the class comment).
     *
     * @return whether a finite fit was found; if not, {@link #model} and {@link #pack} refuse.
     * @throws IllegalArgumentException if {@code n} is outside {@code [MIN_LENGTH, maxLength]}.
     */
    public boolean fit(final double[] epochSeconds, final double[] y, final int length) {
        if (length < MIN_LENGTH || length > maxLength) {
            throw new IllegalArgumentException("series length outside the fitter [length=" + length + ", min="
                + MIN_LENGTH + ", max=" + maxLength + "]");
        }
        isFitted = false;
        n = length;
        start = epochSeconds[0];
        tScale = epochSeconds[length - 1] - start;
        if (!(tScale > 0)) {
            return false;
        }
        double scale = 0;
        for (int i = 0; i < length; i++) {
            if (!Double.isFinite(y[i])) {
                return false;
            }
            scale = Math.max(scale, Math.abs(y[i]));
        }
        yScale = scale > 0 ? scale : 1;
        for (int i = 0; i < length; i++) {
            t[i] = (epochSeconds[i] - start) / tScale;
            ys[i] = y[i] / yScale;
            writeFeatures(epochSeconds[i], i);
        }
        placeChangepoints();
        activateSeasonalities(tScale);

        final int dimension = 3 + changepoints + columns;
        Lbfgs optimizer = optimizers[changepoints];
        if (optimizer == null) {
            optimizer = new Lbfgs(dimension, MEMORY);
            optimizers[changepoints] = optimizer;
        }
        // Prophet's linear_growth_init, deltas and betas at 0, sigma at 1
        x[0] = ys[length - 1] - ys[0];
        x[1] = ys[0];
        for (int i = 2; i < dimension; i++) {
            x[i] = 0;
        }
        status = optimizer.minimize(objective, x, maxIterations, relativeTolerance, 1e-10);
        for (int i = 0; i < dimension; i++) {
            if (!Double.isFinite(x[i])) {
                return false;
            }
        }
        isFitted = true;
        return true;
    }

    /** Same, for a series on a regular grid: row {@code i} at {@code firstSecond + i * stepSeconds}. */
    public boolean fit(final double firstSecond, final double stepSeconds, final double[] y, final int length,
        final double[] timeScratch) {
        for (int i = 0; i < length; i++) {
            timeScratch[i] = firstSecond + i * stepSeconds;
        }
        return fit(timeScratch, y, length);
    }

    /** The last fit as a model. Allocates. */
    public ProphetModel model() {
        requireFit();
        final double[] delta = new double[changepoints];
        final double[] cps = new double[changepoints];
        final double[] beta = new double[columns];
        System.arraycopy(x, 2, delta, 0, changepoints);
        System.arraycopy(changepointT, 0, cps, 0, changepoints);
        System.arraycopy(x, 2 + changepoints, beta, 0, columns);
        return new ProphetModel(start, tScale, yScale, 0, x[0], x[1], delta, cps, beta,
            Math.exp(x[2 + changepoints + columns]), seasonalities);
    }

    /**
     * Writes the last fit in {@link ProphetBatch}'s packed layout for a graph of {@code graphChangepoints}
     * changepoints ({@code >= } this fit's), padding with zero deltas. Allocation-free.
     */
    public void pack(final double[] out, final int offset, final int graphChangepoints) {
        requireFit();
        if (graphChangepoints < changepoints) {
            throw new IllegalArgumentException("graph has fewer changepoints than the fit [graph="
                + graphChangepoints + ", fit=" + changepoints + "]");
        }
        out[offset] = start;
        out[offset + 1] = tScale;
        out[offset + 2] = yScale;
        out[offset + 3] = 0;
        out[offset + 4] = x[0];
        out[offset + 5] = x[1];
        final int deltaAt = offset + 6;
        final int changepointAt = deltaAt + graphChangepoints;
        final int betaAt = changepointAt + graphChangepoints;
        for (int s = 0; s < graphChangepoints; s++) {
            out[deltaAt + s] = s < changepoints ? x[2 + s] : 0;
            out[changepointAt + s] = s < changepoints ? changepointT[s] : 0;
        }
        System.arraycopy(x, 2 + changepoints, out, betaAt, columns);
    }

    /** The residual standard deviation of the last fit, in {@code y} units: {@code σ yScale}. */
    public double sigma() {
        requireFit();
        return Math.exp(x[2 + changepoints + columns]) * yScale;
    }

    /**
     * The objective (negative log posterior, smoothed as in the class comment) of the last fit's data at
     * {@code model}'s parameters, which must use the same changepoints: lets a test compare our optimum with another
     * optimizer's. Allocates.
     */
    double objectiveAt(final ProphetModel model) {
        final double[] c = model.changepointsT();
        if (c.length != changepoints) {
            throw new IllegalArgumentException("changepoints differ [model=" + c.length + ", fit=" + changepoints
                + "]");
        }
        final double[] p = new double[3 + changepoints + columns];
        p[0] = model.k();
        p[1] = model.m();
        model.copyDelta(p, 2);
        model.copyBeta(p, 2 + changepoints);
        p[2 + changepoints + columns] = Math.log(model.sigmaObs());
        return objective.evaluate(p, new double[p.length]);
    }

    /** The changepoints of the last fit, scaled time (a copy). */
    double[] changepointsT() {
        final double[] out = new double[changepoints];
        System.arraycopy(changepointT, 0, out, 0, changepoints);
        return out;
    }

    private void requireFit() {
        if (!isFitted) {
            throw new IllegalStateException("no successful fit [status=" + status + ", length=" + n + "]");
        }
    }

    private void writeFeatures(final double sec, final int row) {
        final double td = sec / ProphetModel.SECONDS_PER_DAY;
        int column = row * columns;
        for (int q = 0; q < seasonalities.size(); q++) {
            final Seasonality seasonality = seasonalities.get(q);
            for (int i = 1; i <= seasonality.fourierOrder(); i++) {
                final double arg = 2.0 * i * Math.PI * td / seasonality.periodDays();
                features[column++] = Math.sin(arg);
                features[column++] = Math.cos(arg);
            }
        }
    }

    /**
     * Prophet's rule for its automatic seasonalities: a seasonality takes part only if the history spans at least
     * two of its periods (weekly from 14 days, daily from 2 days); otherwise its coefficients stay 0. Without it a
     * weekly term fitted on a few days trades off against the trend and extrapolates wildly.
     */
    private void activateSeasonalities(final double spanSeconds) {
        int column = 0;
        for (int q = 0; q < seasonalities.size(); q++) {
            final Seasonality seasonality = seasonalities.get(q);
            final boolean isActive = spanSeconds >= 2 * seasonality.periodDays() * ProphetModel.SECONDS_PER_DAY;
            for (int c = 0; c < seasonality.columns(); c++) {
                isColumnActive[column++] = isActive;
            }
        }
    }

    /** Prophet's automatic changepoints: evenly spaced rows of the first {@code changepointRange} of the history. */
    private void placeChangepoints() {
        final int histSize = (int) Math.floor(n * changepointRange);
        final int count = Math.max(0, Math.min(maxChangepoints, histSize - 1));
        for (int s = 0; s < count; s++) {
            // numpy linspace(0, histSize - 1, count + 1), rounded half to even, skipping the first
            final int row = (int) Math.rint((s + 1) * ((double) (histSize - 1) / count));
            changepointRow[s] = row;
            changepointT[s] = t[row];
        }
        changepoints = count;
    }

    /** The negative log posterior and its gradient over {@code [k, m, δ_0..δ_{S-1}, β_0..β_{F-1}, log σ]}. */
    private final class Objective implements Lbfgs.Objective {
        @Override
        public double evaluate(final double[] p, final double[] g) {
            final int rows = n;
            final int cps = changepoints;
            final int f = columns;
            final double k = p[0];
            final double m = p[1];
            final int betaAt = 2 + cps;
            final double logSigma = p[betaAt + f];
            final double sigma = Math.exp(logSigma);
            final double inverseVariance = 1.0 / (sigma * sigma);

            // residuals: the trend by running sums of the active changepoints, then the seasonal part
            double sumSquares = 0;
            double kt = k;
            double mt = m;
            int next = 0;
            for (int i = 0; i < rows; i++) {
                final double ti = t[i];
                while (next < cps && ti >= changepointT[next]) {
                    kt += p[2 + next];
                    mt -= changepointT[next] * p[2 + next];
                    next++;
                }
                double fitted = kt * ti + mt;
                final int base = i * f;
                for (int j = 0; j < f; j++) {
                    fitted += features[base + j] * p[betaAt + j];
                }
                final double r = ys[i] - fitted;
                residual[i] = r;
                sumSquares += r * r;
            }

            // gradient of the likelihood: -r/σ² times d(fitted)/dθ
            double gk = 0;
            double gm = 0;
            for (int j = 0; j < f; j++) {
                g[betaAt + j] = 0;
            }
            for (int i = 0; i < rows; i++) {
                final double r = residual[i];
                gk += r * t[i];
                gm += r;
                final int base = i * f;
                for (int j = 0; j < f; j++) {
                    g[betaAt + j] += r * features[base + j];
                }
            }
            // δ_s acts on rows at or after its changepoint: Σ_{i ≥ row_s} r_i (t_i - c_s), by suffix sums
            double suffixR = 0;
            double suffixRt = 0;
            int row = rows - 1;
            for (int s = cps - 1; s >= 0; s--) {
                final double c = changepointT[s];
                while (row >= 0 && t[row] >= c) {
                    suffixR += residual[row];
                    suffixRt += residual[row] * t[row];
                    row--;
                }
                g[2 + s] = -(suffixRt - c * suffixR) * inverseVariance;
            }
            g[0] = -gk * inverseVariance;
            g[1] = -gm * inverseVariance;
            for (int j = 0; j < f; j++) {
                g[betaAt + j] *= -inverseVariance;
            }

            // priors
            double value = 0.5 * sumSquares * inverseVariance + rows * logSigma;
            final double kmVariance = K_M_PRIOR * K_M_PRIOR;
            value += 0.5 * (k * k + m * m) / kmVariance;
            g[0] += k / kmVariance;
            g[1] += m / kmVariance;
            for (int s = 0; s < cps; s++) {
                final double d = p[2 + s];
                final double smooth = Math.sqrt(d * d + LAPLACE_SMOOTHING * LAPLACE_SMOOTHING);
                value += (smooth - LAPLACE_SMOOTHING) / tau;
                g[2 + s] += d / (smooth * tau);
            }
            for (int j = 0; j < f; j++) {
                final double b = p[betaAt + j];
                value += 0.5 * b * b / priorVariance[j];
                // an inactive seasonality's coefficients have no gradient: L-BFGS never moves them from 0
                g[betaAt + j] = isColumnActive[j] ? g[betaAt + j] + b / priorVariance[j] : 0;
            }
            final double sigmaVariance = SIGMA_PRIOR * SIGMA_PRIOR;
            value += 0.5 * sigma * sigma / sigmaVariance;
            // d/d(log σ): -Σr²/σ² + n + σ²/0.25
            g[betaAt + f] = -sumSquares * inverseVariance + rows + sigma * sigma / sigmaVariance;
            return value;
        }
    }
}
