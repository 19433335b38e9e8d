package io.presplit.forecast;

import java.util.Arrays;

/**
 * Seasonal ARIMA(p,d,q)(P,D,Q)_m with automatic order selection in the manner of Hyndman &amp; Khandakar (2008),
 * "Automatic time series forecasting: the forecast package for R", J. Statistical Software 27(3), fitted by
 * conditional sum of squares (CSS) during the search and refitted by exact likelihood (CSS-ML, as R), with an
 * O(state) incremental update per new sample.
 * <p>
 * Model, with {@code w = (1-B)^d (1-B^m)^D y} and {@code μ} the mean of {@code w} when a constant is included:
 * <pre>
 *   φ(B) Φ(B^m) (w_t - μ) = θ(B) Θ(B^m) e_t,   φ(B) = 1 - φ_1 B - ... - φ_p B^p,  θ(B) = 1 + θ_1 B + ... + θ_q B^q
 * </pre>
 * The seasonal and non-seasonal polynomials are multiplied out into sparse lag lists {@code a_k} (AR) and
 * {@code b_k} (MA), so one residual costs O(number of non-zero lags):
 * {@code e_t = (w_t - μ) - Σ a_k (w_{t-k} - μ) - Σ b_k e_{t-k}}, with {@code e_t = 0} for the first
 * {@code p + Pm} values (R's {@code arima(method = "CSS")}).
 * <p>
 * Estimation: CSS, {@code -2 log L ≈ n' log(SSE / n')} over the {@code n'} conditional residuals, minimized by
 * {@link NelderMead} from zero (during the search: from the best model so far, where the orders overlap);
 * {@code μ} is the sample mean of {@code w} during the search. The chosen orders are then refitted by exact
 * maximum likelihood ({@link ArmaKalmanFilter}: Kalman filter, stationary initial covariance, σ² concentrated out),
 * from the CSS estimates, with {@code μ} estimated jointly; models whose state exceeds {@link #MAX_EXACT_STATE}, or
 * whose exact refit fails, keep the CSS fit ({@link #isExact}). Points outside the stationary and invertible region
 * (checked by the Durbin–Levinson step-down: every partial autocorrelation of φ, Φ, -θ and -Θ strictly inside
 * (-1, 1)) are rejected.
 * <p>
 * Order selection: D = 1 when the seasonal strength of a classical additive decomposition,
 * {@code F_S = max(0, 1 - Var(R) / Var(S + R))}, exceeds 0.64 (Wang, Smith &amp; Hyndman 2006; R's
 * {@code nsdiffs(test = "seas")}, which uses STL); then d by repeated KPSS tests (Kwiatkowski et al. 1992, level
 * stationarity, Bartlett window of {@code trunc(3 √n / 13)} lags, 5% critical value 0.463) up to d = 2; then the
 * stepwise AICc search of Hyndman &amp; Khandakar: the best of (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0),
 * (0,d,1)(0,D,1), then repeated moves of p, q, P, Q by &plusmn;1 (alone, and p,q or P,Q together) and toggling the
 * constant (allowed when d + D &le; 1), while AICc improves; bounds p, q &le; 5, P, Q &le; 2 (as R, no bound on
 * p+q+P+Q in the stepwise search).
 * AICc = -2 log L + 2k + 2k(k+1)/(n'-k-1), k = p+q+P+Q + constant + 1.
 * <p>
 * Forecasts: the ARMA recursion on {@code w} with future errors zero, then {@code y_t = w_t - Σ δ_i y_{t-i}} with
 * {@code δ(B) = (1-B)^d (1-B^m)^D}. After an exact refit the residual tail holds the Kalman innovations, which
 * (once the filter has converged) obey the same recursion, so {@link #update} runs the filter's fast recursions.
 * Where this differs from R: the seasonal-strength test uses a classical decomposition instead of STL, and the
 * exact refit uses Nelder–Mead rather than BFGS.
 * <p>
 * One instance per thread; buffers are sized at construction for the longest series; {@link #fit} allocates
 * nothing and {@link #update} is O(p + q + (P + Q) m) at most, allocation-free.
 */
public final class Arima {
    private static final int MAX_P = 5;
    private static final int MAX_Q = 5;
    private static final int MAX_SP = 2;
    private static final int MAX_SQ = 2;
    private static final int MAX_ORDER = MAX_P + MAX_Q + MAX_SP + MAX_SQ;
    private static final double KPSS_CRITICAL = 0.463;
    private static final double SEASONAL_STRENGTH = 0.64;
    private static final int MAX_LAGS = (MAX_P + 1) * (MAX_SP + 1);
    private static final int MAX_MA_LAGS = (MAX_Q + 1) * (MAX_SQ + 1);
    private static final int STATE_HEADER = 14;
    /**
     * Largest ARMA state dimension {@code r = max(p + Pm, q + Qm + 1)} refitted by exact likelihood: 64 covers every
     * order of the search at m &le; 29 (hourly data, m = 24, reaches 54); longer seasons keep the CSS fit, whose
     * exact refit would cost O(r³) per likelihood evaluation.
     */
    public static final int MAX_EXACT_STATE = 64;

