package io.presplit.forecast;

import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.util.Arrays;

/**
 * Several models per partition, combined with weights that follow each model's recent out-of-sample accuracy on
 * that partition, with calibrated prediction intervals; refits spread across ticks under a CPU budget.
 * <p>
 * Per tick and listed slot, when a new sample {@code y} has arrived:
 * <ol>
 *   <li>score: each member's one-step forecast from the previous tick is compared with {@code y}, and its
 *       exponentially weighted mean absolute error moves, {@code E_k ← E_k + λ(|y - f_k| - E_k)};</li>
 *   <li>update: each fitted member's state takes {@code y} in O(state) ({@link OnlineModel#update});</li>
 *   <li>the {@link IntervalCalibrator}, if any, learns from {@code y}.</li>
 * </ol>
 * Then each member forecasts the horizon (seasonal naive, computed from the history, stands in for a member not yet
 * fitted or whose path is not finite or leaves the sane range {@code [lo - span, hi + span]} of its fitted window,
 * counted in {@link #fallbacks()}), and the table gets the weighted mean with
 * {@code w_k = E_k^-p / Σ_j E_j^-p} (inverse-error weights, Bates &amp; Granger 1969; equal weights until every
 * member has been scored {@code warmup} times), followed by the calibrated quantiles. Seasonal naive is always
 * member 0, then the online models, then the table members (whole {@link Forecaster}s, see the second
 * constructor).
 * <p>
 * Refits: after forecasting, a cursor walks the slots and refits those due (never fitted, or last fitted
 * {@code refitTicks} ago) from the last {@code fitWindow} ticks of history, until {@code refitBudgetNs} of this
 * tick has been spent; the rest wait for later ticks. A slot cleared by the caller ({@link #clear}) is refitted
 * from scratch.
 * <p>
 * Memory per slot: the members' states, {@code 2K} doubles of scores and forecasts, plus the calibrator's.
 * Threading: control thread only. {@link #forecast} allocates nothing (refits included). The table's horizon in
 * use must not exceed {@code maxHorizon}; steps beyond it are not written.
 */
public final class EnsembleForecaster implements Forecaster {
    private static final long NEVER = Long.MIN_VALUE;
    /** "Fitted" so long ago that any tick is due for a refit, without overflow in {@code tick - fittedAt}. */
    private static final long LONG_AGO = Long.MIN_VALUE / 2;

    private final int season;
    private final int fitWindow;
    private final int refitTicks;
    private final long refitBudgetNs;
    private final double lambda;
    private final double power;
    private final int warmup;
    private final OnlineModel[] models;
    private final int fittedCount;
    private final Forecaster[] tableMembers;
    private final ForecastTable[] memberTables;
    private final int memberCount;
    private final double[][] states;
    private final int[] stateLengths;
    private final double[] errors;
    private final double[] lastStep;
    private final int[] scored;
    private final long[] fittedAt;
    private final boolean[] isFitted;
    private final long[] seenTick;
    private final double[] lo;
    private final double[] hi;
    private final double[] paths;
    private final double[] weights;
    private final double[] series;
    private final IntervalCalibrator calibrator;
    private final int maxHorizon;
    private int cursor;
    private long fallbacks;
    private long refits;

    /**
     * @param slotCapacity   number of partition slots.
     * @param maxHorizon     longest horizon, in ticks.
     * @param season         season length m in ticks (1 = none).
     * @param models         the fitted members; seasonal naive is added in front of them.
     * @param fitWindow      ticks of history a refit uses (at most the history's retention).
     * @param refitTicks     ticks between refits of a slot.
     * @param refitBudgetNs  time a tick may spend refitting.
     * @param lambda         weight of the newest error in the scores, in (0, 1].
     * @param power          sharpening exponent p of the weights (&gt; 0).
     * @param calibrator     the interval calibrator, sized for the same slots and horizon, or {@code null}.
     */
    public EnsembleForecaster(
        final int slotCapacity, final int maxHorizon, final int season, final OnlineModel[] models,
        final int fitWindow, final int refitTicks, final long refitBudgetNs, final double lambda, final double power,
        final IntervalCalibrator calibrator) {
        this(slotCapacity, maxHorizon, season, models, new Forecaster[0], fitWindow, refitTicks, refitBudgetNs,
            lambda, power, calibrator);
    }

