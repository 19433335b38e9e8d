package io.presplit.forecast;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Prediction intervals calibrated from each partition's recent out-of-sample residuals, per horizon step.
 * <p>
 * Algorithm: every forecast path a model issues is remembered for {@code maxHorizon} ticks. When tick {@code t}
 * completes with load {@code y}, each remembered path issued at {@code t - h} yields the out-of-sample residual of
 * step {@code h}, {@code r = y - mean[t-h][h]}. Per slot and step, two quantiles of {@code r} are tracked online as
 * multiples {@code z} of the residuals' own scale, by the Robbins–Monro stochastic-approximation rule, so that one
 * learning rate fits every load level and a change of volatility moves the interval at once:
 * <pre>
 *   s   &larr; s + &lambda; (|r| - s)                         (exponentially weighted mean absolute residual)
 *   z_&tau; &larr; z_&tau; + &eta; (&tau; - 1{r &le; s z_&tau;})             (&tau; = 0.5, 0.9)
 *   q_&tau; = s z_&tau;
 * </pre>
 * whose fixed point makes {@code q_τ} the &tau;-quantile of the recent residuals (Robbins &amp; Monro 1951; used for
 * adaptive conformal intervals by Gibbs &amp; Cand&egrave;s, NeurIPS 2021). {@code z} starts at the Gaussian
 * values {@code z_0.5 = 0}, {@code z_0.9 = 1.2816 / 0.7979 = 1.606} (quantile over mean absolute deviation). The
 * table's quantiles are then {@code p50 = mean + q_0.5} and {@code p90 = mean + q_0.9}: the median corrects a
 * model's recent bias, the upper quantile is what the adjustment engine can provision for.
 * <p>
 * Coverage is measured prequentially: before each update the calibrator checks whether the residual fell at or
 * under the quantile in force, and counts hits per step over all slots ({@link #coverage90(int)}).
 * <p>
 * Memory: {@code slotCapacity * maxHorizon * maxHorizon * 8} bytes off-heap for the remembered paths, plus
 * {@code 3 * slotCapacity * maxHorizon} doubles of tracker state. Threading: control thread only.
 * {@link #observe} and {@link #calibrate} do not allocate.
 */
public final class IntervalCalibrator {
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final double TAU_50 = 0.5;
    private static final double TAU_90 = 0.9;
    private static final long NOT_ISSUED = Long.MIN_VALUE;
    /** Gaussian 90% quantile over mean absolute deviation: 1.2816 / sqrt(2 / pi). */
    private static final double Z90_START = 1.2816 / Math.sqrt(2 / Math.PI);

    private final int maxHorizon;
    private final double eta;
    private final double lambda;
    private final MemorySegment paths;
    private final long[] issuedAt;
    private final double[] scale;
    /** z_0.5 per slot and step. */
    private final double[] q50;
    /** z_0.9 per slot and step. */
    private final double[] q90;
    private final int[] seen;
    private final long[] hits50;
    private final long[] hits90;
    private final long[] counts;

    /**
     * @param slotCapacity number of partition slots.
     * @param maxHorizon   longest horizon, in ticks.
     * @param eta          quantile learning rate &eta;, in (0, 1]; 0.05 adapts within a few tens of residuals.
     * @param lambda       weight &lambda; of the newest residual in the scale, in (0, 1].
     */
    public IntervalCalibrator(final int slotCapacity, final int maxHorizon, final double eta, final double lambda) {
        if (slotCapacity < 1 || maxHorizon < 1 || !(eta > 0 && eta <= 1) || !(lambda > 0 && lambda <= 1)) {
            throw new IllegalArgumentException("invalid calibrator [slotCapacity=" + slotCapacity + ", maxHorizon="
                + maxHorizon + ", eta=" + eta + ", lambda=" + lambda + "]");
        }
        this.maxHorizon = maxHorizon;
        this.eta = eta;
        this.lambda = lambda;
        final long cells = (long) slotCapacity * maxHorizon;
        this.paths = Arena.ofAuto().allocate(cells * maxHorizon * Double.BYTES, 64);
        this.issuedAt = new long[Math.toIntExact(cells)];
        Arrays.fill(issuedAt, NOT_ISSUED);
        this.scale = new double[(int) cells];
        this.q50 = new double[(int) cells];
        this.q90 = new double[(int) cells];
        this.seen = new int[(int) cells];
        this.hits50 = new long[maxHorizon];
        this.hits90 = new long[maxHorizon];
        this.counts = new long[maxHorizon];
    }

    /**
     * Learns from the load {@code actual} of tick index {@code tick} (0-based: the tick completed when the history's
     * tick count became {@code tick + 1}) against every remembered path that predicted it. Allocation-free.
     */
    public void observe(final int slot, final long tick, final double actual) {
        final int mh = maxHorizon;
        final int cellBase = slot * mh;
        for (int h = 0; h < mh; h++) {
            final long issue = tick - h;
            if (issue < 0) {
                break;
            }
            final int ring = (int) (issue % mh);
            if (issuedAt[cellBase + ring] != issue) {
                continue;
            }
            final double predicted = paths.getAtIndex(DOUBLE, ((long) cellBase + ring) * mh + h);
            final double r = actual - predicted;
            if (!Double.isFinite(r)) {
                continue;
            }
            final int cell = cellBase + h;
            if (seen[cell] == 0) {
                // the first residual sets the scale; z starts from the Gaussian values
                scale[cell] = Math.abs(r);
                q50[cell] = 0;
                q90[cell] = Z90_START;
            } else {
                final boolean isUnder50 = r <= scale[cell] * q50[cell];
                final boolean isUnder90 = r <= scale[cell] * q90[cell];
                counts[h]++;
                hits50[h] += isUnder50 ? 1 : 0;
                hits90[h] += isUnder90 ? 1 : 0;
                scale[cell] += lambda * (Math.abs(r) - scale[cell]);
                q50[cell] += eta * (TAU_50 - (isUnder50 ? 1 : 0));
                q90[cell] += eta * (TAU_90 - (isUnder90 ? 1 : 0));
            }
            seen[cell]++;
        }
    }

    /**
     * Remembers the means that {@code table} holds for {@code slot}, issued at tick count {@code tickCount} (so step
     * {@code h} predicts tick index {@code tickCount + h}), and writes the calibrated quantiles into the table.
     * A step without residuals yet keeps the point forecast as its quantiles. Allocation-free.
     */
    public void calibrate(final int slot, final long tickCount, final ForecastTable table) {
        final int mh = maxHorizon;
        final int cellBase = slot * mh;
        final int ring = (int) (tickCount % mh);
        issuedAt[cellBase + ring] = tickCount;
        final long pathBase = ((long) cellBase + ring) * mh;
        final int horizon = Math.min(table.horizon(), mh);
        for (int h = 0; h < horizon; h++) {
            final double mean = table.mean(slot, h);
            paths.setAtIndex(DOUBLE, pathBase + h, mean);
            final int cell = cellBase + h;
            if (seen[cell] > 0) {
                // quantiles never cross: p90 at least p50.
                final double lo = mean + scale[cell] * q50[cell];
                table.quantiles(slot, h, lo, Math.max(lo, mean + scale[cell] * q90[cell]));
            }
        }
        for (int h = horizon; h < mh; h++) {
            paths.setAtIndex(DOUBLE, pathBase + h, Double.NaN);
        }
    }

    /** Forgets what was learnt for {@code slot} (a new or reused partition). Cold path. */
    public void clear(final int slot) {
        final int cellBase = slot * maxHorizon;
        Arrays.fill(issuedAt, cellBase, cellBase + maxHorizon, NOT_ISSUED);
        Arrays.fill(seen, cellBase, cellBase + maxHorizon, 0);
        Arrays.fill(scale, cellBase, cellBase + maxHorizon, 0);
        Arrays.fill(q50, cellBase, cellBase + maxHorizon, 0);
        Arrays.fill(q90, cellBase, cellBase + maxHorizon, 0);
    }

    /** The residual quantile offset in force for {@code slot} at {@code step}: p90 minus the mean. */
    public double upperOffset(final int slot, final int step) {
        final int cell = slot * maxHorizon + step;
        return scale[cell] * q90[cell];
    }

    /** Share of checked residuals at {@code step} that fell at or under the 90% quantile in force (NaN if none). */
    public double coverage90(final int step) {
        return counts[step] == 0 ? Double.NaN : (double) hits90[step] / counts[step];
    }

    /** Share of checked residuals at {@code step} that fell at or under the median in force (NaN if none). */
    public double coverage50(final int step) {
        return counts[step] == 0 ? Double.NaN : (double) hits50[step] / counts[step];
    }

    /** Residuals checked for coverage at {@code step}, over all slots. */
    public long checked(final int step) {
        return counts[step];
    }
}