    private final int maxLength;
    private final int maxSeason;
    private final double[] w;
    private final double[] e;
    private final double[] z;
    private final double[] scratch;
    private final NelderMead[] optimizers;
    private final double[] point;
    private final NelderMead.Objective objective;
    private final int[] arLag;
    private final double[] arCoef;
    private final int[] maLag;
    private final double[] maCoef;
    private final double[] poly;
    private final double[] poly2;
    private final double[] pacf;
    private final double[] delta;
    private final double[] yTail;
    private final double[] wTail;
    private final double[] eTail;
    private final ArmaKalmanFilter kalman;
    private final NelderMead.Objective exactObjective;
    private boolean isExactRefit = true;
    private boolean isExact;
    private double muStart;
    private double muScale;

    // orders of the model being fitted or held
    private int p;
    private int d;
    private int q;
    private int sp;
    private int sd;
    private int sq;
    private int m;
    private boolean hasConstant;
    private double mu;
    private int nw;
    private int arCount;
    private int maCount;
    private int deltaLength;

    // fitted coefficients: phi[0..p), theta[0..q), sphi[0..P), stheta[0..Q)
    private final double[] coef;
    /** Coefficients of the best model so far in the search, by component: φ, θ, Φ, Θ at fixed offsets. */
    private final double[] warm;
    private double sigma2;
    private double aicc;
    private boolean isFitted;
    private int modelsTried;

    // rolling state for update/forecast: tails of y, w and e of length `span`, newest at index pos - 1
    private int span;
    private int pos;

    /**
     * @param maxLength the longest series it will fit.
     * @param maxSeason the longest season.
     */
    public Arima(final int maxLength, final int maxSeason) {
        if (maxLength < 4 || maxSeason < 1) {
            throw new IllegalArgumentException("invalid ARIMA buffers [maxLength=" + maxLength + ", maxSeason="
                + maxSeason + "]");
        }
        this.maxLength = maxLength;
        this.maxSeason = maxSeason;
        this.w = new double[maxLength];
        this.e = new double[maxLength];
        this.z = new double[maxLength];
        // Longer than any lag (maxSpan), so that forecast() can run it as a ring past the fit window.
        this.scratch = new double[Math.max(maxLength, maxSpan(maxSeason))];
        this.optimizers = new NelderMead[MAX_ORDER + 2];
        for (int k = 1; k <= MAX_ORDER + 1; k++) {
            optimizers[k] = new NelderMead(k);
        }
        this.point = new double[MAX_ORDER + 1];
        this.coef = new double[MAX_ORDER];
        this.warm = new double[MAX_ORDER];
        this.objective = this::criterion;
        this.arLag = new int[MAX_LAGS];
        this.arCoef = new double[MAX_LAGS];
        this.maLag = new int[MAX_MA_LAGS];
        this.maCoef = new double[MAX_MA_LAGS];
        this.poly = new double[MAX_P + 1];
        this.poly2 = new double[MAX_SP + 1];
        this.pacf = new double[MAX_P + 1];
        this.delta = new double[maxDelta(maxSeason)];
        final int tail = maxSpan(maxSeason);
        this.yTail = new double[tail];
        this.wTail = new double[tail];
        this.eTail = new double[tail];
        this.kalman = new ArmaKalmanFilter(Math.min(MAX_EXACT_STATE, tail));
        this.exactObjective = this::exactCriterion;
    }

    /**
     * Whether fits refit the chosen orders by exact likelihood (the default) or keep the CSS estimates
     * ({@code false}: the behaviour before the Kalman filter, kept for comparison).
     */
    public void setExactRefit(final boolean isEnabled) {
        isExactRefit = isEnabled;
    }

    /** Whether the model held was refitted by exact likelihood (false: CSS, state too large, or refit failed). */
    public boolean isExact() {
        return isExact;
    }

    /**
     * {@code -2 log L} (σ² concentrated out) of the held model's differenced series at coefficients {@code c}
     * (φ, θ, Φ, Θ) and mean {@code mean}, by the Kalman filter ({@link ArmaKalmanFilter}); for tests.
     */
    public double exactMinus2LogLikelihood(final double[] c, final double mean) {
        System.arraycopy(c, 0, point, 0, p + q + sp + sq);
        if (!expand(point) || !kalman.setModel(arLag, arCoef, arCount, maLag, maCoef, maCount)) {
            return Double.POSITIVE_INFINITY;
        }
        return kalman.minus2LogLikelihood(w, nw, mean, null);
    }

