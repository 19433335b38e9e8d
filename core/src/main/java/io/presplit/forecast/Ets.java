package io.presplit.forecast;

/**
 * Exponential smoothing with additive errors, an optional additive damped trend and additive seasonality: the
 * state-space models ETS(A,N,A) and ETS(A,Ad,A) (and ETS(A,N,N), ETS(A,Ad,N) when the season is 1; optionally also
 * ETS(M,N,M) and ETS(M,Ad,M), multiplicative errors and season, {@link #setMultiplicativeAllowed}), fitted by
 * maximum likelihood and chosen by AICc.
 * <p>
 * Model (Hyndman, Koehler, Ord &amp; Snyder 2008, <i>Forecasting with Exponential Smoothing</i>, table 2.3):
 * <pre>
 *   &#375;_t = l_{t-1} + &phi; b_{t-1} + s_{t-m}          e_t = y_t - &#375;_t
 *   l_t = l_{t-1} + &phi; b_{t-1} + &alpha; e_t
 *   b_t = &phi; b_{t-1} + &beta; e_t
 *   s_t = s_{t-m} + &gamma; e_t
 *   &#375;_{T+h|T} = l_T + (&phi; + &phi;&sup2; + ... + &phi;^h) b_T + s_{T+h-m(k+1)},  k = floor((h-1)/m)
 * </pre>
 * Fit: with additive errors the Gaussian likelihood concentrates to {@code -2 log L = n log(SSE / n) + const}
 * (ibid. §5.2); it is minimized over {@code (α, β, γ, φ)} by {@link NelderMead} in a logistic parametrization that
 * keeps the usual region {@code 0 < α < 1, 0 < β < α, 0 < γ < 1 - α, 0.8 ≤ φ ≤ 0.98} (as {@code forecast::ets}).
 * Initial states start from the heuristic of ibid. §2.6.1 (a 2&times;m moving-average decomposition of the first
 * seasons for the seasonal indices, normalized to sum zero; a regression line through the first two seasons of the
 * seasonally adjusted data for level and trend) and are then optimized by likelihood jointly with the smoothing
 * parameters, as R's {@code ets} does, but by block-coordinate descent rather than one simplex over all of them:
 * for fixed {@code (α, β, γ, φ)} an additive model's one-step errors are linear in the initial state
 * {@code x_0 = (l_0, b_0, s_{1-m}..s_0)} ({@code e = e⁰ + U x_0}, with {@code e⁰} the errors from a zero state and
 * column k of U the errors of the zero series from unit state k), so the SSE-minimizing {@code x_0} is a linear
 * least-squares solution, {@code x_0 = -(U'U)⁻¹ U'e⁰}, with the seasonal states constrained to sum to zero (the
 * level and a common seasonal shift are otherwise not identified); the fit alternates Nelder–Mead over the
 * smoothing parameters and this exact solve, {@value #INITIAL_STATE_ROUNDS} rounds, each never raising the SSE.
 * The initial states count as parameters in the AICc, {@code AICc = -2 log L + 2k + 2k(k+1)/(n-k-1)}.
 * <p>
 * After a fit the object holds the final state; {@link #update} advances it by one observation in O(1) and
 * {@link #forecast} writes a path. One instance per thread; {@link #fit} allocates nothing (buffers are sized at
 * construction by the longest season and series).
 */
public final class Ets {
    /** Length of the fixed part of a saved state ({@link #saveState}); the season follows. */
    public static final int STATE_HEADER_LENGTH = 10;
    private static final double PHI_LOW = 0.8;
    private static final double PHI_HIGH = 0.98;
    private static final double PARAM_FLOOR = 1e-4;
    private static final int INITIAL_STATE_ROUNDS = 2;

