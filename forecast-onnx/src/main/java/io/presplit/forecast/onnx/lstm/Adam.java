package io.presplit.forecast.onnx.lstm;

/**
 * Adam over a flat parameter vector (Kingma &amp; Ba 2015, Algorithm 1, with bias correction):
 * <pre>
 *   m ← β1 m + (1 - β1) g        v ← β2 v + (1 - β2) g²
 *   θ ← θ - lr · (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε)
 * </pre>
 * One thread; allocation-free after construction.
 */
public final class Adam {
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final double[] m;
    private final double[] v;
    private long step;

    /** @param size number of parameters. */
    public Adam(final int size) {
        this.m = new double[size];
        this.v = new double[size];
    }

    /** Moves {@code parameters} one step against {@code gradient} with learning rate {@code rate}. */
    public void step(final double[] parameters, final double[] gradient, final double rate) {
        step++;
        final double correction1 = 1 - Math.pow(BETA1, step);
        final double correction2 = 1 - Math.pow(BETA2, step);
        for (int i = 0; i < parameters.length; i++) {
            final double g = gradient[i];
            m[i] = BETA1 * m[i] + (1 - BETA1) * g;
            v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
            parameters[i] -= rate * (m[i] / correction1) / (Math.sqrt(v[i] / correction2) + EPSILON);
        }
    }

    /** Steps taken. */
    public long steps() {
        return step;
    }
}