    /**
     * Chooses the orders and fits {@code y[0..n)} with season {@code season} (1 = non-seasonal). Returns
     * {@code false} when the series is too short (fewer than 3 seasons + 10 points for a seasonal search, 10 for a
     * non-seasonal one falls back to non-seasonal or declines) or no model has a finite criterion.
     */
    public boolean fit(final double[] y, final int n, final int season) {
        if (n > maxLength || season > maxSeason || season < 1) {
            throw new IllegalArgumentException("series outside this instance [n=" + n + ", season=" + season
                + ", maxLength=" + maxLength + ", maxSeason=" + maxSeason + "]");
        }
        isFitted = false;
        modelsTried = 0;
        if (n < 10) {
            return false;
        }
        final int seasonUsed = season > 1 && n >= 3 * season + 10 ? season : 1;
        final int seasonalD = seasonUsed > 1 && seasonalStrength(y, n, seasonUsed) > SEASONAL_STRENGTH ? 1 : 0;
        // z = seasonally differenced y, then d by KPSS
        int len = n;
        for (int t = 0; t < n; t++) {
            z[t] = y[t];
        }
        if (seasonalD == 1) {
            for (int t = n - 1; t >= seasonUsed; t--) {
                z[t] = z[t] - z[t - seasonUsed];
            }
            shift(z, seasonUsed, n);
            len = n - seasonUsed;
        }
        int diffs = 0;
        while (diffs < 2 && len > 10 && kpss(z, len) > KPSS_CRITICAL) {
            for (int t = len - 1; t >= 1; t--) {
                z[t] = z[t] - z[t - 1];
            }
            shift(z, 1, len);
            len--;
            diffs++;
        }
        return search(y, n, seasonUsed, diffs, seasonalD);
    }

    /**
     * Fits given orders (no search) by CSS; for tests and for refits that keep a chosen model.
     *
     * @return whether the criterion was finite.
     */
    public boolean fitOrders(final double[] y, final int n, final int season, final int pOrder, final int dOrder,
        final int qOrder, final int spOrder, final int sdOrder, final int sqOrder, final boolean isConstant) {
        if (pOrder > MAX_P || qOrder > MAX_Q || spOrder > MAX_SP || sqOrder > MAX_SQ || dOrder > 2 || sdOrder > 1
            || n > maxLength || season > maxSeason) {
            throw new IllegalArgumentException("orders outside this instance [p=" + pOrder + ", q=" + qOrder + ", P="
                + spOrder + ", Q=" + sqOrder + ", d=" + dOrder + ", D=" + sdOrder + "]");
        }
        return fitFrom(y, n, season, pOrder, dOrder, qOrder, spOrder, sdOrder, sqOrder, isConstant, true);
    }

    private boolean fitFrom(final double[] y, final int n, final int season, final int pOrder, final int dOrder,
        final int qOrder, final int spOrder, final int sdOrder, final int sqOrder, final boolean isConstant,
        final boolean isCold) {
        if (isCold) {
            Arrays.fill(warm, 0);
        }
        isFitted = false;
        isExact = false;
        setOrders(pOrder, dOrder, qOrder, spOrder, sdOrder, sqOrder, season, isConstant);
        difference(y, n);
        final double value = estimate();
        if (!Double.isFinite(value)) {
            return false;
        }
        aicc = value;
        isExact = isExactRefit && refitExact();
        finish(y, n);
        return true;
    }

    /** Advances the model by one observation: O(state), allocation-free. Returns the one-step error. */
    public double update(final double value) {
        final int at = pos;
        yTail[at] = value;
        // w_t = y_t + sum_{i>=1} delta_i y_{t-i}
        double wt = value;
        for (int i = 1; i < deltaLength; i++) {
            wt += delta[i] * yTail[ring(at - i)];
        }
        wTail[at] = wt;
        double et = wt - mu;
        for (int i = 0; i < arCount; i++) {
            et -= arCoef[i] * (wTail[ring(at - arLag[i])] - mu);
        }
        for (int i = 0; i < maCount; i++) {
            et -= maCoef[i] * eTail[ring(at - maLag[i])];
        }
        eTail[at] = et;
        pos = ring(at + 1);
        return et;
    }

    /** Writes the point forecasts of steps 1..horizon into {@code out[offset..offset+horizon)}. Allocation-free. */
    public void forecast(final int horizon, final double[] out, final int offset) {
        // run the recursions forward on scratch copies of the tails: future errors are zero. The scratch is a ring
        // longer than any lag, so a horizon longer than the fit window works too.
        final int n = scratch.length;
        for (int h = 0; h < horizon; h++) {
            double wf = mu;
            for (int i = 0; i < arCount; i++) {
                final int k = arLag[i];
                wf += arCoef[i] * (k <= h ? scratch[(h - k) % n] - mu : wTail[ring(pos - (k - h))] - mu);
            }
            for (int i = 0; i < maCount; i++) {
                final int k = maLag[i];
                if (k > h) {
                    wf += maCoef[i] * eTail[ring(pos - (k - h))];
                }
            }
            scratch[h % n] = wf;
            double yf = wf;
            for (int i = 1; i < deltaLength; i++) {
                yf -= delta[i] * (i <= h ? out[offset + h - i] : yTail[ring(pos - (i - h))]);
            }
            out[offset + h] = yf;
        }
    }

