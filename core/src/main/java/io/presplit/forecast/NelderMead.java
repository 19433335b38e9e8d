package io.presplit.forecast;

/**
 * Derivative-free minimization by the Nelder–Mead simplex method, over caller-owned buffers.
 * <p>
 * Algorithm: the standard reflection (&alpha; = 1), expansion (&gamma; = 2), contraction (&rho; = 0.5) and shrink
 * (&sigma; = 0.5) moves of Nelder &amp; Mead (1965), "A simplex method for function minimization", Computer Journal
 * 7(4), as in R's {@code optim(method = "Nelder-Mead")}, which {@code forecast::ets} uses. It stops when the spread
 * of objective values over the simplex falls under {@code tolerance} (relative) or after {@code maxEvaluations}.
 * <p>
 * One instance per thread; {@link #minimize} allocates nothing (the simplex lives in buffers sized at construction).
 */
public final class NelderMead {
    /** An objective over {@code x[0..dimension)}; may return {@code +Infinity} to reject a point. */
    @FunctionalInterface
    public interface Objective {
        /** The value to minimize at {@code x}. */
        double value(double[] x);
    }

    private final int dimension;
    private final double[][] simplex;
    private final double[] values;
    private final double[] centroid;
    private final double[] trial;
    private final double[] trial2;
    private int evaluations;

    /** @param dimension number of free parameters. */
    public NelderMead(final int dimension) {
        if (dimension < 1) {
            throw new IllegalArgumentException("dimension must be positive [dimension=" + dimension + "]");
        }
        this.dimension = dimension;
        this.simplex = new double[dimension + 1][dimension];
        this.values = new double[dimension + 1];
        this.centroid = new double[dimension];
        this.trial = new double[dimension];
        this.trial2 = new double[dimension];
    }

    /** Objective evaluations spent by the last {@link #minimize} call. */
    public int evaluations() {
        return evaluations;
    }

    /**
     * Minimizes {@code f} from {@code start}, with initial steps {@code step} along each axis; writes the best point
     * into {@code start} and returns its value.
     */
    public double minimize(
        final Objective f, final double[] start, final double step, final double tolerance, final int maxEvaluations) {
        final int n = dimension;
        evaluations = 0;
        for (int i = 0; i <= n; i++) {
            System.arraycopy(start, 0, simplex[i], 0, n);
            if (i > 0) {
                simplex[i][i - 1] += step;
            }
            values[i] = eval(f, simplex[i]);
        }
        while (evaluations < maxEvaluations) {
            sort();
            final double best = values[0];
            final double worst = values[n];
            if (Math.abs(worst - best) <= tolerance * (Math.abs(best) + tolerance)) {
                break;
            }
            // centroid of all but the worst vertex
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += simplex[i][j];
                }
                centroid[j] = sum / n;
            }
            move(centroid, simplex[n], -1.0, trial); // reflection: c + (c - worst)
            final double reflected = eval(f, trial);
            if (reflected < best) {
                move(centroid, simplex[n], -2.0, trial2); // expansion
                final double expanded = eval(f, trial2);
                if (expanded < reflected) {
                    accept(trial2, expanded);
                } else {
                    accept(trial, reflected);
                }
            } else if (reflected < values[n - 1]) {
                accept(trial, reflected);
            } else {
                final boolean isOutside = reflected < worst;
                // outside contraction towards the reflected point, inside towards the worst
                move(centroid, simplex[n], isOutside ? -0.5 : 0.5, trial2);
                final double contracted = eval(f, trial2);
                if (contracted < Math.min(reflected, worst)) {
                    accept(trial2, contracted);
                } else {
                    for (int i = 1; i <= n; i++) {
                        for (int j = 0; j < n; j++) {
                            simplex[i][j] = simplex[0][j] + 0.5 * (simplex[i][j] - simplex[0][j]);
                        }
                        values[i] = eval(f, simplex[i]);
                    }
                }
            }
        }
        sort();
        System.arraycopy(simplex[0], 0, start, 0, n);
        return values[0];
    }

    private double eval(final Objective f, final double[] x) {
        evaluations++;
        final double v = f.value(x);
        return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
    }

    /** out = c + t * (x - c). */
    private void move(final double[] c, final double[] x, final double t, final double[] out) {
        for (int j = 0; j < dimension; j++) {
            out[j] = c[j] + t * (x[j] - c[j]);
        }
    }

    private void accept(final double[] x, final double value) {
        System.arraycopy(x, 0, simplex[dimension], 0, dimension);
        values[dimension] = value;
    }

    /** Insertion sort of the vertices by value (n is small); swaps row references, no copying. */
    private void sort() {
        for (int i = 1; i <= dimension; i++) {
            final double v = values[i];
            final double[] row = simplex[i];
            int k = i - 1;
            while (k >= 0 && values[k] > v) {
                values[k + 1] = values[k];
                simplex[k + 1] = simplex[k];
                k--;
            }
            values[k + 1] = v;
            simplex[k + 1] = row;
        }
    }
}
