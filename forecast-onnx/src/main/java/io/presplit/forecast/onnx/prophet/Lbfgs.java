package io.presplit.forecast.onnx.prophet;

/**
 * Limited-memory BFGS minimization of a smooth function, with preallocated state so that repeated fits allocate
 * nothing.
 * <p>
 * Algorithm: Nocedal &amp; Wright, "Numerical Optimization" (2nd ed., 2006), Algorithm 7.5 (L-BFGS) with the
 * two-loop recursion of Algorithm 7.4 and the initial Hessian scaling {@code γ = sᵀy / yᵀy} of eq. 7.20; the step
 * length by backtracking from 1 (halving) until the Armijo condition {@code f(x + αp) ≤ f(x) + c₁ α ∇fᵀp},
 * {@code c₁ = 1e-4}, holds. A pair {@code (s, y)} with {@code sᵀy ≤ 1e-12 |s||y|} (no positive curvature, which
 * Armijo backtracking does not guarantee) is not stored, so the implied Hessian stays positive definite. The first
 * step is scaled to length 1 in the gradient's direction.
 * <p>
 * Stops when the relative decrease of {@code f} in one iteration falls under {@code relativeTolerance} (as Stan's
 * {@code tol_rel_obj}), the largest gradient entry under {@code gradientTolerance}, no step decreases {@code f}, or
 * after {@code maxIterations}.
 * <p>
 * Why our own: neither Apache Commons Math nor Hipparchus has L-BFGS (they offer nonlinear conjugate gradient,
 * BOBYQA, CMA-ES); Smile's is GPL since 3.0 and a large dependency; the unmaintained lbfgs4j ports are not
 * allocation-free. This is about a hundred lines and is tested on a quadratic and the Rosenbrock function.
 * <p>
 * Threading: one thread per instance. {@link #minimize} allocates nothing.
 */
public final class Lbfgs {
    /** Stopped because the relative decrease of f fell under the tolerance. */
    public static final int CONVERGED_OBJECTIVE = 1;
    /** Stopped because the gradient is (nearly) zero. */
    public static final int CONVERGED_GRADIENT = 2;
    /** Stopped because no step along the search direction decreased f. */
    public static final int LINE_SEARCH_FAILED = -1;
    /** Stopped at the iteration limit. */
    public static final int MAX_ITERATIONS = -2;

    private static final double ARMIJO = 1e-4;
    private static final int MAX_BACKTRACKS = 60;

    /** A function to minimize. */
    public interface Objective {
        /**
         * Returns {@code f(x)} and writes {@code ∇f(x)} into {@code gradient}. Must not keep {@code x}.
         * A non-finite value tells the line search to step back.
         */
        double evaluate(double[] x, double[] gradient);
    }

    private final int dimension;
    private final int memory;
    private final double[][] s;
    private final double[][] y;
    private final double[] rho;
    private final double[] alpha;
    private final double[] gradient;
    private final double[] nextGradient;
    private final double[] direction;
    private final double[] next;
    private int iterations;

    /**
     * @param dimension the number of variables.
     * @param memory    the number m of correction pairs kept (5–20 is usual).
     */
    public Lbfgs(final int dimension, final int memory) {
        if (dimension < 1 || memory < 1) {
            throw new IllegalArgumentException("invalid L-BFGS size [dimension=" + dimension + ", memory=" + memory
                + "]");
        }
        this.dimension = dimension;
        this.memory = memory;
        this.s = new double[memory][dimension];
        this.y = new double[memory][dimension];
        this.rho = new double[memory];
        this.alpha = new double[memory];
        this.gradient = new double[dimension];
        this.nextGradient = new double[dimension];
        this.direction = new double[dimension];
        this.next = new double[dimension];
    }

    /** The number of variables. */
    public int dimension() {
        return dimension;
    }

    /** Iterations of the last {@link #minimize}. */
    public int iterations() {
        return iterations;
    }