    /**
     * Doubles needed by {@link #saveState} for season {@code season}: a header, the sparse AR and MA lag lists, the
     * differencing polynomial and the three rolling tails (y, w, e).
     */
    public static int stateLength(final int season) {
        return STATE_HEADER + 2 * MAX_LAGS + 2 * MAX_MA_LAGS + maxDelta(season) + 3 * maxSpan(season);
    }

    /** Copies the fitted model and its rolling state into {@code out[offset..offset + stateLength(m))}. */
    public void saveState(final double[] out, final int offset) {
        out[offset] = p;
        out[offset + 1] = d;
        out[offset + 2] = q;
        out[offset + 3] = sp;
        out[offset + 4] = sd;
        out[offset + 5] = sq;
        out[offset + 6] = m;
        out[offset + 7] = hasConstant ? 1 : 0;
        out[offset + 8] = mu;
        out[offset + 9] = arCount;
        out[offset + 10] = maCount;
        out[offset + 11] = deltaLength;
        out[offset + 12] = span;
        out[offset + 13] = pos;
        int at = offset + STATE_HEADER;
        for (int i = 0; i < arCount; i++) {
            out[at + i] = arLag[i];
            out[at + MAX_LAGS + i] = arCoef[i];
        }
        at += 2 * MAX_LAGS;
        for (int i = 0; i < maCount; i++) {
            out[at + i] = maLag[i];
            out[at + MAX_MA_LAGS + i] = maCoef[i];
        }
        at += 2 * MAX_MA_LAGS;
        System.arraycopy(delta, 0, out, at, deltaLength);
        at += maxDelta(m);
        final int tail = maxSpan(m);
        System.arraycopy(yTail, 0, out, at, span);
        System.arraycopy(wTail, 0, out, at + tail, span);
        System.arraycopy(eTail, 0, out, at + 2 * tail, span);
    }

    /** Restores a model and rolling state written by {@link #saveState}. */
    public void loadState(final double[] in, final int offset) {
        p = (int) in[offset];
        d = (int) in[offset + 1];
        q = (int) in[offset + 2];
        sp = (int) in[offset + 3];
        sd = (int) in[offset + 4];
        sq = (int) in[offset + 5];
        m = (int) in[offset + 6];
        hasConstant = in[offset + 7] != 0;
        mu = in[offset + 8];
        arCount = (int) in[offset + 9];
        maCount = (int) in[offset + 10];
        deltaLength = (int) in[offset + 11];
        span = (int) in[offset + 12];
        pos = (int) in[offset + 13];
        int at = offset + STATE_HEADER;
        for (int i = 0; i < arCount; i++) {
            arLag[i] = (int) in[at + i];
            arCoef[i] = in[at + MAX_LAGS + i];
        }
        at += 2 * MAX_LAGS;
        for (int i = 0; i < maCount; i++) {
            maLag[i] = (int) in[at + i];
            maCoef[i] = in[at + MAX_MA_LAGS + i];
        }
        at += 2 * MAX_MA_LAGS;
        System.arraycopy(in, at, delta, 0, deltaLength);
        at += maxDelta(m);
        final int tail = maxSpan(m);
        System.arraycopy(in, at, yTail, 0, span);
        System.arraycopy(in, at + tail, wTail, 0, span);
        System.arraycopy(in, at + 2 * tail, eTail, 0, span);
        isFitted = true;
    }

    private static int maxDelta(final int season) {
        return 2 + season + 1;
    }

    private static int maxSpan(final int season) {
        return Math.max(MAX_P + MAX_SP * season, Math.max(MAX_Q + MAX_SQ * season, maxDelta(season))) + 1;
    }

    /** Whether the last fit succeeded. */
    public boolean isFitted() {
        return isFitted;
    }

    /** The chosen orders as {@code {p, d, q, P, D, Q, m}}, into {@code out}. */
    public void orders(final int[] out) {
        out[0] = p;
        out[1] = d;
        out[2] = q;
        out[3] = sp;
        out[4] = sd;
        out[5] = sq;
        out[6] = m;
    }

    /** Coefficient {@code i} in the order φ_1..φ_p, θ_1..θ_q, Φ_1..Φ_P, Θ_1..Θ_Q. */
    public double coefficient(final int i) {
        return coef[i];
    }