    private final int maxSeason;
    private final double[] season;
    private final double[] initSeason;
    private final double[] bestSeason;
    private final double[] point;
    private final double[] bestPoint;
    private final NelderMead optimizer;
    private final NelderMead.Objective objective;
    // lockstep systems for the initial-state solve: 0 = the series from a zero state, 1..p = zero series, unit state
    private final double[] sysLevel;
    private final double[] sysTrend;
    private final double[] sysSeason;
    private final double[] sysError;
    private final double[] normal;
    private final double[] rhs;
    private final double[] bestInitSeason;
    private boolean isOptimizingInitialStates = true;
    private boolean isMultiplicativeAllowed;
    private boolean bestIsMultiplicative;
    /** Whether the model under fit (or fitted) has multiplicative errors and season, ETS(M,N,M) / ETS(M,Ad,M). */
    private boolean isMultiplicative;
    /** The one-step prediction of the last {@link #step}, for the multiplicative likelihood's {@code Σ log μ_t}. */
    private double lastPrediction;
    /** {@code Σ log μ_t} of the last {@link #run} of a multiplicative model. */
    private double logPredictionSum;
    private double bestInitLevel;
    private double bestInitTrend;

    // series under fit
    private double[] y;
    private int n;
    private int m;
    private boolean hasTrend;
    private double initLevel;
    private double initTrend;

    // fitted model and state
    private double alpha;
    private double beta;
    private double gamma;
    private double phi;
    private double level;
    private double trend;
    private int seasonPos;
    private double sigma2;
    private double aicc;
    private boolean isFitted;
    private boolean bestHasTrend;

    /** @param maxSeason the longest season this instance will fit. */
    public Ets(final int maxSeason) {
        if (maxSeason < 1) {
            throw new IllegalArgumentException("season must be at least 1 [maxSeason=" + maxSeason + "]");
        }
        this.maxSeason = maxSeason;
        this.season = new double[maxSeason];
        this.initSeason = new double[maxSeason];
        this.bestSeason = new double[maxSeason];
        this.point = new double[4];
        this.bestPoint = new double[4];
        this.optimizer = new NelderMead(4);
        this.objective = this::criterion;
        final int systems = maxSeason + 2;
        this.sysLevel = new double[systems];
        this.sysTrend = new double[systems];
        this.sysSeason = new double[systems * maxSeason];
        this.sysError = new double[systems];
        this.normal = new double[systems * systems];
        this.rhs = new double[systems];
        this.bestInitSeason = new double[maxSeason];
    }

    /**
     * Whether fits optimize the initial states ({@code true}, the default) or keep the heuristic ones (the
     * behaviour before, kept for comparison).
     */
    public void setOptimizingInitialStates(final boolean isEnabled) {
        isOptimizingInitialStates = isEnabled;
    }

    /**
     * Whether fits also try the multiplicative models ETS(M,N,M) and ETS(M,Ad,M) (default {@code false}), on series
     * with a season and only positive values. Their initial states keep the heuristic (ratio to a moving average;
     * the errors are not linear in them, so the exact solve of the additive models does not apply).
     */
    public void setMultiplicativeAllowed(final boolean isAllowed) {
        isMultiplicativeAllowed = isAllowed;
    }

    /** Whether the chosen model is multiplicative (ETS(M,N,M) or ETS(M,Ad,M)). */
    public boolean isMultiplicative() {
        return isMultiplicative;
    }