    /**
     * Minimizes {@code objective} from {@code x[0..dimension)}, leaving the best point found in {@code x}.
     * Allocation-free.
     *
     * @return {@link #CONVERGED_OBJECTIVE}, {@link #CONVERGED_GRADIENT}, {@link #LINE_SEARCH_FAILED} or
     *         {@link #MAX_ITERATIONS}.
     */
    public int minimize(final Objective objective, final double[] x, final int maxIterations,
        final double relativeTolerance, final double gradientTolerance) {
        final int n = dimension;
        double f = objective.evaluate(x, gradient);
        if (!Double.isFinite(f)) {
            iterations = 0;
            return LINE_SEARCH_FAILED;
        }
        int stored = 0;
        int newest = -1;
        for (iterations = 0; iterations < maxIterations; iterations++) {
            if (maxAbs(gradient, n) <= gradientTolerance) {
                return CONVERGED_GRADIENT;
            }
            searchDirection(stored, newest);
            double slope = dot(gradient, direction, n);
            if (!(slope < 0)) {
                // not a descent direction (numerical trouble): restart from steepest descent
                stored = 0;
                for (int i = 0; i < n; i++) {
                    direction[i] = -gradient[i];
                }
                slope = dot(gradient, direction, n);
            }
            double step = stored == 0 ? 1.0 / Math.max(Math.sqrt(-slope), 1e-300) : 1.0;
            double fNext = Double.NaN;
            boolean isAccepted = false;
            for (int b = 0; b < MAX_BACKTRACKS; b++) {
                for (int i = 0; i < n; i++) {
                    next[i] = x[i] + step * direction[i];
                }
                fNext = objective.evaluate(next, nextGradient);
                if (Double.isFinite(fNext) && fNext <= f + ARMIJO * step * slope) {
                    isAccepted = true;
                    break;
                }
                step *= 0.5;
            }
            if (!isAccepted) {
                return LINE_SEARCH_FAILED;
            }
            // store the correction pair (s, y) if it carries positive curvature
            double sy = 0;
            double ss = 0;
            double yy = 0;
            for (int i = 0; i < n; i++) {
                final double si = next[i] - x[i];
                final double yi = nextGradient[i] - gradient[i];
                sy += si * yi;
                ss += si * si;
                yy += yi * yi;
            }
            if (sy > 1e-12 * Math.sqrt(ss * yy)) {
                final int slot = (newest + 1) % memory;
                for (int i = 0; i < n; i++) {
                    s[slot][i] = next[i] - x[i];
                    y[slot][i] = nextGradient[i] - gradient[i];
                }
                rho[slot] = 1.0 / sy;
                newest = slot;
                stored = Math.min(stored + 1, memory);
            }
            final double decrease = f - fNext;
            System.arraycopy(next, 0, x, 0, n);
            System.arraycopy(nextGradient, 0, gradient, 0, n);
            final double previous = f;
            f = fNext;
            if (decrease <= relativeTolerance * Math.max(Math.max(Math.abs(previous), Math.abs(f)), 1.0)) {
                iterations++;
                return CONVERGED_OBJECTIVE;
            }
        }
        return MAX_ITERATIONS;
    }

    /** direction = -H ∇f by the two-loop recursion over the {@code stored} newest pairs. */
    private void searchDirection(final int stored, final int newest) {
        final int n = dimension;
        for (int i = 0; i < n; i++) {
            direction[i] = -gradient[i];
        }
        int slot = newest;
        for (int j = 0; j < stored; j++) {
            final double a = rho[slot] * dot(s[slot], direction, n);
            alpha[slot] = a;
            final double[] ys = y[slot];
            for (int i = 0; i < n; i++) {
                direction[i] -= a * ys[i];
            }
            slot = (slot - 1 + memory) % memory;
        }
        if (stored > 0) {
            final double gamma = 1.0 / (rho[newest] * dot(y[newest], y[newest], n));
            for (int i = 0; i < n; i++) {
                direction[i] *= gamma;
            }
        }
        slot = (newest - stored + 1 + memory) % memory;
        for (int j = 0; j < stored; j++) {
            final double b = rho[slot] * dot(y[slot], direction, n);
            final double[] ss = s[slot];
            final double a = alpha[slot];
            for (int i = 0; i < n; i++) {
                direction[i] += (a - b) * ss[i];
            }
            slot = (slot + 1) % memory;
        }
    }

    private static double dot(final double[] a, final double[] b, final int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double maxAbs(final double[] a, final int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(a[i]));
        }
        return max;
    }
}
