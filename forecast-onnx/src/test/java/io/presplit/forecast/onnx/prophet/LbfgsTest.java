package io.presplit.forecast.onnx.prophet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The L-BFGS optimizer behind the Prophet fit: textbook problems with known minima. */
class LbfgsTest {
    /** An ill-conditioned quadratic (condition number 10⁴): guards the two-loop recursion and the scaling. */
    @Test
    void shouldFindMinimumWhenQuadraticIsIllConditioned() {
        final int n = 20;
        final Lbfgs lbfgs = new Lbfgs(n, 8);
        final double[] x = new double[n];
        final int status = lbfgs.minimize((p, g) -> {
            double f = 0;
            for (int i = 0; i < n; i++) {
                final double scale = Math.pow(10, 4.0 * i / (n - 1));
                final double d = p[i] - (i + 1);
                f += 0.5 * scale * d * d;
                g[i] = scale * d;
            }
            return f;
        }, x, 1_000, 0, 1e-9);
        assertThat(status).isEqualTo(Lbfgs.CONVERGED_GRADIENT);
        for (int i = 0; i < n; i++) {
            assertThat(x[i]).isCloseTo(i + 1, within(1e-8));
        }
    }

    /** Rosenbrock's banana valley from (-1.2, 1): a curved valley that a poor line search never leaves. */
    @Test
    void shouldReachRosenbrockMinimumWhenStartedAtClassicPoint() {
        final Lbfgs lbfgs = new Lbfgs(2, 5);
        final double[] x = {-1.2, 1};
        lbfgs.minimize((p, g) -> {
            final double a = 1 - p[0];
            final double b = p[1] - p[0] * p[0];
            g[0] = -2 * a - 400 * p[0] * b;
            g[1] = 200 * b;
            return a * a + 100 * b * b;
        }, x, 10_000, 0, 1e-10);
        assertThat(x[0]).isCloseTo(1, within(1e-6));
        assertThat(x[1]).isCloseTo(1, within(1e-6));
    }
}
