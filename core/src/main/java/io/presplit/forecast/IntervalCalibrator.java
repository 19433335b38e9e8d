package io.presplit.forecast;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Prediction intervals calibrated from each partition's recent out-of-sample residuals, per horizon step.
 * <p>
 * Algorithm: the forecasts a model issues are remembered until their target ticks arrive. When tick {@code t}
 * completes with load {@code y}, the forecast of step {@code h} issued at {@code t - h} yields the out-of-sample
 * residual of step {@code h}, {@code r = y - mean[t-h][h]}. Per slot and step, two quantiles of {@code r} are
 * tracked online as multiples {@code z} of the residuals' own scale, by the Robbins–Monro stochastic-approximation
 * rule, so that one learning rate fits every load level and a change of volatility moves the interval at once:
 * <pre>
 *   s   &larr; s + &lambda; (|r| - s)                         (exponentially weighted mean absolute residual)
 *   z_&tau; &larr; z_&tau; + &eta; (&tau; - 1{r &le; s z_&tau;})             (&tau; = 0.5, 0.9)
 *   q_&tau; = s z_&tau;
 * </pre>
 * whose fixed point makes {@code q_τ} the &tau;-quantile of the recent residuals (Robbins &amp; Monro 1951; used for
 * adaptive conformal intervals by Gibbs &amp; Cand&egrave;s, NeurIPS 2021). The indicators use the scale
 * <em>issued</em> with the forecast, {@code 1{r ≤ s_issued z_τ}}: a step-{@code h} residual arrives {@code h} ticks
 * late, and judging it against today's scale (which has already moved with the residuals since) made the long steps
 * under-cover when volatility rose (0.83–0.85 a day ahead on the rolling traces): the forecast was issued with the
 * old, smaller interval, yet the residual looked covered. So {@code z_τ} learns the &tau;-quantile of
 * {@code r / s_issued}, which is what an issued interval {@code s z_τ} must cover. (Judging against the whole
 * issued quantile {@code s z} instead, as delayed-feedback conformal inference does, puts an {@code h}-tick delay
 * inside z's own loop; at a day ahead z then overshoots by about {@code 0.9 η h}.) {@code z} starts at the Gaussian
 * values {@code z_0.5 = 0}, {@code z_0.9 = 1.2816 / 0.7979 = 1.606} (quantile over mean absolute deviation). The
 * table's quantiles are then {@code p50 = mean + q_0.5} and {@code p90 = mean + q_0.9}: the median corrects a
 * model's recent bias, the upper quantile is what the adjustment engine can provision for.
 * <p>
 * Sampled steps (memory O(H), not O(H²)): remembering every step of every path still in flight costs H paths of H
 * steps per partition. Instead only a set S of steps is tracked: every step below {@value #DENSE_STEPS}, then steps
 * growing by a factor {@value #STEP_GROWTH} up to the last step {@code H - 1}, which is always in S. A tracked step
 * {@code h} keeps a ring of the {@code h + 1} forecasts of step {@code h} still in flight (the forecast issued at tick
 * count {@code c} sits at {@code c mod (h + 1)}; a cell holds the mean and the scale issued with it), so it still
 * learns from a residual every tick; the quantile offset {@code q_τ} of an untracked step is interpolated linearly
 * between its two tracked neighbours. Memory per slot: {@code L = Σ_{h∈S} (h + 1)} ring cells of two doubles
 * (off-heap; H = 288 → |S| = 21, L = 977, against H² = 82,944) and {@code 4 |S|} numbers of tracker state. A slot
 * not calibrated at every tick count (a gap) has its rings cleared at the next {@link #calibrate}, so a ring never
 * returns a forecast of another origin; empty ring cells hold NaN, which {@link #observe} skips.
 * <p>
 * Coverage is measured prequentially: before each update the calibrator checks whether the residual fell at or
 * under the issued scale times the {@code z} in force, and counts hits per tracked step over all slots
 * ({@link #coverage90(int)}).
 * <p>
 * Threading: control thread only. {@link #observe} and {@link #calibrate} do not allocate.
 */
public final class IntervalCalibrator {
    /** Steps below this are all tracked: the first hour at 5-minute ticks. */
    public static final int DENSE_STEPS = 12;
    /** Growth factor of the tracked steps beyond {@link #DENSE_STEPS}. */
    public static final double STEP_GROWTH = 1.5;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final double TAU_50 = 0.5;
    private static final double TAU_90 = 0.9;
    private static final long NOT_ISSUED = Long.MIN_VALUE;
    /** Doubles per ring cell: the mean issued, and the scale s in force when it was issued (NaN if none was). */
    private static final int CELL_DOUBLES = 2;
    /** Gaussian 90% quantile over mean absolute deviation: 1.2816 / sqrt(2 / pi). */
    private static final double Z90_START = 1.2816 / Math.sqrt(2 / Math.PI);

    private final int maxHorizon;
    private final double eta;
    private final double lambda;
    /** Tracked steps, ascending; the last is maxHorizon - 1. */
    private final int[] tracked;
    /** Per tracked step: offset of its ring within a slot's rings. */
    private final int[] ringOffset;
    /** Per step: index of the tracked step at or below it. */
    private final int[] below;
    /** Per step: interpolation weight of the tracked step above it (0 for a tracked step). */
    private final double[] weightAbove;
    private final int ringsPerSlot;
    private final MemorySegment rings;
    /** Per slot: the tick count of its last {@link #calibrate}. */
    private final long[] lastIssue;
    private final double[] scale;
    /** z_0.5 per slot and tracked step. */
    private final double[] q50;
    /** z_0.9 per slot and tracked step. */
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
        this.tracked = trackedSteps(maxHorizon);
        final int k = tracked.length;
        this.ringOffset = new int[k];
        int length = 0;
        for (int i = 0; i < k; i++) {
            ringOffset[i] = length;
            length += tracked[i] + 1;
        }
        this.ringsPerSlot = length;
        this.below = new int[maxHorizon];
        this.weightAbove = new double[maxHorizon];
        int at = 0;
        for (int h = 0; h < maxHorizon; h++) {
            if (at + 1 < k && tracked[at + 1] <= h) {
                at++;
            }
            below[h] = at;
            weightAbove[h] = tracked[at] == h ? 0 : (double) (h - tracked[at]) / (tracked[at + 1] - tracked[at]);
        }
        final long ringCells = (long) slotCapacity * ringsPerSlot;
        this.rings = Arena.ofAuto().allocate(ringCells * CELL_DOUBLES * Double.BYTES, 64);
        rings.elements(DOUBLE).forEach(cell -> cell.set(DOUBLE, 0, Double.NaN));
        this.lastIssue = new long[slotCapacity];
        Arrays.fill(lastIssue, NOT_ISSUED);
        final int cells = Math.multiplyExact(slotCapacity, k);
        this.scale = new double[cells];
        this.q50 = new double[cells];
        this.q90 = new double[cells];
        this.seen = new int[cells];
        this.hits50 = new long[maxHorizon];
        this.hits90 = new long[maxHorizon];
        this.counts = new long[maxHorizon];
    }

    /** The tracked steps for a horizon: 0..DENSE_STEPS-1, then growing by STEP_GROWTH, always ending at H - 1. */
    static int[] trackedSteps(final int maxHorizon) {
        final int[] buffer = new int[maxHorizon];
        int count = 0;
        int step = 0;
        while (step < maxHorizon) {
            buffer[count++] = step;
            step = step < DENSE_STEPS ? step + 1 : Math.max(step + 1, (int) Math.ceil(step * STEP_GROWTH));
        }
        if (buffer[count - 1] != maxHorizon - 1) {
            buffer[count++] = maxHorizon - 1;
        }
        return Arrays.copyOf(buffer, count);
    }

    /** Remembered forecasts per slot ({@code Σ (h + 1)} over the tracked steps), each a ring cell of two doubles. */
    public int ringsPerSlot() {
        return ringsPerSlot;
    }

    /** Number of tracked steps. */
    public int trackedStepCount() {
        return tracked.length;
    }

    /**
     * Learns from the load {@code actual} of tick index {@code tick} (0-based: the tick completed when the history's
     * tick count became {@code tick + 1}) against every remembered forecast that predicted it. Allocation-free.
     */
    public void observe(final int slot, final long tick, final double actual) {
        final int k = tracked.length;
        final int cellBase = slot * k;
        final long ringBase = (long) slot * ringsPerSlot;
        final long lastIssued = lastIssue[slot];
        for (int i = 0; i < k; i++) {
            final int h = tracked[i];
            final long issue = tick - h;
            if (issue < 0) {
                break;
            }
            if (issue > lastIssued) {
                // not issued (the slot was not calibrated at that tick count): its ring cell is another origin's
                continue;
            }
            final long at = (ringBase + ringOffset[i] + issue % (h + 1)) * CELL_DOUBLES;
            final double predicted = rings.getAtIndex(DOUBLE, at);
            final double issuedScale = rings.getAtIndex(DOUBLE, at + 1);
            // consumed: a later gap must not make it count twice
            rings.setAtIndex(DOUBLE, at, Double.NaN);
            final double r = actual - predicted;
            if (!Double.isFinite(r)) {
                continue;
            }
            final int cell = cellBase + i;
            if (seen[cell] == 0) {
                // the first residual sets the scale; z starts from the Gaussian values
                scale[cell] = Math.abs(r);
                q50[cell] = 0;
                q90[cell] = Z90_START;
            } else {
                final double s = Double.isNaN(issuedScale) ? scale[cell] : issuedScale;
                final boolean isUnder50 = r <= s * q50[cell];
                final boolean isUnder90 = r <= s * q90[cell];
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
     * A step without residuals yet (at its tracked neighbours) keeps the point forecast as its quantiles.
     * Allocation-free.
     */
    public void calibrate(final int slot, final long tickCount, final ForecastTable table) {
        table.requireTickSteps("interval calibrator");
        final int k = tracked.length;
        final long ringBase = (long) slot * ringsPerSlot;
        final long last = lastIssue[slot];
        if (last != NOT_ISSUED && tickCount != last && tickCount != last + 1) {
            // a gap (or a rewind): in-flight forecasts of other origins would be read as this origin's
            clearRings(ringBase);
        }
        lastIssue[slot] = tickCount;
        final int horizon = Math.min(table.horizon(), maxHorizon);
        final int cellBase = slot * k;
        for (int i = 0; i < k; i++) {
            final int h = tracked[i];
            final int cell = cellBase + i;
            final long at = (ringBase + ringOffset[i] + tickCount % (h + 1)) * CELL_DOUBLES;
            rings.setAtIndex(DOUBLE, at, h < horizon ? table.mean(slot, h) : Double.NaN);
            rings.setAtIndex(DOUBLE, at + 1, seen[cell] == 0 ? Double.NaN : scale[cell]);
        }
        for (int h = 0; h < horizon; h++) {
            final int lower = cellBase + below[h];
            final double weight = weightAbove[h];
            final double mean = table.mean(slot, h);
            double lo;
            double hi;
            if (weight == 0) {
                if (seen[lower] == 0) {
                    continue;
                }
                lo = scale[lower] * q50[lower];
                hi = scale[lower] * q90[lower];
            } else {
                final int upper = lower + 1;
                final boolean hasLower = seen[lower] > 0;
                final boolean hasUpper = seen[upper] > 0;
                if (!hasLower && !hasUpper) {
                    continue;
                }
                final double wl = hasLower && hasUpper ? 1 - weight : hasLower ? 1 : 0;
                final double wu = 1 - wl;
                lo = wl * (hasLower ? scale[lower] * q50[lower] : 0) + wu * (hasUpper ? scale[upper] * q50[upper] : 0);
                hi = wl * (hasLower ? scale[lower] * q90[lower] : 0) + wu * (hasUpper ? scale[upper] * q90[upper] : 0);
            }
            // quantiles never cross: p90 at least p50.
            table.quantiles(slot, h, mean + lo, Math.max(mean + lo, mean + hi));
        }
    }

    /** Forgets what was learnt for {@code slot} (a new or reused partition). Cold path. */
    public void clear(final int slot) {
        final int k = tracked.length;
        final int cellBase = slot * k;
        clearRings((long) slot * ringsPerSlot);
        lastIssue[slot] = NOT_ISSUED;
        Arrays.fill(seen, cellBase, cellBase + k, 0);
        Arrays.fill(scale, cellBase, cellBase + k, 0);
        Arrays.fill(q50, cellBase, cellBase + k, 0);
        Arrays.fill(q90, cellBase, cellBase + k, 0);
    }

    /**
     * Starts {@code target} with what was learnt for {@code source}, its residual scales multiplied by
     * {@code factor} (a split child's share of its parent's load, or a merged partition's load over its larger
     * part's): a new partition whose history is seeded from its parents then gets intervals as wide as theirs,
     * scaled, instead of starting from the first residual it sees. Forecasts in flight are the source's and are
     * not carried over. Cold path.
     */
    public void inherit(final int source, final int target, final double factor) {
        clear(target);
        final int k = tracked.length;
        for (int i = 0; i < k; i++) {
            final int from = source * k + i;
            final int to = target * k + i;
            seen[to] = seen[from];
            scale[to] = scale[from] * factor;
            q50[to] = q50[from];
            q90[to] = q90[from];
        }
    }

    /**
     * The residual quantile offset in force for {@code slot} at {@code step} (p90 minus the mean), interpolated
     * between tracked steps as {@link #calibrate} does; 0 before any residual.
     */
    public double upperOffset(final int slot, final int step) {
        final int lower = slot * tracked.length + below[step];
        final double weight = weightAbove[step];
        final double atLower = scale[lower] * q90[lower];
        return weight == 0 ? atLower : (1 - weight) * atLower + weight * scale[lower + 1] * q90[lower + 1];
    }

    /**
     * Share of checked residuals at {@code step} that fell at or under the 90% quantile in force (NaN if none, and
     * for a step that is not tracked).
     */
    public double coverage90(final int step) {
        return counts[step] == 0 ? Double.NaN : (double) hits90[step] / counts[step];
    }

    /** Share of checked residuals at {@code step} that fell at or under the median in force (NaN if none). */
    public double coverage50(final int step) {
        return counts[step] == 0 ? Double.NaN : (double) hits50[step] / counts[step];
    }

    /** Residuals checked for coverage at {@code step}, over all slots (0 for a step that is not tracked). */
    public long checked(final int step) {
        return counts[step];
    }

    private void clearRings(final long ringBase) {
        final long cells = (long) ringsPerSlot * CELL_DOUBLES;
        for (long i = 0; i < cells; i++) {
            rings.setAtIndex(DOUBLE, ringBase * CELL_DOUBLES + i, Double.NaN);
        }
    }
}
