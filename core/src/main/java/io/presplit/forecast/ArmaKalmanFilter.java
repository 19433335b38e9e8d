package io.presplit.forecast;

/**
 * The exact Gaussian likelihood of a stationary ARMA process by a Kalman filter on its state-space form, the method
 * of Gardner, Harvey &amp; Phillips (1980), "Algorithm AS 154", Applied Statistics 29(3), as R's
 * {@code arima(method = "ML")} uses it.
 * <p>
 * Model: {@code x_t = Σ φ_i x_{t-i} + e_t + Σ θ_j e_{t-j}}, {@code e_t ~ N(0, σ²)}, with dense coefficient vectors
 * (the seasonal polynomials already multiplied out). State-space (Harvey) form, {@code r = max(p, q + 1)}:
 * <pre>
 *   x_t     = Z a_t,                 Z = (1, 0, ..., 0)
 *   a_{t+1} = T a_t + R e_{t+1},     T = [φ | I_{r-1} over 0'],   R = (1, θ_1, ..., θ_{r-1})'
 * </pre>
 * Everything is in units of σ² (concentrated out). The initial covariance is the stationary one, the solution of
 * the Lyapunov equation {@code P_0 = T P_0 T' + R R'}, computed from the process's autocovariances: unrolling the
 * state recursion gives {@code a_t[i] = Σ_{j≥0} (φ_{i+j+1} x_{t-1-j} + R_{i+j} e_{t-j})} (0-based state index,
 * {@code R_0 = 1}), so
 * <pre>
 *   P_0[i][l] = Σ_{j,k} φ_{i+j+1} φ_{l+k+1} γ(|j-k|) + Σ_{k&gt;j} φ_{i+j+1} R_{l+k} ψ_{k-1-j}
 *             + Σ_{j&gt;k} R_{i+j} φ_{l+k+1} ψ_{j-1-k} + Σ_j R_{i+j} R_{l+j}
 * </pre>
 * with the ψ weights ({@code E[x_s e_u] = ψ_{s-u}}) and the autocovariances γ(0..p) from the linear system
 * {@code γ(k) - Σ_i φ_i γ(|k-i|) = Σ_{j≥k} θ_j ψ_{j-k}} (Brockwell &amp; Davis 1991, §3.3, the method of R's
 * {@code ARMAacf}), continued by the AR recursion up to lag r. The sums run over the non-zero coefficients only (a
 * seasonal model has few), so P_0 costs O(r² nnz² + p³) instead of the O(r³ log) of the doubling algorithm
 * ({@code P ← P + A P A'}, {@code A ← A²}), which is kept for comparison ({@link #stationaryCovariance}).
 * <p>
 * Filter, per observation: innovation {@code v_t = x_t - a_0}, {@code F_t = P_00}; update
 * {@code a += P_{·0} v / F}, {@code P -= P_{·0} P_{0·} / F}; predict {@code a ← T a},
 * {@code P ← T P T' + RR'} in O(r²) using the companion shape of T. When the trace of the filtered covariance falls
 * under 1e-9 the state is known exactly from the past (every invertible model gets there), so
 * {@code P_{t|t-1} = RR'} and {@code F = 1} from then on: the filter switches to these "fast recursions"
 * ({@code a += R v; a ← T a}), O(r) per step, the same switch AS 154 makes.
 * <p>
 * Concentrated likelihood, as R's {@code arima}: {@code σ̂² = Σ v_t² / F_t / n} and
 * {@code -2 log L = n log(2π σ̂²) + Σ log F_t + n}.
 * <p>
 * One instance per thread. Buffers are sized at construction for a largest state {@code maxState}; no method
 * allocates. Cost per likelihood: O(r² nnz² + p³) for P_0 plus O(r²) per step until convergence, O(r) after.
 */
public final class ArmaKalmanFilter {
    private static final double CONVERGED_TRACE = 1e-9;
    private static final double NEGLIGIBLE_POWER = 1e-12;
    private static final int MAX_DOUBLINGS = 40;

    private final int maxState;
    private final double[] phi;
    private final double[] rVec;
    private final double[] cov;
    private final double[] covNext;
    private final double[] power;
    private final double[] work;
    private final double[] work2;
    private final double[] state;
    private final double[] psi;
    private final double[] gamma;
    private final int[] arNonZero;
    private final int[] maNonZero;
    private int r;
    private double sigma2;
    private double sumLogF;
    private int fastFrom;