    /**
     * Fits ETS(A,N,A) and ETS(A,Ad,A) (and, when allowed, ETS(M,N,M) and ETS(M,Ad,M)) to {@code y[0..n)} with
     * season {@code m} (1 = no season) and keeps the one with the lower AICc. Needs at least two seasons plus four
     * points ({@code n >= 2m + 4}); returns {@code false} (and keeps no model) when the series is shorter or no fit
     * has a finite likelihood.
     */
    public boolean fit(final double[] series, final int length, final int seasonLength) {
        if (seasonLength < 1 || seasonLength > maxSeason) {
            throw new IllegalArgumentException(
                "season outside this instance [season=" + seasonLength + ", maxSeason=" + maxSeason + "]");
        }
        isFitted = false;
        if (length < 2 * seasonLength + 4) {
            return false;
        }
        this.y = series;
        this.n = length;
        this.m = seasonLength;
        double bestAicc = Double.POSITIVE_INFINITY;
        final int variants = isMultiplicativeAllowed && m > 1 && isPositive(series, length) ? 4 : 2;
        for (int variant = 0; variant < variants; variant++) {
            hasTrend = variant % 2 == 1;
            isMultiplicative = variant >= 2;
            initialStates();
            // start: alpha 0.2, beta 0.1 alpha, gamma 0.05 (1 - alpha), phi 0.9 in the logistic coordinates
            point[0] = logit((0.2 - PARAM_FLOOR) / (1 - 2 * PARAM_FLOOR));
            point[1] = logit(0.1);
            point[2] = logit(0.05);
            point[3] = logit((0.9 - PHI_LOW) / (PHI_HIGH - PHI_LOW));
            double best = optimizer.minimize(objective, point, 1.0, 1e-8, 600);
            for (int round = 0; isOptimizingInitialStates && !isMultiplicative && Double.isFinite(best)
                && round < INITIAL_STATE_ROUNDS; round++) {
                setParameters(point);
                if (!optimizeInitialStates()) {
                    break;
                }
                best = optimizer.minimize(objective, point, 0.5, 1e-8, 300);
            }
            if (!Double.isFinite(best)) {
                continue;
            }
            final int k = (hasTrend ? 4 : 2) + 1 + (hasTrend ? 1 : 0) + (m > 1 ? m - 1 : 0) + 1;
            final double value = best + n * (1 + Math.log(2 * Math.PI))
                + 2.0 * k + (n - k - 1 > 0 ? 2.0 * k * (k + 1) / (n - k - 1) : Double.POSITIVE_INFINITY);
            if (value < bestAicc) {
                bestAicc = value;
                System.arraycopy(point, 0, bestPoint, 0, 4);
                isFitted = true;
                aicc = value;
                bestHasTrend = hasTrend;
                bestIsMultiplicative = isMultiplicative;
                bestInitLevel = initLevel;
                bestInitTrend = initTrend;
                System.arraycopy(initSeason, 0, bestInitSeason, 0, m);
            }
        }
        if (!isFitted) {
            return false;
        }
        hasTrend = bestHasTrend;
        isMultiplicative = bestIsMultiplicative;
        initLevel = bestInitLevel;
        initTrend = bestInitTrend;
        System.arraycopy(bestInitSeason, 0, initSeason, 0, m);
        setParameters(bestPoint);
        sigma2 = run() / n;
        return Double.isFinite(sigma2);
    }

    /** Advances the fitted state by one observation; returns the one-step error. O(1), allocation-free. */
    public double update(final double value) {
        return step(value);
    }

    /** Writes the point forecasts of steps 1..horizon into {@code out[offset..offset+horizon)}. */
    public void forecast(final int horizon, final double[] out, final int offset) {
        double dampSum = 0;
        double phiPower = 1;
        int pos = seasonPos;
        for (int h = 0; h < horizon; h++) {
            phiPower *= phi;
            dampSum += phiPower;
            final double base = level + (hasTrend ? dampSum * trend : 0);
            if (isMultiplicative) {
                out[offset + h] = base * season[pos];
            } else {
                out[offset + h] = base + (m > 1 ? season[pos] : 0);
            }
            if (m > 1) {
                pos = pos + 1 == m ? 0 : pos + 1;
            }
        }
    }

    /** The season length of the fitted model. */
    public int season() {
        return m;
    }

    /** Whether the last {@link #fit} succeeded. */
    public boolean isFitted() {
        return isFitted;
    }

    /** Whether the chosen model has the damped trend. */
    public boolean hasTrend() {
        return hasTrend;
    }

    /** Smoothing parameter of the level. */
    public double alpha() {
        return alpha;
    }

    /** Smoothing parameter of the trend (0 without trend). */
    public double beta() {
        return hasTrend ? beta : 0;
    }

    /** Smoothing parameter of the season. */
    public double gamma() {
        return gamma;
    }

    /** Damping parameter (0 without trend). */
    public double phi() {
        return hasTrend ? phi : 0;
    }

    /** One-step residual variance of the fit (SSE / n; of the relative errors for a multiplicative model). */
    public double sigma2() {
        return sigma2;
    }

    /** AICc of the chosen model. */
    public double aicc() {
        return aicc;
    }

    /** Current level. */
    public double level() {
        return level;
    }

    /** Length of a saved state for season {@code m}. */
    public static int stateLength(final int m) {
        return STATE_HEADER_LENGTH + m;
    }