    /** Whether the chosen model has a constant. */
    public boolean hasConstant() {
        return hasConstant;
    }

    /** The constant μ (mean of the differenced series), 0 without constant. */
    public double mu() {
        return mu;
    }

    /** Innovation variance σ̂²: of the exact fit ({@link #isExact}), else the CSS residual variance SSE / n'. */
    public double sigma2() {
        return sigma2;
    }

    /** AICc of the chosen model. */
    public double aicc() {
        return aicc;
    }

    /** Models fitted by the last order search. */
    public int modelsTried() {
        return modelsTried;
    }

    /** Number of conditional residuals the CSS criterion sums over, for the model held. */
    public int conditionalCount() {
        return nw - (p + sp * m);
    }

    /** The conditional sum of squares of the model held at coefficients {@code c} (for tests). */
    public double css(final double[] c) {
        System.arraycopy(c, 0, point, 0, p + q + sp + sq);
        return cssAt(point);
    }

    // ---------------------------------------------------------------------------------------------- search

    private boolean search(final double[] y, final int n, final int season, final int dOrder, final int sdOrder) {
        final boolean allowConstant = dOrder + sdOrder <= 1;
        final boolean isSeasonal = season > 1;
        Arrays.fill(warm, 0);
        double best = Double.POSITIVE_INFINITY;
        int bp = 0;
        int bq = 0;
        int bsp = 0;
        int bsq = 0;
        boolean bc = allowConstant;
        // starting models
        final int[][] starts = STARTS;
        for (final int[] s : starts) {
            final int sP = isSeasonal ? s[2] : 0;
            final int sQ = isSeasonal ? s[3] : 0;
            final double v = tryModel(y, n, season, s[0], dOrder, s[1], sP, sdOrder, sQ, allowConstant);
            if (v < best) {
                keepWarm();
                best = v;
                bp = s[0];
                bq = s[1];
                bsp = sP;
                bsq = sQ;
                bc = allowConstant;
            }
        }
        if (!Double.isFinite(best)) {
            return false;
        }
        boolean isImproved = true;
        int rounds = 0;
        while (isImproved && rounds++ < 30) {
            isImproved = false;
            for (int move = 0; move < MOVES.length + 1; move++) {
                int np = bp;
                int nq = bq;
                int nsp = bsp;
                int nsq = bsq;
                boolean nc = bc;
                if (move == MOVES.length) {
                    if (!allowConstant) {
                        continue;
                    }
                    nc = !bc;
                } else {
                    final int[] mv = MOVES[move];
                    np += mv[0];
                    nq += mv[1];
                    nsp += mv[2];
                    nsq += mv[3];
                }
                if (np < 0 || nq < 0 || nsp < 0 || nsq < 0 || np > MAX_P || nq > MAX_Q || nsp > MAX_SP
                    || nsq > MAX_SQ || np + nq + nsp + nsq > MAX_ORDER || (!isSeasonal && (nsp > 0 || nsq > 0))) {
                    continue;
                }
                final double v = tryModel(y, n, season, np, dOrder, nq, nsp, sdOrder, nsq, nc);
                if (v < best - 1e-9) {
                    keepWarm();
                    best = v;
                    bp = np;
                    bq = nq;
                    bsp = nsp;
                    bsq = nsq;
                    bc = nc;
                    isImproved = true;
                    break;
                }
            }
        }
        // refit the winner so the held state is its own
        return fitFrom(y, n, season, bp, dOrder, bq, bsp, sdOrder, bsq, bc, false) && isFitted;
    }

    /** Remembers the coefficients just estimated (the orders in force) as the warm start of later fits. */
    private void keepWarm() {
        Arrays.fill(warm, 0);
        for (int i = 0; i < p; i++) {
            warm[i] = coef[i];
        }
        for (int i = 0; i < q; i++) {
            warm[MAX_P + i] = coef[p + i];
        }
        for (int i = 0; i < sp; i++) {
            warm[MAX_P + MAX_Q + i] = coef[p + q + i];
        }
        for (int i = 0; i < sq; i++) {
            warm[MAX_P + MAX_Q + MAX_SP + i] = coef[p + q + sp + i];
        }
    }

    private static final int[][] STARTS = {{2, 2, 1, 1}, {0, 0, 0, 0}, {1, 0, 1, 0}, {0, 1, 0, 1}};
    private static final int[][] MOVES = {
        {1, 0, 0, 0}, {-1, 0, 0, 0}, {0, 1, 0, 0}, {0, -1, 0, 0}, {0, 0, 1, 0}, {0, 0, -1, 0}, {0, 0, 0, 1},
        {0, 0, 0, -1}, {1, 1, 0, 0}, {-1, -1, 0, 0}, {0, 0, 1, 1}, {0, 0, -1, -1}, {1, -1, 0, 0}, {-1, 1, 0, 0}};