    /** @param maxState the largest state dimension {@code r} it will hold. */
    public ArmaKalmanFilter(final int maxState) {
        if (maxState < 1) {
            throw new IllegalArgumentException("state dimension must be positive [maxState=" + maxState + "]");
        }
        this.maxState = maxState;
        this.phi = new double[maxState];
        this.rVec = new double[maxState];
        this.cov = new double[maxState * maxState];
        this.covNext = new double[maxState * maxState];
        this.power = new double[maxState * maxState];
        // the filter uses (r + 1)², the autocovariance system (p + 1)(p + 2)
        this.work = new double[(maxState + 1) * (maxState + 2)];
        this.work2 = new double[maxState * maxState];
        this.state = new double[maxState];
        this.psi = new double[maxState + 1];
        this.gamma = new double[maxState + 1];
        this.arNonZero = new int[maxState];
        this.maNonZero = new int[maxState];
    }

    /** The state dimension {@code max(p, q + 1)} of a model with largest AR lag {@code p} and MA lag {@code q}. */
    public static int stateDimension(final int arOrder, final int maOrder) {
        return Math.max(Math.max(arOrder, maOrder + 1), 1);
    }

    /**
     * Sets the model from sparse lag lists ({@code x_t = Σ arCoef_i x_{t - arLag_i} + e_t + Σ maCoef_j
     * e_{t - maLag_j}}).
     *
     * @return {@code false} when its state dimension exceeds {@code maxState}.
     */
    public boolean setModel(final int[] arLag, final double[] arCoef, final int arCount, final int[] maLag,
        final double[] maCoef, final int maCount) {
        int arOrder = 0;
        for (int i = 0; i < arCount; i++) {
            arOrder = Math.max(arOrder, arLag[i]);
        }
        int maOrder = 0;
        for (int i = 0; i < maCount; i++) {
            maOrder = Math.max(maOrder, maLag[i]);
        }
        final int dim = stateDimension(arOrder, maOrder);
        if (dim > maxState) {
            return false;
        }
        r = dim;
        for (int i = 0; i < dim; i++) {
            phi[i] = 0;
            rVec[i] = 0;
        }
        rVec[0] = 1;
        for (int i = 0; i < arCount; i++) {
            phi[arLag[i] - 1] += arCoef[i];
        }
        for (int i = 0; i < maCount; i++) {
            rVec[maLag[i]] += maCoef[i];
        }
        return true;
    }

    /** The state dimension of the model set. */
    public int dimension() {
        return r;
    }

    /**
     * Runs the filter over {@code x[0..n) - mean} from the stationary initial state and returns
     * {@code -2 log L} with σ² concentrated out, or {@code +Infinity} when the initial covariance cannot be found or
     * a prediction variance is not positive.
     *
     * @param innovations receives the one-step prediction errors {@code v_t} (may be {@code null}).
     */
    public double minus2LogLikelihood(final double[] x, final int n, final double mean, final double[] innovations) {
        if (!covarianceFromAutocovariances()) {
            return Double.POSITIVE_INFINITY;
        }
        final int dim = r;
        final double[] a = state;
        final double[] p = cov;
        for (int i = 0; i < dim; i++) {
            a[i] = 0;
        }
        double ssq = 0;
        double logs = 0;
        boolean isFast = false;
        fastFrom = n;
        for (int t = 0; t < n; t++) {
            final double v = x[t] - mean - a[0];
            if (innovations != null) {
                innovations[t] = v;
            }
            if (isFast) {
                ssq += v * v;
                for (int i = 0; i < dim; i++) {
                    a[i] += rVec[i] * v;
                }
                predictState(a, dim);
                continue;
            }
            final double f = p[0];
            if (!(f > 0)) {
                return Double.POSITIVE_INFINITY;
            }
            ssq += v * v / f;
            logs += Math.log(f);
            // filtered state and covariance: a += P_{.0} v / F, Pf = P - P_{.0} P_{0.} / F, kept in `work` with
            // stride dim + 1 and a zero last row and column, so the prediction below needs no bounds tests
            final double vf = v / f;
            final int stride = dim + 1;
            double trace = 0;
            for (int i = 0; i < dim; i++) {
                final double pi0 = p[i * dim];
                a[i] += pi0 * vf;
                final double gi = pi0 / f;
                final int row = i * stride;
                final int prow = i * dim;
                for (int j = 0; j < dim; j++) {
                    work[row + j] = p[prow + j] - gi * p[j];
                }
                work[row + dim] = 0;
                trace += work[row + i];
            }
            final int last = dim * stride;
            for (int j = 0; j <= dim; j++) {
                work[last + j] = 0;
            }
            predictState(a, dim);
            if (trace < CONVERGED_TRACE) {
                isFast = true;
                fastFrom = t + 1;
                continue;
            }
            // P = T Pf T' + RR' by the companion shape of T:
            // P_ij = φ_i φ_j Pf_00 + φ_i Pf_0,j+1 + φ_j Pf_i+1,0 + Pf_i+1,j+1 + R_i R_j (upper half, mirrored)
            final double w00 = work[0];
            for (int i = 0; i < dim; i++) {
                final double phiI = phi[i];
                final double rI = rVec[i];
                final int below = (i + 1) * stride;
                final double wi0 = work[below];
                for (int j = i; j < dim; j++) {
                    final double phiJ = phi[j];
                    final double value = phiI * (phiJ * w00 + work[j + 1]) + phiJ * wi0 + work[below + j + 1]
                        + rI * rVec[j];
                    p[i * dim + j] = value;
                    p[j * dim + i] = value;
                }
            }
        }
        sigma2 = ssq / n;
        sumLogF = logs;
        if (!(sigma2 > 0) || !Double.isFinite(sigma2)) {
            return Double.POSITIVE_INFINITY;
        }
        return n * Math.log(2 * Math.PI * sigma2) + logs + n;
    }