    /** Copies the fitted model and state into {@code out[offset..offset + stateLength(m))}. */
    public void saveState(final double[] out, final int offset) {
        out[offset] = alpha;
        out[offset + 1] = beta;
        out[offset + 2] = gamma;
        out[offset + 3] = phi;
        out[offset + 4] = hasTrend ? 1 : 0;
        out[offset + 5] = level;
        out[offset + 6] = trend;
        out[offset + 7] = seasonPos;
        out[offset + 8] = m;
        out[offset + 9] = isMultiplicative ? 1 : 0;
        System.arraycopy(season, 0, out, offset + STATE_HEADER_LENGTH, m);
    }

    /**
     * Multiplies the load-valued part of a state written by {@link #saveState} (level, trend, seasonal terms) by
     * {@code factor}, so that its forecasts scale by {@code factor}: the additive model is linear in them; a
     * multiplicative model's seasonal factors are ratios and stay.
     */
    public static void scaleState(final double[] state, final int offset, final double factor) {
        state[offset + 5] *= factor;
        state[offset + 6] *= factor;
        if (state[offset + 9] != 0) {
            return;
        }
        final int m = (int) state[offset + 8];
        for (int i = 0; i < m; i++) {
            state[offset + STATE_HEADER_LENGTH + i] *= factor;
        }
    }

    /** Restores a model and state written by {@link #saveState}. */
    public void loadState(final double[] in, final int offset) {
        alpha = in[offset];
        beta = in[offset + 1];
        gamma = in[offset + 2];
        phi = in[offset + 3];
        hasTrend = in[offset + 4] != 0;
        level = in[offset + 5];
        trend = in[offset + 6];
        seasonPos = (int) in[offset + 7];
        m = (int) in[offset + 8];
        isMultiplicative = in[offset + 9] != 0;
        System.arraycopy(in, offset + STATE_HEADER_LENGTH, season, 0, m);
        isFitted = true;
    }

    /**
     * The concentrated criterion at the logistic point {@code x}: {@code n log(SSE/n)}, plus {@code 2 Σ log μ_t} for
     * a multiplicative model, whose SSE is of the relative errors {@code (y_t - μ_t) / μ_t} (Hyndman et al. 2008,
     * §5.2: both are -2 log L up to the same constant, so their AICc compare).
     */
    private double criterion(final double[] x) {
        setParameters(x);
        logPredictionSum = 0;
        final double sse = run();
        if (!(sse > 0 && Double.isFinite(sse))) {
            return Double.POSITIVE_INFINITY;
        }
        return n * Math.log(sse / n) + (isMultiplicative ? 2 * logPredictionSum : 0);
    }

    private void setParameters(final double[] x) {
        alpha = PARAM_FLOOR + (1 - 2 * PARAM_FLOOR) * sigmoid(x[0]);
        beta = hasTrend ? alpha * sigmoid(x[1]) : 0;
        gamma = m > 1 ? (1 - alpha) * sigmoid(x[2]) : 0;
        phi = hasTrend ? PHI_LOW + (PHI_HIGH - PHI_LOW) * sigmoid(x[3]) : 1;
    }

    /** Runs the filter over the series from the initial states; returns the SSE, leaving the final state. */
    private double run() {
        level = initLevel;
        trend = hasTrend ? initTrend : 0;
        System.arraycopy(initSeason, 0, season, 0, m);
        seasonPos = 0;
        final double[] series = y;
        double sse = 0;
        double logSum = 0;
        for (int t = 0; t < n; t++) {
            final double e = step(series[t]);
            sse += e * e;
            if (!(sse < Double.MAX_VALUE)) {
                return Double.POSITIVE_INFINITY;
            }
            if (isMultiplicative) {
                logSum += Math.log(lastPrediction);
            }
        }
        logPredictionSum = logSum;
        return sse;
    }

    /**
     * One step of the state recursions; returns the one-step error e_t (relative, {@code (y - μ) / μ}, for a
     * multiplicative model; NaN when its prediction is not positive).
     */
    private double step(final double value) {
        if (isMultiplicative) {
            return multiplicativeStep(value);
        }
        final double s = m > 1 ? season[seasonPos] : 0;
        final double damped = hasTrend ? phi * trend : 0;
        final double e = value - (level + damped + s);
        level = level + damped + alpha * e;
        if (hasTrend) {
            trend = damped + beta * e;
        }
        if (m > 1) {
            season[seasonPos] = s + gamma * e;
            seasonPos = seasonPos + 1 == m ? 0 : seasonPos + 1;
        }
        return e;
    }