    private double tryModel(final double[] y, final int n, final int season, final int pOrder, final int dOrder,
        final int qOrder, final int spOrder, final int sdOrder, final int sqOrder, final boolean isConstant) {
        modelsTried++;
        setOrders(pOrder, dOrder, qOrder, spOrder, sdOrder, sqOrder, season, isConstant);
        difference(y, n);
        if (nw - (p + sp * m) < p + q + sp + sq + 3) {
            return Double.POSITIVE_INFINITY;
        }
        return estimate();
    }

    // ------------------------------------------------------------------------------------------ estimation

    private void setOrders(final int pOrder, final int dOrder, final int qOrder, final int spOrder,
        final int sdOrder, final int sqOrder, final int season, final boolean isConstant) {
        p = pOrder;
        d = dOrder;
        q = qOrder;
        sp = season > 1 ? spOrder : 0;
        sd = season > 1 ? sdOrder : 0;
        sq = season > 1 ? sqOrder : 0;
        m = season;
        hasConstant = isConstant;
        // delta(B) = (1-B)^d (1-B^m)^D, dense
        final int length = d + sd * m + 1;
        for (int i = 0; i < length; i++) {
            delta[i] = 0;
        }
        delta[0] = 1;
        int used = 1;
        for (int k = 0; k < d; k++) {
            for (int i = used; i >= 1; i--) {
                delta[i] -= delta[i - 1];
            }
            used++;
        }
        for (int k = 0; k < sd; k++) {
            for (int i = used - 1 + m; i >= m; i--) {
                delta[i] -= delta[i - m];
            }
            used += m;
        }
        deltaLength = length;
    }

    /** w = delta(B) y over the valid range, mu = mean(w) when a constant is included. */
    private void difference(final double[] y, final int n) {
        final int start = deltaLength - 1;
        nw = n - start;
        double sum = 0;
        for (int t = start; t < n; t++) {
            double v = 0;
            for (int i = 0; i < deltaLength; i++) {
                v += delta[i] * y[t - i];
            }
            w[t - start] = v;
            sum += v;
        }
        mu = hasConstant && nw > 0 ? sum / nw : 0;
    }

    /** CSS minimization from zero; leaves the best coefficients in {@code coef}; returns the AICc. */
    private double estimate() {
        final int k = p + q + sp + sq;
        final int used = nw - (p + sp * m);
        double css;
        if (k == 0) {
            css = cssAt(point);
        } else {
            // start from the best model so far where the orders overlap (zero elsewhere): neighbours in the
            // stepwise search share most of their coefficients, so the simplex starts near the answer
            for (int i = 0; i < p; i++) {
                point[i] = warm[i];
            }
            for (int i = 0; i < q; i++) {
                point[p + i] = warm[MAX_P + i];
            }
            for (int i = 0; i < sp; i++) {
                point[p + q + i] = warm[MAX_P + MAX_Q + i];
            }
            for (int i = 0; i < sq; i++) {
                point[p + q + sp + i] = warm[MAX_P + MAX_Q + MAX_SP + i];
            }
            css = optimizers[k].minimize(objective, point, 0.1, 1e-6, 100 + 50 * k);
        }
        if (!Double.isFinite(css)) {
            return Double.POSITIVE_INFINITY;
        }
        System.arraycopy(point, 0, coef, 0, k);
        sigma2 = css / used;
        final int params = k + (hasConstant ? 1 : 0) + 1;
        final double m2ll = used * (Math.log(2 * Math.PI * sigma2) + 1);
        return used - params - 1 > 0
            ? m2ll + 2.0 * params + 2.0 * params * (params + 1) / (used - params - 1)
            : Double.POSITIVE_INFINITY;
    }

    private double criterion(final double[] x) {
        return cssAt(x);
    }

    /** Conditional sum of squares at coefficients x (phi, theta, Phi, Theta), or +Inf outside the region. */
    private double cssAt(final double[] x) {
        if (!expand(x)) {
            return Double.POSITIVE_INFINITY;
        }
        final int start = p + sp * m;
        final double mean = mu;
        for (int t = 0; t < start && t < nw; t++) {
            e[t] = 0;
        }
        double sse = 0;
        for (int t = start; t < nw; t++) {
            double et = w[t] - mean;
            for (int i = 0; i < arCount; i++) {
                et -= arCoef[i] * (w[t - arLag[i]] - mean);
            }
            for (int i = 0; i < maCount; i++) {
                final int lag = maLag[i];
                if (t - lag >= 0) {
                    et -= maCoef[i] * e[t - lag];
                }
            }
            e[t] = et;
            sse += et * et;
        }
        return sse < Double.MAX_VALUE ? sse : Double.POSITIVE_INFINITY;
    }