    /** σ̂² of the last {@link #minus2LogLikelihood} call. */
    public double sigma2() {
        return sigma2;
    }

    /** Σ log F_t of the last call (0 when the filter started converged). */
    public double sumLogF() {
        return sumLogF;
    }

    /** The step from which the last call ran the fast recursions ({@code n} when it never converged). */
    public int convergedAt() {
        return fastFrom;
    }

    private void predictState(final double[] a, final int dim) {
        final double a0 = a[0];
        for (int i = 0; i + 1 < dim; i++) {
            a[i] = phi[i] * a0 + a[i + 1];
        }
        a[dim - 1] = phi[dim - 1] * a0;
    }

    /**
     * Computes the stationary initial covariance of the model set, from the autocovariances ({@code false}) or by the
     * doubling algorithm ({@code true}); for tests that compare the two. Returns whether it was found.
     */
    boolean stationaryCovariance(final boolean isDoubling) {
        return isDoubling ? covarianceByDoubling() : covarianceFromAutocovariances();
    }

    /** Element (i, j) of the covariance last computed. */
    double covariance(final int i, final int j) {
        return cov[i * r + j];
    }

    /**
     * P_0 from the autocovariances (class comment), into {@code cov}; false when the AR part is not stationary (the
     * system is singular or γ(0) is not positive) or a value is not finite.
     */
    private boolean covarianceFromAutocovariances() {
        final int dim = r;
        int arCount = 0;
        int maCount = 0;
        int arOrder = 0;
        for (int i = 0; i < dim; i++) {
            if (phi[i] != 0) {
                arNonZero[arCount++] = i;
                arOrder = i + 1;
            }
            if (rVec[i] != 0) {
                maNonZero[maCount++] = i;
            }
        }
        // ψ weights: ψ_0 = 1, ψ_j = θ_j + Σ φ_i ψ_{j-i} (θ_j = R_j inside the state, 0 beyond)
        for (int j = 0; j <= dim; j++) {
            double v = j < dim ? rVec[j] : 0;
            for (int a = 0; a < arCount && arNonZero[a] < j; a++) {
                final int i = arNonZero[a] + 1;
                v += phi[i - 1] * psi[j - i];
            }
            psi[j] = v;
        }
        // γ(0..p): (p + 1) linear equations γ(k) - Σ φ_i γ(|k-i|) = c_k, c_k = Σ_{j≥k} θ_j ψ_{j-k}, in `work`
        final int size = arOrder + 1;
        final int stride = size + 1;
        for (int k = 0; k < size; k++) {
            final int row = k * stride;
            for (int m = 0; m < size; m++) {
                work[row + m] = k == m ? 1 : 0;
            }
            for (int a = 0; a < arCount; a++) {
                final int i = arNonZero[a] + 1;
                work[row + Math.abs(k - i)] -= phi[i - 1];
            }
            work[row + size] = rhs(k, maCount);
        }
        if (!solve(size, stride)) {
            return false;
        }
        for (int k = 0; k < size; k++) {
            gamma[k] = work[k * stride + size];
        }
        for (int k = size; k <= dim; k++) {
            double v = rhs(k, maCount);
            for (int a = 0; a < arCount; a++) {
                final int i = arNonZero[a] + 1;
                v += phi[i - 1] * gamma[k - i];
            }
            gamma[k] = v;
        }
        if (!(gamma[0] > 0) || !Double.isFinite(gamma[0])) {
            return false;
        }
        final double[] p = cov;
        for (int i = 0; i < dim; i++) {
            for (int l = i; l < dim; l++) {
                double v = 0;
                for (int a = 0; a < arCount; a++) {
                    final int ia = arNonZero[a];
                    if (ia < i) {
                        continue;
                    }
                    final int j = ia - i;
                    final double phiA = phi[ia];
                    for (int b = 0; b < arCount; b++) {
                        final int lb = arNonZero[b];
                        if (lb >= l) {
                            v += phiA * phi[lb] * gamma[Math.abs(j - (lb - l))];
                        }
                    }
                    for (int b = 0; b < maCount; b++) {
                        final int k = maNonZero[b] - l;
                        if (k > j) {
                            v += phiA * rVec[l + k] * psi[k - 1 - j];
                        }
                    }
                }
                for (int a = 0; a < maCount; a++) {
                    final int j = maNonZero[a] - i;
                    if (j < 0) {
                        continue;
                    }
                    final double rA = rVec[i + j];
                    for (int b = 0; b < arCount; b++) {
                        final int k = arNonZero[b] - l;
                        if (k >= 0 && j > k) {
                            v += rA * phi[l + k] * psi[j - 1 - k];
                        }
                    }
                    if (l + j < dim) {
                        v += rA * rVec[l + j];
                    }
                }
                p[i * dim + l] = v;
                p[l * dim + i] = v;
            }
        }
        return Double.isFinite(p[0]);
    }