    /**
     * ETS(M,Ad,M) (ETS(M,N,M) without trend), ibid. table 2.3: {@code μ = (l + φb) s}, {@code e = (y - μ) / μ},
     * {@code l ← (l + φb)(1 + αe)}, {@code b ← φb + β(l + φb)e}, {@code s ← s(1 + γe)}.
     */
    private double multiplicativeStep(final double value) {
        final double s = season[seasonPos];
        final double base = level + (hasTrend ? phi * trend : 0);
        final double mu = base * s;
        lastPrediction = mu;
        if (!(mu > 0)) {
            // no relative error: the state moves on without learning, so the season stays aligned
            level = base;
            trend = hasTrend ? phi * trend : trend;
            seasonPos = seasonPos + 1 == m ? 0 : seasonPos + 1;
            return Double.NaN;
        }
        final double e = (value - mu) / mu;
        level = base * (1 + alpha * e);
        if (hasTrend) {
            trend = phi * trend + beta * base * e;
        }
        season[seasonPos] = s * (1 + gamma * e);
        seasonPos = seasonPos + 1 == m ? 0 : seasonPos + 1;
        return e;
    }

    private static boolean isPositive(final double[] y, final int n) {
        for (int t = 0; t < n; t++) {
            if (!(y[t] > 0)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The SSE-minimizing initial state for the smoothing parameters in force, by least squares over the lockstep
     * systems (see the class comment); replaces initLevel, initTrend and initSeason when the normal equations are
     * positive definite and the SSE does not rise. O(n p²) with p = 1 + trend + m - 1 unknowns.
     */
    private boolean optimizeInitialStates() {
        final int seasons = m > 1 ? m - 1 : 0;
        final int trendAt = 1;
        final int seasonAt = hasTrend ? 2 : 1;
        final int unknowns = seasonAt + seasons;
        final int systems = unknowns + 1;
        final int mm = Math.max(m, 1);
        for (int k = 0; k < systems; k++) {
            sysLevel[k] = k == 1 ? 1 : 0;
            sysTrend[k] = hasTrend && k == 1 + trendAt ? 1 : 0;
            for (int j = 0; j < mm; j++) {
                sysSeason[k * mm + j] = 0;
            }
            if (k > seasonAt) {
                // seasonal unknown j: state e_j - e_{m-1}, so the seasonal states sum to zero
                sysSeason[k * mm + (k - 1 - seasonAt)] = 1;
                sysSeason[k * mm + m - 1] = -1;
            }
        }
        for (int i = 0; i < unknowns * unknowns; i++) {
            normal[i] = 0;
        }
        for (int i = 0; i < unknowns; i++) {
            rhs[i] = 0;
        }
        final double[] series = y;
        final double a = alpha;
        final double b = beta;
        final double g = gamma;
        final double damp = hasTrend ? phi : 0;
        int pos = 0;
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < systems; k++) {
                final double s = m > 1 ? sysSeason[k * mm + pos] : 0;
                final double damped = damp * sysTrend[k];
                final double e = (k == 0 ? series[t] : 0) - (sysLevel[k] + damped + s);
                sysError[k] = e;
                sysLevel[k] += damped + a * e;
                sysTrend[k] = damped + b * e;
                if (m > 1) {
                    sysSeason[k * mm + pos] = s + g * e;
                }
            }
            pos = m > 1 && pos + 1 < m ? pos + 1 : 0;
            final double e0 = sysError[0];
            for (int i = 0; i < unknowns; i++) {
                final double ui = sysError[i + 1];
                rhs[i] += ui * e0;
                for (int j = 0; j <= i; j++) {
                    normal[i * unknowns + j] += ui * sysError[j + 1];
                }
            }
        }
        if (!solveNormalEquations(unknowns)) {
            return false;
        }
        // x = -(U'U)^-1 U'e0 is in rhs (negated below); keep it only if the SSE does not rise
        final double before = run();
        final double oldLevel = initLevel;
        final double oldTrend = initTrend;
        System.arraycopy(initSeason, 0, bestSeason, 0, mm);
        initLevel = -rhs[0];
        initTrend = hasTrend ? -rhs[trendAt] : 0;
        if (m > 1) {
            double sum = 0;
            for (int j = 0; j < seasons; j++) {
                initSeason[j] = -rhs[seasonAt + j];
                sum += initSeason[j];
            }
            initSeason[m - 1] = -sum;
        }
        final double after = run();
        if (after <= before && Double.isFinite(after)) {
            return true;
        }
        initLevel = oldLevel;
        initTrend = oldTrend;
        System.arraycopy(bestSeason, 0, initSeason, 0, mm);
        return false;
    }

    /**
     * Solves normal * x = rhs in place (rhs receives x) by Cholesky on the lower triangle, with a ridge of 1e-12 of
     * the mean diagonal against round-off; false if not positive definite.
     */
    private boolean solveNormalEquations(final int size) {
        double trace = 0;
        for (int i = 0; i < size; i++) {
            trace += normal[i * size + i];
        }
        final double ridge = 1e-12 * trace / size;
        for (int i = 0; i < size; i++) {
            for (int j = 0; j <= i; j++) {
                double v = normal[i * size + j] + (i == j ? ridge : 0);
                for (int k = 0; k < j; k++) {
                    v -= normal[i * size + k] * normal[j * size + k];
                }
                if (i == j) {
                    if (!(v > 0)) {
                        return false;
                    }
                    normal[i * size + i] = Math.sqrt(v);
                } else {
                    normal[i * size + j] = v / normal[j * size + j];
                }
            }
        }
        for (int i = 0; i < size; i++) {
            double v = rhs[i];
            for (int k = 0; k < i; k++) {
                v -= normal[i * size + k] * rhs[k];
            }
            rhs[i] = v / normal[i * size + i];
        }
        for (int i = size - 1; i >= 0; i--) {
            double v = rhs[i];
            for (int k = i + 1; k < size; k++) {
                v -= normal[k * size + i] * rhs[k];
            }
            rhs[i] = v / normal[i * size + i];
        }
        return true;
    }

    private void initialStates() {
        final double[] series = y;
        if (m > 1) {
            // seasonal indices from a 2xm centred moving average over the first (up to 4) seasons
            final int cycles = Math.min(n / m, 4);
            final int span = cycles * m;
            final int half = m / 2;
            for (int j = 0; j < m; j++) {
                initSeason[j] = 0;
                bestSeason[j] = 0;
            }
            for (int t = half; t + half < span; t++) {
                double ma;
                if (m % 2 == 0) {
                    double sum = 0.5 * (series[t - half] + series[t + half]);
                    for (int k = t - half + 1; k < t + half; k++) {
                        sum += series[k];
                    }
                    ma = sum / m;
                } else {
                    double sum = 0;
                    for (int k = t - half; k <= t + half; k++) {
                        sum += series[k];
                    }
                    ma = sum / m;
                }
                initSeason[t % m] += isMultiplicative ? series[t] / ma : series[t] - ma;
                bestSeason[t % m] += 1;
            }
            final double neutral = isMultiplicative ? 1 : 0;
            double mean = 0;
            for (int j = 0; j < m; j++) {
                initSeason[j] = bestSeason[j] > 0 ? initSeason[j] / bestSeason[j] : neutral;
                mean += initSeason[j];
            }
            mean /= m;
            for (int j = 0; j < m; j++) {
                // additive indices sum to zero, multiplicative ones average one
                initSeason[j] = isMultiplicative ? initSeason[j] / mean : initSeason[j] - mean;
            }
        } else {
            initSeason[0] = 0;
        }
        // level and trend: least-squares line through the first two seasons (at least 10 points) of adjusted data
        final int count = Math.min(n, Math.max(10, 2 * m));
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        for (int t = 0; t < count; t++) {
            final double z = isMultiplicative ? series[t] / initSeason[t % m]
                : series[t] - (m > 1 ? initSeason[t % m] : 0);
            sx += t;
            sy += z;
            sxx += (double) t * t;
            sxy += t * z;
        }
        final double slope = (count * sxy - sx * sy) / (count * sxx - sx * sx);
        final double intercept = (sy - slope * sx) / count;
        initTrend = slope;
        // l_{-1} such that the one-step prediction of y_0 is the line's value at t = 0
        initLevel = intercept - slope;
    }

    private static double sigmoid(final double x) {
        return 1 / (1 + Math.exp(-x));
    }

    private static double logit(final double p) {
        return Math.log(p / (1 - p));
    }
}
