package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ArmaKalmanFilterTest {
    /**
     * Guards the exact likelihood of an ARMA with a multiplicative seasonal MA, (1 - 0.5B) x = (1 + 0.3B)(1 + 0.4B^4)
     * e: the Kalman filter's -2 log L (σ² concentrated out) must equal the multivariate-normal density of the 40
     * values computed directly in this test, from the autocovariance matrix (ψ weights, Cholesky), to 1e-8.
     */
    @Test
    void shouldMatchTheMultivariateNormalDensityWhenTheModelHasArAndSeasonalMaTerms() {
        final double[] x = ArimaTest.simulate(40, new double[] {0.5}, new double[] {0.3}, 4, 0, 0.4, 2.0, 101);
        final ArmaKalmanFilter filter = new ArmaKalmanFilter(8);
        assertThat(filter.setModel(new int[] {1}, new double[] {0.5}, 1, new int[] {1, 4, 5},
            new double[] {0.3, 0.4, 0.12}, 3)).isTrue();
        assertThat(filter.dimension()).isEqualTo(6);
        final double kalman = filter.minus2LogLikelihood(x, x.length, 2.0, null);
        final double direct = directMinus2LogLikelihood(x, 2.0, new double[] {0.5}, new double[] {0, 0.3, 0, 0, 0.4,
            0.12});
        assertThat(kalman).isCloseTo(direct, within(1e-8 * Math.abs(direct)));
    }

    /**
     * Guards the state dimension r = p when the AR part is the longer one (AR lags 1 and 4, MA lag 1) and the
     * stationary initial covariance of a strongly persistent AR (seasonal root 0.9): again equal to the direct
     * density to 1e-8.
     */
    @Test
    void shouldMatchTheMultivariateNormalDensityWhenTheArPartIsLongAndPersistent() {
        final double[] x = ArimaTest.simulate(60, new double[] {0.3}, new double[] {-0.4}, 4, 0.9, 0, 0.0, 202);
        final ArmaKalmanFilter filter = new ArmaKalmanFilter(8);
        // (1 - 0.3B)(1 - 0.9B^4) = 1 - 0.3B - 0.9B^4 + 0.27B^5
        assertThat(filter.setModel(new int[] {1, 4, 5}, new double[] {0.3, 0.9, -0.27}, 3, new int[] {1},
            new double[] {-0.4}, 1)).isTrue();
        assertThat(filter.dimension()).isEqualTo(5);
        final double kalman = filter.minus2LogLikelihood(x, x.length, 0.0, null);
        final double direct = directMinus2LogLikelihood(x, 0.0, new double[] {0.3, 0, 0, 0.9, -0.27},
            new double[] {0, -0.4});
        assertThat(kalman).isCloseTo(direct, within(1e-8 * Math.abs(direct)));
    }

    /**
     * Guards the switch to the fast recursions: on a long MA(1) series the filter must converge (P_{t|t} → 0) well
     * before the end, and the likelihood must still equal the direct density of its first 150 values when run on
     * those alone.
     */
    @Test
    void shouldConvergeToTheFastRecursionsWhenTheModelIsInvertible() {
        final double[] x = ArimaTest.simulate(150, new double[0], new double[] {0.6}, 0, 0, 0, 0.0, 303);
        final ArmaKalmanFilter filter = new ArmaKalmanFilter(4);
        assertThat(filter.setModel(new int[0], new double[0], 0, new int[] {1}, new double[] {0.6}, 1)).isTrue();
        final double kalman = filter.minus2LogLikelihood(x, x.length, 0.0, null);
        assertThat(filter.convergedAt()).isLessThan(100);
        final double direct = directMinus2LogLikelihood(x, 0.0, new double[0], new double[] {0, 0.6});
        assertThat(kalman).isCloseTo(direct, within(1e-8 * Math.abs(direct)));
    }

    /**
     * Guards the stationary initial covariance from the autocovariances against the Lyapunov doubling algorithm on
     * a daily-seasonal model of the size the automatic ARIMA picks on hourly data, (1 - 0.4B)(1 - 0.6B^24) x =
     * (1 + 0.3B)(1 - 0.5B^24) e (state dimension 26), and on a pure AR whose order fills the buffers (the linear
     * system's largest size): every element equal to 1e-9 relative to P_00.
     */
    @Test
    void shouldFindTheLyapunovSolutionWhenComputingTheInitialCovarianceFromAutocovariances() {
        final ArmaKalmanFilter filter = new ArmaKalmanFilter(26);
        assertThat(filter.setModel(new int[] {1, 24, 25}, new double[] {0.4, 0.6, -0.24}, 3, new int[] {1, 24, 25},
            new double[] {0.3, -0.5, -0.15}, 3)).isTrue();
        assertThat(filter.dimension()).isEqualTo(26);
        assertSameCovariance(filter);
        assertThat(filter.setModel(new int[] {1, 2, 26}, new double[] {0.5, -0.3, 0.4}, 3, new int[0],
            new double[0], 0)).isTrue();
        assertThat(filter.dimension()).isEqualTo(26);
        assertSameCovariance(filter);
    }

    private static void assertSameCovariance(final ArmaKalmanFilter filter) {
        final int dim = filter.dimension();
        final double[] doubling = new double[dim * dim];
        assertThat(filter.stationaryCovariance(true)).isTrue();
        for (int i = 0; i < dim * dim; i++) {
            doubling[i] = filter.covariance(i / dim, i % dim);
        }
        assertThat(filter.stationaryCovariance(false)).isTrue();
        final double tolerance = 1e-9 * doubling[0];
        for (int i = 0; i < dim * dim; i++) {
            assertThat(filter.covariance(i / dim, i % dim)).as("P0[%d][%d]", i / dim, i % dim)
                .isCloseTo(doubling[i], within(tolerance));
        }
    }

    /** Guards misuse: a model whose state exceeds the buffers is refused, not truncated. */
    @Test
    void shouldRefuseTheModelWhenItsStateExceedsTheBuffers() {
        final ArmaKalmanFilter filter = new ArmaKalmanFilter(4);
        assertThat(filter.setModel(new int[] {5}, new double[] {0.5}, 1, new int[0], new double[0], 0)).isFalse();
    }

    /**
     * -2 log L with σ² concentrated out, from the definition: Ω[i][j] = γ(|i - j|) / σ² by the ψ weights of
     * φ(B) x = θ(B) e (ψ_j = Σ φ_i ψ_{j-i} + θ_j, 4,000 terms), σ̂² = x'Ω⁻¹x / n, and
     * -2 log L = n log(2π σ̂²) + log det Ω + n, by a Cholesky factorization.
     *
     * @param ar    φ_1..φ_p.
     * @param maAll θ_0..θ_q with θ_0 ignored (taken as 1).
     */
    static double directMinus2LogLikelihood(final double[] x, final double mean, final double[] ar,
        final double[] maAll) {
        final int terms = 4_000;
        final double[] psi = new double[terms];
        for (int j = 0; j < terms; j++) {
            double v = j == 0 ? 1 : j < maAll.length ? maAll[j] : 0;
            for (int i = 1; i <= ar.length && i <= j; i++) {
                v += ar[i - 1] * psi[j - i];
            }
            psi[j] = v;
        }
        final int n = x.length;
        final double[] gamma = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int j = 0; j + k < terms; j++) {
                s += psi[j] * psi[j + k];
            }
            gamma[k] = s;
        }
        final double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = gamma[i - j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = i == j ? Math.sqrt(s) : s / l[j][j];
            }
        }
        double logDet = 0;
        final double[] z = new double[n];
        double quad = 0;
        for (int i = 0; i < n; i++) {
            double s = x[i] - mean;
            for (int k = 0; k < i; k++) {
                s -= l[i][k] * z[k];
            }
            z[i] = s / l[i][i];
            quad += z[i] * z[i];
            logDet += 2 * Math.log(l[i][i]);
        }
        final double sigma2 = quad / n;
        return n * Math.log(2 * Math.PI * sigma2) + logDet + n;
    }
}