    /**
     * An ensemble with, beside the per-slot {@link OnlineModel}s, whole {@link Forecaster}s as members (for
     * instance a global model served in one batched call, such as an ONNX Runtime LSTM). Each such <em>table
     * member</em> forecasts all listed slots once per tick into a table of its own, before the per-slot combination;
     * its path for a slot is then scored and weighted like any other member's. A path that is not finite is replaced
     * by seasonal naive and counted in {@link #fallbacks()}. The ensemble closes its table members and tells them of
     * new partitions. Members after the online models, in the order given.
     *
     * @param tableMembers whole-batch members (may be empty); they must not throw (wrap a fallible one so that it
     *                     falls back on its own).
     */
    public EnsembleForecaster(
        final int slotCapacity, final int maxHorizon, final int season, final OnlineModel[] models,
        final Forecaster[] tableMembers, final int fitWindow, final int refitTicks, final long refitBudgetNs,
        final double lambda, final double power, final IntervalCalibrator calibrator) {
        if (slotCapacity < 1 || maxHorizon < 1 || season < 1 || fitWindow < 2 || refitTicks < 1
            || refitBudgetNs < 0 || !(lambda > 0 && lambda <= 1) || !(power > 0)) {
            throw new IllegalArgumentException("invalid ensemble [slotCapacity=" + slotCapacity + ", maxHorizon="
                + maxHorizon + ", season=" + season + ", fitWindow=" + fitWindow + ", refitTicks=" + refitTicks
                + ", refitBudgetNs=" + refitBudgetNs + ", lambda=" + lambda + ", power=" + power + "]");
        }
        this.season = season;
        this.fitWindow = fitWindow;
        this.refitTicks = refitTicks;
        this.refitBudgetNs = refitBudgetNs;
        this.lambda = lambda;
        this.power = power;
        this.warmup = Math.max(1, (int) Math.ceil(1 / lambda));
        this.models = models.clone();
        this.fittedCount = models.length;
        this.tableMembers = tableMembers.clone();
        this.memberTables = new ForecastTable[tableMembers.length];
        for (int m = 0; m < tableMembers.length; m++) {
            memberTables[m] = new ForecastTable(slotCapacity, maxHorizon);
        }
        this.memberCount = models.length + 1 + tableMembers.length;
        this.states = new double[models.length][];
        this.stateLengths = new int[models.length];
        for (int k = 0; k < models.length; k++) {
            stateLengths[k] = models[k].stateLength();
            states[k] = new double[Math.multiplyExact(slotCapacity, stateLengths[k])];
        }
        this.errors = new double[slotCapacity * memberCount];
        this.lastStep = new double[slotCapacity * memberCount];
        this.scored = new int[slotCapacity * memberCount];
        this.fittedAt = new long[slotCapacity * models.length];
        Arrays.fill(fittedAt, LONG_AGO);
        this.weights = new double[memberCount];
        this.isFitted = new boolean[slotCapacity * models.length];
        this.seenTick = new long[slotCapacity];
        Arrays.fill(seenTick, NEVER);
        this.lo = new double[slotCapacity];
        this.hi = new double[slotCapacity];
        this.paths = new double[memberCount * maxHorizon];
        this.series = new double[fitWindow];
        this.calibrator = calibrator;
        this.maxHorizon = maxHorizon;
    }

    @Override
    public String name() {
        return "ensemble";
    }