    /** Multiplies out the polynomials into sparse lag lists; false if a factor is not stationary/invertible. */
    private boolean expand(final double[] x) {
        final int thetaAt = p;
        final int sphiAt = p + q;
        final int sthetaAt = p + q + sp;
        if (!isInside(x, 0, p, 1) || !isInside(x, sphiAt, sp, 1) || !isInside(x, thetaAt, q, -1)
            || !isInside(x, sthetaAt, sq, -1)) {
            return false;
        }
        // AR: (1 - sum phi_i B^i)(1 - sum Phi_j B^jm) = 1 - sum a_k B^k
        arCount = 0;
        for (int j = 0; j <= sp; j++) {
            final double cj = j == 0 ? 1 : -x[sphiAt + j - 1];
            for (int i = 0; i <= p; i++) {
                if (i == 0 && j == 0) {
                    continue;
                }
                final double ci = i == 0 ? 1 : -x[i - 1];
                arLag[arCount] = i + j * m;
                arCoef[arCount] = -(ci * cj);
                arCount++;
            }
        }
        // MA: (1 + sum theta_i B^i)(1 + sum Theta_j B^jm) = 1 + sum b_k B^k
        maCount = 0;
        for (int j = 0; j <= sq; j++) {
            final double cj = j == 0 ? 1 : x[sthetaAt + j - 1];
            for (int i = 0; i <= q; i++) {
                if (i == 0 && j == 0) {
                    continue;
                }
                final double ci = i == 0 ? 1 : x[thetaAt + i - 1];
                maLag[maCount] = i + j * m;
                maCoef[maCount] = ci * cj;
                maCount++;
            }
        }
        return true;
    }

    /**
     * Durbin–Levinson step-down: the polynomial 1 - sign * sum c_i B^i (c = x[from..from+order)) has all roots
     * outside the unit circle iff every partial autocorrelation is strictly inside (-1, 1).
     */
    private boolean isInside(final double[] x, final int from, final int order, final int sign) {
        if (order == 0) {
            return true;
        }
        for (int i = 0; i < order; i++) {
            pacf[i + 1] = sign * x[from + i];
        }
        for (int k = order; k >= 1; k--) {
            final double r = pacf[k];
            if (!(Math.abs(r) < 0.9999)) {
                return false;
            }
            final double scale = 1 - r * r;
            for (int j = 1; j <= k / 2; j++) {
                final double a = pacf[j];
                final double b = pacf[k - j];
                pacf[j] = (a + r * b) / scale;
                pacf[k - j] = (b + r * a) / scale;
            }
        }
        return true;
    }

    /**
     * Refits the orders in force by exact maximum likelihood from the CSS estimates (R's {@code method = "CSS-ML"}):
     * Nelder–Mead over the coefficients and, with a constant, μ jointly (as {@code μ = μ_CSS + σ_CSS x}, so one step
     * size suits both). On success leaves the coefficients, μ, σ² and AICc of the exact fit, and the Kalman
     * innovations in {@code e}; on failure (state too large, no finite likelihood) leaves the CSS fit untouched.
     */
    private boolean refitExact() {
        final int k = p + q + sp + sq;
        final int dims = k + (hasConstant ? 1 : 0);
        System.arraycopy(coef, 0, point, 0, k);
        if (!expand(point) || !kalman.setModel(arLag, arCoef, arCount, maLag, maCoef, maCount)) {
            return false;
        }
        muStart = mu;
        muScale = Math.sqrt(sigma2 > 0 ? sigma2 : 1.0);
        point[k] = 0;
        final double value = dims == 0
            ? exactCriterion(point)
            : optimizers[dims].minimize(exactObjective, point, 0.02, 1e-6, 40 + 10 * dims);
        if (!Double.isFinite(value)) {
            return false;
        }
        final double exactMu = hasConstant ? muStart + muScale * point[k] : 0;
        if (!expand(point) || !kalman.setModel(arLag, arCoef, arCount, maLag, maCoef, maCount)) {
            return false;
        }
        final double m2ll = kalman.minus2LogLikelihood(w, nw, exactMu, e);
        if (!Double.isFinite(m2ll)) {
            return false;
        }
        System.arraycopy(point, 0, coef, 0, k);
        mu = exactMu;
        sigma2 = kalman.sigma2();
        final int params = dims + 1;
        aicc = nw - params - 1 > 0 ? m2ll + 2.0 * params + 2.0 * params * (params + 1) / (nw - params - 1) : m2ll;
        return true;
    }

    /** Exact -2 log L at x = (coefficients, scaled μ offset), or +Inf outside the region. */
    private double exactCriterion(final double[] x) {
        if (!expand(x) || !kalman.setModel(arLag, arCoef, arCount, maLag, maCoef, maCount)) {
            return Double.POSITIVE_INFINITY;
        }
        final double mean = hasConstant ? muStart + muScale * x[p + q + sp + sq] : 0;
        return kalman.minus2LogLikelihood(w, nw, mean, null);
    }

