package io.presplit.forecast.onnx.lstm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two kernels the LSTM spends its time in, {@code y += a x} and {@code x · y} over doubles, with the Vector API
 * (the preferred species: 8 doubles on AVX-512) and a scalar tail. Allocation-free once compiled (the vectors are
 * scalar-replaced by C2). Rows shorter than one vector run the scalar loop only.
 */
final class VectorMath {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();

    private VectorMath() {
    }

    /** {@code y[yOff + i] += a * x[xOff + i]} for {@code i < n}. */
    static void axpy(final double a, final double[] x, final int xOff, final double[] y, final int yOff, final int n) {
        int i = 0;
        if (n >= LANES) {
            final DoubleVector va = DoubleVector.broadcast(SPECIES, a);
            final int bound = SPECIES.loopBound(n);
            for (; i < bound; i += LANES) {
                final DoubleVector vx = DoubleVector.fromArray(SPECIES, x, xOff + i);
                final DoubleVector vy = DoubleVector.fromArray(SPECIES, y, yOff + i);
                vx.fma(va, vy).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }

    /** {@code Σ x[xOff + i] * y[yOff + i]} for {@code i < n}. */
    static double dot(final double[] x, final int xOff, final double[] y, final int yOff, final int n) {
        int i = 0;
        double sum = 0;
        if (n >= LANES) {
            DoubleVector acc = DoubleVector.zero(SPECIES);
            final int bound = SPECIES.loopBound(n);
            for (; i < bound; i += LANES) {
                final DoubleVector vx = DoubleVector.fromArray(SPECIES, x, xOff + i);
                final DoubleVector vy = DoubleVector.fromArray(SPECIES, y, yOff + i);
                acc = vx.fma(vy, acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum += x[xOff + i] * y[yOff + i];
        }
        return sum;
    }

    /** The plain-loop {@link #axpy}, the baseline the benchmarks compare against. */
    static void axpyScalar(
        final double a, final double[] x, final int xOff, final double[] y, final int yOff, final int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += a * x[xOff + i];
        }
    }
}