    /** c_k = Σ_{j≥k} θ_j ψ_{j-k}, θ_0 = 1. */
    private double rhs(final int k, final int maCount) {
        double c = 0;
        for (int b = 0; b < maCount; b++) {
            final int j = maNonZero[b];
            if (j >= k) {
                c += rVec[j] * psi[j - k];
            }
        }
        return c;
    }

    /** Gaussian elimination with partial pivoting of the augmented system in {@code work}; false if singular. */
    private boolean solve(final int size, final int stride) {
        for (int col = 0; col < size; col++) {
            int pivot = col;
            for (int row = col + 1; row < size; row++) {
                if (Math.abs(work[row * stride + col]) > Math.abs(work[pivot * stride + col])) {
                    pivot = row;
                }
            }
            final double head = work[pivot * stride + col];
            if (!(Math.abs(head) > 1e-12)) {
                return false;
            }
            if (pivot != col) {
                for (int m = 0; m <= size; m++) {
                    final double t = work[col * stride + m];
                    work[col * stride + m] = work[pivot * stride + m];
                    work[pivot * stride + m] = t;
                }
            }
            for (int row = 0; row < size; row++) {
                if (row == col) {
                    continue;
                }
                final double factor = work[row * stride + col] / head;
                if (factor != 0) {
                    for (int m = col; m <= size; m++) {
                        work[row * stride + m] -= factor * work[col * stride + m];
                    }
                }
            }
            for (int m = col; m <= size; m++) {
                work[col * stride + m] /= head;
            }
        }
        return true;
    }

    /** P_0 = Σ_j T^j RR' T'^j by doubling, into {@code cov}; false when it does not converge or is not finite. */
    private boolean covarianceByDoubling() {
        final int dim = r;
        final double[] p = cov;
        final double[] a = power;
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
                p[i * dim + j] = rVec[i] * rVec[j];
                a[i * dim + j] = (j == 0 ? phi[i] : 0) + (j == i + 1 ? 1 : 0);
            }
        }
        for (int k = 0; k < MAX_DOUBLINGS; k++) {
            double largest = 0;
            for (int i = 0; i < dim * dim; i++) {
                largest = Math.max(largest, Math.abs(a[i]));
            }
            if (largest < NEGLIGIBLE_POWER) {
                return Double.isFinite(p[0]);
            }
            // work = A P; P += work A'
            multiply(a, p, work, dim);
            for (int i = 0; i < dim; i++) {
                for (int j = i; j < dim; j++) {
                    double s = 0;
                    for (int l = 0; l < dim; l++) {
                        s += work[i * dim + l] * a[j * dim + l];
                    }
                    p[i * dim + j] += s;
                    if (j != i) {
                        p[j * dim + i] += s;
                    }
                }
            }
            multiply(a, a, work2, dim);
            System.arraycopy(work2, 0, a, 0, dim * dim);
        }
        return false;
    }

    /** out = x y for dim × dim row-major matrices. */
    private static void multiply(final double[] x, final double[] y, final double[] out, final int dim) {
        for (int i = 0; i < dim * dim; i++) {
            out[i] = 0;
        }
        for (int i = 0; i < dim; i++) {
            for (int l = 0; l < dim; l++) {
                final double xil = x[i * dim + l];
                if (xil == 0) {
                    continue;
                }
                for (int j = 0; j < dim; j++) {
                    out[i * dim + j] += xil * y[l * dim + j];
                }
            }
        }
    }
}