    /**
     * After a fit: the residuals at the best coefficients (the CSS recursion, or the Kalman innovations already in
     * {@code e} after an exact refit: once the filter has converged these obey the same recursion, so
     * {@link #update} continues them exactly) and the rolling tails.
     */
    private void finish(final double[] y, final int n) {
        System.arraycopy(coef, 0, point, 0, p + q + sp + sq);
        if (isExact) {
            expand(point);
        } else {
            sigma2 = cssAt(point) / Math.max(1, nw - (p + sp * m));
        }
        span = Math.max(Math.max(arMaxLag(), maMaxLag()), deltaLength) + 1;
        pos = 0;
        // fill tails with the last `span` values (oldest first); missing history counts as zero
        for (int i = 0; i < span; i++) {
            final int t = n - span + i;
            final int tw = nw - span + i;
            yTail[i] = t >= 0 ? y[t] : 0;
            wTail[i] = tw >= 0 ? w[tw] : 0;
            eTail[i] = tw >= 0 ? e[tw] : 0;
        }
        pos = 0; // ring(span) == 0: the next write goes to index 0, the oldest
        isFitted = true;
    }

    private int arMaxLag() {
        int max = 0;
        for (int i = 0; i < arCount; i++) {
            max = Math.max(max, arLag[i]);
        }
        return max;
    }

    private int maMaxLag() {
        int max = 0;
        for (int i = 0; i < maCount; i++) {
            max = Math.max(max, maLag[i]);
        }
        return max;
    }

    private int ring(final int i) {
        final int r = i % span;
        return r < 0 ? r + span : r;
    }

    // ------------------------------------------------------------------------------------------ unit roots

    private static void shift(final double[] a, final int by, final int n) {
        System.arraycopy(a, by, a, 0, n - by);
    }

    /** KPSS level-stationarity statistic of a[0..n), Bartlett window of trunc(3 sqrt(n) / 13) lags. */
    static double kpss(final double[] a, final int n) {
        double mean = 0;
        for (int t = 0; t < n; t++) {
            mean += a[t];
        }
        mean /= n;
        double partial = 0;
        double eta = 0;
        double s0 = 0;
        for (int t = 0; t < n; t++) {
            final double r = a[t] - mean;
            partial += r;
            eta += partial * partial;
            s0 += r * r;
        }
        final int lags = (int) (3 * Math.sqrt(n) / 13);
        double longRun = s0 / n;
        for (int l = 1; l <= lags; l++) {
            double c = 0;
            for (int t = l; t < n; t++) {
                c += (a[t] - mean) * (a[t - l] - mean);
            }
            longRun += 2.0 * (1 - l / (lags + 1.0)) * c / n;
        }
        if (!(longRun > 0)) {
            return 0;
        }
        return eta / ((double) n * n * longRun);
    }

    /** Seasonal strength F_S of a classical additive decomposition (2 x m moving-average trend). */
    private double seasonalStrength(final double[] y, final int n, final int season) {
        final int half = season / 2;
        final double[] trend = scratch;
        for (int t = half; t + half < n; t++) {
            double sum;
            if (season % 2 == 0) {
                sum = 0.5 * (y[t - half] + y[t + half]);
                for (int k = t - half + 1; k < t + half; k++) {
                    sum += y[k];
                }
            } else {
                sum = 0;
                for (int k = t - half; k <= t + half; k++) {
                    sum += y[k];
                }
            }
            trend[t] = sum / season;
        }
        // seasonal indices: phase means of the detrended series, centred
        final double[] phase = e;
        final double[] counts = z;
        for (int j = 0; j < season; j++) {
            phase[j] = 0;
            counts[j] = 0;
        }
        for (int t = half; t + half < n; t++) {
            phase[t % season] += y[t] - trend[t];
            counts[t % season] += 1;
        }
        double centre = 0;
        for (int j = 0; j < season; j++) {
            phase[j] = counts[j] > 0 ? phase[j] / counts[j] : 0;
            centre += phase[j];
        }
        centre /= season;
        double sr = 0;
        double sr2 = 0;
        double r = 0;
        double r2 = 0;
        int count = 0;
        for (int t = half; t + half < n; t++) {
            final double detrended = y[t] - trend[t];
            final double remainder = detrended - (phase[t % season] - centre);
            sr += detrended;
            sr2 += detrended * detrended;
            r += remainder;
            r2 += remainder * remainder;
            count++;
        }
        final double varSr = sr2 / count - (sr / count) * (sr / count);
        final double varR = r2 / count - (r / count) * (r / count);
        return varSr > 0 ? Math.max(0, 1 - varR / varSr) : 0;
    }
}
