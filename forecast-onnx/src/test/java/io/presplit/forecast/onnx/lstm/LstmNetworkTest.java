package io.presplit.forecast.onnx.lstm;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The LSTM's gradient against finite differences, and its forward pass against a from-the-formula reference. */
class LstmNetworkTest {
    private static final long SEED = 20261124L;

    /**
     * Guards backpropagation through time: a wrong index, gate order or missing term in any of W, R, the biases, the
     * heads or the skip shows up as a relative error far above the central-difference error (about 1e-7 here).
     */
    @Test
    void shouldMatchFiniteDifferencesWhenGradientIsChecked() {
        final LstmConfig config = new LstmConfig(5, 2, 3, 4, new double[] {0.5, 0.9}, true);
        final LstmNetwork net = new LstmNetwork(config);
        final SplittableRandom random = new SplittableRandom(SEED);
        System.out.println("gradient check seed=" + SEED);
        final double[] p = net.parameters();
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextDouble(-0.8, 0.8);
        }
        final int batch = 3;
        final double[] x = randoms(random, batch * config.window() * config.features());
        final double[] y = randoms(random, batch * config.horizon());
        final double[] gradient = new double[p.length];
        net.lossAndGradient(x, y, batch, gradient);

        final double eps = 1e-6;
        double worst = 0;
        for (int i = 0; i < p.length; i++) {
            final double saved = p[i];
            p[i] = saved + eps;
            final double up = net.lossAndGradient(x, y, batch, null);
            p[i] = saved - eps;
            final double down = net.lossAndGradient(x, y, batch, null);
            p[i] = saved;
            final double numeric = (up - down) / (2 * eps);
            final double error = Math.abs(numeric - gradient[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(
                gradient[i]));
            worst = Math.max(worst, error);
        }
        System.out.printf("gradient check worst relative error %.3g over %d parameters%n", worst, p.length);
        assertThat(worst).isLessThan(1e-5);
    }

    /** Guards the gate order (i, o, f, c) and the recurrence against a direct transcription of ONNX's formulas. */
    @Test
    void shouldFollowOnnxLstmFormulasWhenRunForward() {
        final LstmConfig config = new LstmConfig(4, 1, 2, 3, new double[] {0.5}, false);
        final LstmNetwork net = new LstmNetwork(config);
        final SplittableRandom random = new SplittableRandom(SEED);
        final double[] p = net.parameters();
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextDouble(-1, 1);
        }
        final double[] x = randoms(random, 4);
        final double[] out = new double[3];
        net.forward(x, 1, out);

        final int hs = 2;
        double[] h = new double[hs];
        double[] c = new double[hs];
        for (int t = 0; t < 4; t++) {
            final double[] nh = new double[hs];
            final double[] nc = new double[hs];
            for (int j = 0; j < hs; j++) {
                final double[] z = new double[4];
                for (int gate = 0; gate < 4; gate++) {
                    final int row = gate * hs + j;
                    z[gate] = p[net.wOffset() + row] * x[t] + p[net.biasOffset() + row]
                        + p[net.biasOffset() + 4 * hs + row];
                    for (int k = 0; k < hs; k++) {
                        z[gate] += p[net.rOffset() + row * hs + k] * h[k];
                    }
                }
                final double in = 1 / (1 + Math.exp(-z[0]));
                final double o = 1 / (1 + Math.exp(-z[1]));
                final double f = 1 / (1 + Math.exp(-z[2]));
                nc[j] = f * c[j] + in * Math.tanh(z[3]);
                nh[j] = o * Math.tanh(nc[j]);
            }
            h = nh;
            c = nc;
        }
        for (int k = 0; k < 3; k++) {
            double expected = p[net.headBiasOffset() + k];
            for (int j = 0; j < hs; j++) {
                expected += p[net.headOffset() + k * hs + j] * h[j];
            }
            assertThat(out[k]).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    private static double[] randoms(final SplittableRandom random, final int n) {
        final double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextDouble(-2, 2);
        }
        return values;
    }
}