    @Override
    public void forecast(
        final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        final long startNs = System.nanoTime();
        final long tick = history.tickCount();
        final int horizon = Math.min(table.horizon(), maxHorizon);
        final int k = memberCount;
        final int fitted = fittedCount;
        for (int m = 0; m < tableMembers.length; m++) {
            memberTables[m].horizon(horizon);
            tableMembers[m].forecast(history, resource, slots, count, memberTables[m]);
        }
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            final int base = slot * k;
            if (seenTick[slot] != tick) {
                observe(history, resource, slot, tick, base);
            }
            // member paths: 0 = seasonal naive, then each model or its stand-in
            seasonalNaive(history, resource, slot, horizon, 0);
            for (int j = 1; j <= fitted; j++) {
                final int cell = slot * fitted + j - 1;
                boolean isSane = isFitted[cell];
                if (isSane) {
                    models[j - 1].forecast(states[j - 1], slot * stateLengths[j - 1], horizon, paths, j * maxHorizon);
                    final double span = Math.max(Math.max(hi[slot] - lo[slot], Math.abs(hi[slot])), 1e-9);
                    for (int h = 0; h < horizon && isSane; h++) {
                        final double v = paths[j * maxHorizon + h];
                        isSane = Double.isFinite(v) && v >= lo[slot] - span && v <= hi[slot] + span;
                    }
                    if (!isSane) {
                        fallbacks++;
                    }
                }
                if (!isSane) {
                    System.arraycopy(paths, 0, paths, j * maxHorizon, horizon);
                }
            }
            for (int j = fitted + 1; j < k; j++) {
                final ForecastTable memberTable = memberTables[j - fitted - 1];
                boolean isFinite = true;
                for (int h = 0; h < horizon; h++) {
                    final double v = memberTable.mean(slot, h);
                    paths[j * maxHorizon + h] = v;
                    isFinite &= Double.isFinite(v);
                }
                if (!isFinite) {
                    fallbacks++;
                    System.arraycopy(paths, 0, paths, j * maxHorizon, horizon);
                }
            }
            combine(slot, base, horizon, table);
            if (calibrator != null) {
                calibrator.calibrate(slot, tick, table);
            }
        }
        refit(history, resource, slots, count, tick, startNs);
    }

    /** The weight member {@code member} has in {@code slot}'s forecast now (member 0 is seasonal naive). */
    public double weight(final int slot, final int member) {
        final int base = slot * memberCount;
        double total = 0;
        for (int j = 0; j < memberCount; j++) {
            total += rawWeight(base, j);
        }
        return rawWeight(base, member) / total;
    }

    /** The exponentially weighted mean absolute one-step error of {@code member} in {@code slot}. */
    public double error(final int slot, final int member) {
        return errors[slot * memberCount + member];
    }

    /** Number of members, seasonal naive included. */
    public int memberCount() {
        return memberCount;
    }

    /** Name of member {@code member}. */
    public String memberName(final int member) {
        return member == 0 ? "snaive" : member <= fittedCount ? models[member - 1].name()
            : tableMembers[member - fittedCount - 1].name();
    }

    /** Member paths replaced by seasonal naive because they were not finite or not sane. */
    public long fallbacks() {
        return fallbacks;
    }

    /** Refits done so far. */
    public long refits() {
        return refits;
    }

    /** Whether member {@code member} (1-based among the fitted models) has a fit for {@code slot}. */
    public boolean isFitted(final int slot, final int member) {
        return member > 0 && member <= fittedCount && isFitted[slot * fittedCount + member - 1];
    }

    /**
     * Starts {@code childSlot} with a copy of {@code parentSlot}'s fitted models, scores and range, so that a split
     * child (whose history is seeded from its parent's) forecasts well at once instead of waiting for a refit. The
     * child's states then move with its own samples. Cold path.
     */
    public void inheritFit(final int parentSlot, final int childSlot) {
        final int fitted = fittedCount;
        for (int j = 0; j < fitted; j++) {
            final int length = stateLengths[j];
            System.arraycopy(states[j], parentSlot * length, states[j], childSlot * length, length);
            isFitted[childSlot * fitted + j] = isFitted[parentSlot * fitted + j];
            fittedAt[childSlot * fitted + j] = fittedAt[parentSlot * fitted + j];
        }
        System.arraycopy(errors, parentSlot * memberCount, errors, childSlot * memberCount, memberCount);
        System.arraycopy(scored, parentSlot * memberCount, scored, childSlot * memberCount, memberCount);
        System.arraycopy(lastStep, parentSlot * memberCount, lastStep, childSlot * memberCount, memberCount);
        seenTick[childSlot] = seenTick[parentSlot];
        lo[childSlot] = lo[parentSlot];
        hi[childSlot] = hi[parentSlot];
    }

    /** A new partition in {@code slot}: forget the old occupant; the next refit fits the seeded history. */
    @Override
    public void onNewPartition(final int slot) {
        clear(slot);
        for (final Forecaster member : tableMembers) {
            member.onNewPartition(slot);
        }
    }

    /** The sum of the table members' {@link Forecaster#modelFallbacks()}. */
    @Override
    public long modelFallbacks() {
        long total = 0;
        for (final Forecaster member : tableMembers) {
            total += member.modelFallbacks();
        }
        return total;
    }

    /** Closes the table members. Safe to call twice. */
    @Override
    public void close() {
        for (final Forecaster member : tableMembers) {
            member.close();
        }
    }

    /** Forgets {@code slot} (a new or reused partition): scores, fits and calibration. Cold path. */
    public void clear(final int slot) {
        final int base = slot * memberCount;
        Arrays.fill(errors, base, base + memberCount, 0);
        Arrays.fill(scored, base, base + memberCount, 0);
        Arrays.fill(isFitted, slot * fittedCount, (slot + 1) * fittedCount, false);
        Arrays.fill(fittedAt, slot * fittedCount, (slot + 1) * fittedCount, LONG_AGO);
        seenTick[slot] = NEVER;
        if (calibrator != null) {
            calibrator.clear(slot);
        }
    }

    private void observe(final LoadHistory history, final Resource resource, final int slot, final long tick,
        final int base) {
        final double y = history.value(resource, slot, 0);
        final boolean isNext = seenTick[slot] == tick - 1;
        if (isNext) {
            for (int j = 0; j < memberCount; j++) {
                final double error = Math.abs(y - lastStep[base + j]);
                if (Double.isFinite(error)) {
                    errors[base + j] = scored[base + j] == 0 ? error
                        : errors[base + j] + lambda * (error - errors[base + j]);
                    scored[base + j]++;
                }
            }
        }
        for (int j = 1; j <= fittedCount; j++) {
            final int cell = slot * fittedCount + j - 1;
            if (isFitted[cell]) {
                if (isNext) {
                    models[j - 1].update(states[j - 1], slot * stateLengths[j - 1], y);
                } else {
                    isFitted[cell] = false; // missed samples: the state is stale, refit
                    fittedAt[cell] = LONG_AGO;
                }
            }
        }
        if (calibrator != null && history.tickCount() > 0) {
            calibrator.observe(slot, tick - 1, y);
        }
        seenTick[slot] = tick;
    }

    private void combine(final int slot, final int base, final int horizon, final ForecastTable table) {
        final int k = memberCount;
        final boolean isWarm = isWarm(base);
        double total = 0;
        for (int j = 0; j < k; j++) {
            weights[j] = isWarm ? Math.pow(Math.max(errors[base + j], 1e-12), -power) : 1;
            total += weights[j];
        }
        for (int h = 0; h < horizon; h++) {
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += weights[j] * paths[j * maxHorizon + h];
            }
            table.mean(slot, h, sum / total);
        }
        for (int j = 0; j < k; j++) {
            lastStep[base + j] = paths[j * maxHorizon];
        }
    }

    private boolean isWarm(final int base) {
        for (int j = 0; j < memberCount; j++) {
            if (scored[base + j] < warmup) {
                return false;
            }
        }
        return true;
    }

    private double rawWeight(final int base, final int member) {
        return isWarm(base) ? Math.pow(Math.max(errors[base + member], 1e-12), -power) : 1;
    }

    private void seasonalNaive(final LoadHistory history, final Resource resource, final int slot, final int horizon,
        final int member) {
        final int length = history.length(slot);
        final int m = length >= season ? season : 1;
        for (int h = 0; h < horizon; h++) {
            final int ahead = h + 1;
            final int seasonsBack = (ahead + m - 1) / m;
            paths[member * maxHorizon + h] = history.value(resource, slot, seasonsBack * m - ahead);
        }
    }

    private void refit(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final long tick, final long startNs) {
        if (count == 0 || models.length == 0) {
            return;
        }
        final int fitted = fittedCount;
        for (int visited = 0; visited < count; visited++) {
            if (System.nanoTime() - startNs >= refitBudgetNs) {
                return;
            }
            if (cursor >= count) {
                cursor = 0;
            }
            final int slot = slots[cursor++];
            final int n = Math.min(history.length(slot), fitWindow);
            boolean isCopied = false;
            for (int j = 0; j < fitted; j++) {
                final int cell = slot * fitted + j;
                if (tick - fittedAt[cell] < refitTicks) {
                    continue;
                }
                if (!isCopied) {
                    history.copySeries(resource, slot, n, series);
                    double min = Double.POSITIVE_INFINITY;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t = 0; t < n; t++) {
                        min = Math.min(min, series[t]);
                        max = Math.max(max, series[t]);
                    }
                    lo[slot] = min;
                    hi[slot] = max;
                    isCopied = true;
                }
                // a failed fit waits refitTicks before the next attempt
                isFitted[cell] = models[j].refit(series, n, states[j], slot * stateLengths[j]);
                fittedAt[cell] = tick;
                refits++;
            }
        }
    }
}
