package io.presplit.forecast;

import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.util.Arrays;

/**
 * Several models per partition, combined with weights that follow each model's recent out-of-sample accuracy on
 * that partition <em>at each lead time</em>, with calibrated prediction intervals; refits spread across ticks under a
 * CPU budget.
 * <p>
 * Per tick and listed slot, when a new sample {@code y} has arrived:
 * <ol>
 *   <li>score: each member's forecasts of this tick issued earlier (the remembered probes, below) are compared with
 *       {@code y}, and the member's exponentially weighted mean absolute error at that lead moves,
 *       {@code E_kb ← E_kb + λ(|y - f_kb| - E_kb)};</li>
 *   <li>update: each fitted member's state takes {@code y} in O(state) ({@link OnlineModel#update});</li>
 *   <li>the {@link IntervalCalibrator}, if any, learns from {@code y}.</li>
 * </ol>
 * Then each member forecasts the horizon (seasonal naive, computed from the history, stands in for a member not yet
 * fitted or whose path is not finite or leaves the sane range {@code [lo - span, hi + span]} of its fitted window,
 * counted in {@link #fallbacks()}), and step {@code h} of the table gets the weighted mean with
 * {@code w_k = e_kb^-p / Σ_j e_jb^-p}, {@code b} the band of {@code h} and {@code e_kb = sqrt(E_kb E_k0)} (the
 * geometric mean of the band's error and the one-step error; {@code e_k0 = E_k0}), inverse-error weights (Bates &amp;
 * Granger 1969) per lead band, followed by the calibrated quantiles. Seasonal naive is always member 0, then the online
 * models, then the table members (whole {@link Forecaster}s, see the second constructor), then the weekly member if
 * any (below).
 * <p>
 * Weights per lead band (memory O(bands), not O(H)): which member is best one step ahead says little about a day
 * ahead, so the steps are split into bands of doubling length, {@code [1], [2, 3], [4, 7], [8, 15], ...} (1-based
 * leads, the last band ending at the horizon; {@link #bandOf}), and each band is scored at one lead {@code L_b}, the
 * geometric middle of the band, {@code round(sqrt(first * last))}. Scoring lead {@code L_b} at every tick would mean
 * remembering the {@code L_b} forecasts in flight per member; instead a band remembers a <em>probe</em> (the
 * members' step-{@code L_b} forecasts) issued every {@code s_b = ceil(L_b / }{@value #PROBES}{@code )} ticks, in a
 * ring of {@code R_b = ceil(L_b / s_b) + 1} cells: at most {@value #PROBES} + 1 cells per band and member, and a
 * score every {@code s_b} ticks (every tick up to lead {@value #PROBES}). Consecutive long-lead errors are strongly
 * correlated (their paths share most of their inputs), so the sparser scores lose little (a day ahead on the
 * Bitbrains VMs, scoring every tick would give MASE 0.836 instead of 0.843). A band whose members have
 * not all been scored {@code warmup = ceil(1 / λ)} times borrows the weights of the nearest warm band before it; with
 * no warm band the weights are equal. With {@code isPerStep = false} there is one band, scored one step ahead, for
 * every step (the one-step weighting of the first version).
 * <p>
 * Why the geometric mean and not the band's own error: a band's error judges forecasts issued {@code L_b} ticks ago,
 * the one-step error last tick's. On the rolling traces (docs/RESULTS.md) the band's own error alone cut MASE 6 to
 * 12 hours ahead by 9–19 % on 5-minute traces but raised it by up to 7 % on bursty hourly VMs, where the member
 * that was right lately matters more than the lead; even scoring every lead at every tick (O(H) memory) did not
 * change that. The geometric mean keeps part of the first gain (6–8 %) and little of the loss (at most 1 %).
 * <p>
 * The weekly member (optional, {@code isWeekly}): the second seasonality. A seasonal naive of period
 * {@code 7 m} (computed from the history like member 0, no state), the last member, scored at every lead like the
 * others but with weight 0 in a slot until {@link WeeklyCycle} finds a weekly cycle in the slot's latest three to
 * eight whole weeks (a two-way analysis of variance of daily means, 5 % level), re-tested with each refit. Without
 * the gate it took weight wherever its errors were close to the others' and raised the bursty Bitbrains VMs' 1-day
 * MASE by 10 % (docs/RESULTS.md); with it, a slot without a weekly cycle forecasts exactly as without the member.
 * Memory: one more member's scores and probes, a flag and a test tick per slot, and one scratch copy of eight
 * weeks of history shared by all slots.
 * <p>
 * Refits: after forecasting, a cursor walks the slots and refits those due (never fitted, or last fitted
 * {@code refitTicks} ago) from the last {@code fitWindow} ticks of history, until {@code refitBudgetNs} of this
 * tick has been spent; the rest wait for later ticks. A slot cleared by the caller ({@link #clear}) is refitted
 * from scratch.
 * <p>
 * Memory per slot: the members' states; per band and member an error score and a count ({@code 2 B K}) and the
 * probe rings ({@code K Σ_b R_b} doubles: H = 6 → 11 K, H = 24 → 26 K, H = 288 → 63 K); plus the calibrator's.
 * Threading: control thread only. {@link #forecast} allocates nothing (refits included). The table's horizon in
 * use must not exceed {@code maxHorizon}; steps beyond it are not written.
 */
public final class EnsembleForecaster implements Forecaster {
    /** Probes in flight per lead band: a band scored at lead L gets a score every ceil(L / PROBES) ticks. */
    public static final int PROBES = 8;
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
    /** Per step (0-based): its lead band. */
    private final int[] bandOf;
    /** Per band: the lead (1-based) at which it is scored. */
    private final int[] bandLead;
    /** Per band: ticks between probes. */
    private final int[] bandStride;
    /** Per band: probe ring length R_b. */
    private final int[] bandRing;
    /** Per band: offset of its ring, in probes (each probe holds one value per member). */
    private final int[] bandRingOffset;
    private final int bandCount;
    private final int probeCellsPerSlot;
    /** Per slot, band and member: the exponentially weighted mean absolute error at the band's lead. */
    private final double[] errors;
    /** Per slot, band and member: errors scored. */
    private final int[] scored;
    /** Per slot: probe rings, NaN where no forecast is in flight. */
    private final double[] probes;
    /** Per slot: the tick count at which probes were last written. */
    private final long[] lastProbe;
    private final long[] fittedAt;
    private final boolean[] isFitted;
    private final long[] seenTick;
    private final double[] lo;
    private final double[] hi;
    private final double[] paths;
    /** Scratch: per band and member, the weights of the slot being combined. */
    private final double[] weights;
    private final double[] series;
    private final IntervalCalibrator calibrator;
    private final int maxHorizon;
    /** The history level the ensemble reads (0 = ticks). */
    private final int level;
    /** The weekly seasonal naive's member index, or -1 without one. */
    private final int weeklyMember;
    /** Per slot: whether {@link WeeklyCycle} found a weekly cycle at the slot's last test (the member's gate). */
    private final boolean[] hasWeeklyCycle;
    /** Per slot: the tick count of the last weekly-cycle test. */
    private final long[] weeklyTestedAt;
    /** Scratch: the history the weekly test reads. */
    private final double[] weeklySeries;
    private final double[] weeklyScratch;
    private int cursor;
    private long fallbacks;
    private long refits;

    /**
     * An ensemble weighted per lead band (see the class comment).
     *
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
            lambda, power, calibrator, true);
    }

    /**
     * An ensemble with, beside the per-slot {@link OnlineModel}s, whole {@link Forecaster}s as members (for
     * instance a global model served in one batched call, such as an ONNX Runtime LSTM), weighted per lead band.
     * Each such <em>table member</em> forecasts all listed slots once per tick into a table of its own, before the
     * per-slot combination; its path for a slot is then scored and weighted like any other member's. A path that is
     * not finite is replaced by seasonal naive and counted in {@link #fallbacks()}. The ensemble closes its table
     * members and tells them of new partitions. Members after the online models, in the order given.
     *
     * @param tableMembers whole-batch members (may be empty); they must not throw (wrap a fallible one so that it
     *                     falls back on its own).
     */
    public EnsembleForecaster(
        final int slotCapacity, final int maxHorizon, final int season, final OnlineModel[] models,
        final Forecaster[] tableMembers, final int fitWindow, final int refitTicks, final long refitBudgetNs,
        final double lambda, final double power, final IntervalCalibrator calibrator) {
        this(slotCapacity, maxHorizon, season, models, tableMembers, fitWindow, refitTicks, refitBudgetNs, lambda,
            power, calibrator, true);
    }

    /**
     * Without the weekly member.
     *
     * @param isPerStep {@code true}: weights per lead band; {@code false}: every step weighted by the one-step
     *                  errors.
     */
    public EnsembleForecaster(
        final int slotCapacity, final int maxHorizon, final int season, final OnlineModel[] models,
        final Forecaster[] tableMembers, final int fitWindow, final int refitTicks, final long refitBudgetNs,
        final double lambda, final double power, final IntervalCalibrator calibrator, final boolean isPerStep) {
        this(slotCapacity, maxHorizon, season, models, tableMembers, fitWindow, refitTicks, refitBudgetNs, lambda,
            power, calibrator, isPerStep, false, 0);
    }

    /** At tick level, with or without the weekly member ({@code isWeekly}, see the general form). */
    public EnsembleForecaster(
        final int slotCapacity, final int maxHorizon, final int season, final OnlineModel[] models,
        final Forecaster[] tableMembers, final int fitWindow, final int refitTicks, final long refitBudgetNs,
        final double lambda, final double power, final IntervalCalibrator calibrator, final boolean isPerStep,
        final boolean isWeekly) {
        this(slotCapacity, maxHorizon, season, models, tableMembers, fitWindow, refitTicks, refitBudgetNs, lambda,
            power, calibrator, isPerStep, isWeekly, 0);
    }

    /**
     * The general form.
     *
     * @param isPerStep {@code true}: weights per lead band; {@code false}: every step weighted by the one-step
     *                  errors.
     * @param isWeekly  {@code true}: add the weekly seasonal naive (period {@code 7 season}: {@code season} must
     *                  be a day) as the last member, weighted only in slots where {@link WeeklyCycle} finds a weekly
     *                  cycle (class comment).
     * @param level     the history level read: 0 = ticks; a roll-up level makes the ensemble a forecaster of that
     *                  level's rows (a step, the season, the fit window and refits count rows; the table's step
     *                  {@code h} is the row {@code h + 1} rows after the latest complete one), as
     *                  {@link RollUpForecaster} uses it.
     */
    public EnsembleForecaster(
        final int slotCapacity, final int maxHorizon, final int season, final OnlineModel[] models,
        final Forecaster[] tableMembers, final int fitWindow, final int refitTicks, final long refitBudgetNs,
        final double lambda, final double power, final IntervalCalibrator calibrator, final boolean isPerStep,
        final boolean isWeekly, final int level) {
        if (level < 0) {
            throw new IllegalArgumentException("level must not be negative [level=" + level + "]");
        }
        this.level = level;
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
        this.memberCount = models.length + 1 + tableMembers.length + (isWeekly ? 1 : 0);
        this.weeklyMember = isWeekly ? memberCount - 1 : -1;
        this.hasWeeklyCycle = new boolean[isWeekly ? slotCapacity : 0];
        this.weeklyTestedAt = new long[isWeekly ? slotCapacity : 0];
        Arrays.fill(weeklyTestedAt, LONG_AGO);
        this.weeklySeries = new double[isWeekly ? WeeklyCycle.ticksRead(season) : 0];
        this.weeklyScratch = new double[isWeekly ? WeeklyCycle.scratchLength() : 0];
        this.states = new double[models.length][];
        this.stateLengths = new int[models.length];
        for (int k = 0; k < models.length; k++) {
            stateLengths[k] = models[k].stateLength();
            states[k] = new double[Math.multiplyExact(slotCapacity, stateLengths[k])];
        }
        this.bandOf = new int[maxHorizon];
        final int bands = isPerStep ? 32 - Integer.numberOfLeadingZeros(maxHorizon) : 1;
        this.bandCount = bands;
        this.bandLead = new int[bands];
        this.bandStride = new int[bands];
        this.bandRing = new int[bands];
        this.bandRingOffset = new int[bands];
        int ring = 0;
        for (int b = 0; b < bands; b++) {
            final int first = 1 << b;
            final int last = isPerStep ? Math.min(2 * first - 1, maxHorizon) : maxHorizon;
            for (int lead = first; lead <= last; lead++) {
                bandOf[lead - 1] = b;
            }
            bandLead[b] = isPerStep ? (int) Math.round(Math.sqrt((double) first * last)) : 1;
            bandStride[b] = Math.max(1, (bandLead[b] + PROBES - 1) / PROBES);
            bandRing[b] = (bandLead[b] + bandStride[b] - 1) / bandStride[b] + 1;
            bandRingOffset[b] = ring;
            ring += bandRing[b];
        }
        this.probeCellsPerSlot = ring * memberCount;
        this.errors = new double[Math.multiplyExact(slotCapacity, bands * memberCount)];
        this.scored = new int[errors.length];
        this.probes = new double[Math.multiplyExact(slotCapacity, probeCellsPerSlot)];
        Arrays.fill(probes, Double.NaN);
        this.lastProbe = new long[slotCapacity];
        Arrays.fill(lastProbe, NEVER);
        this.fittedAt = new long[slotCapacity * models.length];
        Arrays.fill(fittedAt, LONG_AGO);
        this.weights = new double[bands * memberCount];
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
        table.requireTickSteps(name());
        final long tick = history.tickCount() / history.ticksPerRow(level);
        final int horizon = Math.min(table.horizon(), maxHorizon);
        final int k = memberCount;
        final int fitted = fittedCount;
        for (int m = 0; m < tableMembers.length; m++) {
            memberTables[m].horizon(horizon);
            tableMembers[m].forecast(history, resource, slots, count, memberTables[m]);
        }
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            if (seenTick[slot] != tick) {
                observe(history, resource, slot, tick);
            }
            // member paths: 0 = seasonal naive, then each model or its stand-in
            seasonalNaive(history, resource, slot, horizon, 0, season);
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
            for (int j = fitted + 1; j <= fitted + tableMembers.length; j++) {
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
            if (weeklyMember >= 0) {
                // scored from the first week on, so that it is warm when its gate opens
                final int week = WeeklyCycle.DAYS_PER_WEEK * season;
                if (history.length(level, slot) >= week) {
                    seasonalNaive(history, resource, slot, horizon, weeklyMember, week);
                } else {
                    System.arraycopy(paths, 0, paths, weeklyMember * maxHorizon, horizon);
                }
            }
            combine(slot, horizon, table);
            remember(slot, tick, horizon);
            if (calibrator != null) {
                calibrator.calibrate(slot, tick, table);
            }
        }
        refit(history, resource, slots, count, tick, startNs);
    }

    /** The weight member {@code member} has one step ahead in {@code slot}'s forecast now (0 = seasonal naive). */
    public double weight(final int slot, final int member) {
        return weight(slot, member, 0);
    }

    /**
     * The weight member {@code member} has at step {@code step} (0-based: {@code step + 1} ticks ahead) in
     * {@code slot}'s forecast now, as {@link #forecast} combines it. Cold path.
     */
    public double weight(final int slot, final int member, final int step) {
        final int band = warmBand(slot, bandOf[step]);
        double total = 0;
        for (int j = 0; j < memberCount; j++) {
            total += rawWeight(slot, band, j);
        }
        return rawWeight(slot, band, member) / total;
    }

    /** The exponentially weighted mean absolute one-step error of {@code member} in {@code slot}. */
    public double error(final int slot, final int member) {
        return errors[slot * bandCount * memberCount + member];
    }

    /**
     * The exponentially weighted mean absolute error of {@code member} in {@code slot} at the lead that scores
     * {@code step}'s band ({@link #bandLead}), or NaN before the first score.
     */
    public double error(final int slot, final int member, final int step) {
        final int cell = (slot * bandCount + bandOf[step]) * memberCount + member;
        return scored[cell] == 0 ? Double.NaN : errors[cell];
    }

    /** Number of lead bands. */
    public int bandCount() {
        return bandCount;
    }

    /** The lead band of step {@code step} (0-based). */
    public int bandOf(final int step) {
        return bandOf[step];
    }

    /** The lead (1-based ticks ahead) at which band {@code band} is scored. */
    public int bandLead(final int band) {
        return bandLead[band];
    }

    /** Number of members, seasonal naive included. */
    public int memberCount() {
        return memberCount;
    }

    /** Name of member {@code member}. */
    public String memberName(final int member) {
        return member == 0 ? "snaive" : member == weeklyMember ? "wsnaive"
            : member <= fittedCount ? models[member - 1].name() : tableMembers[member - fittedCount - 1].name();
    }

    /** The weekly seasonal naive's member index (the last member), or -1 when the ensemble has none. */
    public int weeklyMember() {
        return weeklyMember;
    }

    /** Whether the weekly member takes weight in {@code slot}: its last {@link WeeklyCycle} test found a cycle. */
    public boolean hasWeeklyCycle(final int slot) {
        return weeklyMember >= 0 && hasWeeklyCycle[slot];
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
     * child's states then move with its own samples; its own probes start at its next forecast. Cold path.
     */
    public void inheritFit(final int parentSlot, final int childSlot) {
        inherit(parentSlot, childSlot, 1);
    }

    /**
     * A split child starts from its parent, scaled by its share: the fitted models whose state scales with the load
     * (ETS; the others are refitted on the seeded history), the error scores (so the weights are warm), the sane
     * range and the calibrated intervals. A cold child would weigh its members equally and take its interval width
     * from the first residual it sees, which after a split is often the burst that caused it.
     */
    @Override
    public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
        inherit(parentSlot, childSlot, share);
        for (final Forecaster member : tableMembers) {
            member.onSplitChild(parentSlot, childSlot, share);
        }
    }

    /**
     * A merged partition starts from the larger of its two parts, scaled up to the whole (the same reasoning as a
     * split child's; the smaller part's state is dropped).
     */
    @Override
    public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
        final double lowerShare) {
        final boolean isLowerLarger = lowerShare >= 0.5;
        final double largerShare = isLowerLarger ? lowerShare : 1 - lowerShare;
        inherit(isLowerLarger ? lowerSlot : upperSlot, mergedSlot, 1 / largerShare);
        for (final Forecaster member : tableMembers) {
            member.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        }
    }

    private void inherit(final int source, final int target, final double factor) {
        clear(target);
        final int fitted = fittedCount;
        for (int j = 0; j < fitted; j++) {
            final int length = stateLengths[j];
            System.arraycopy(states[j], source * length, states[j], target * length, length);
            // A model whose state does not scale is refitted on the seeded history.
            if (factor == 1 || models[j].scale(states[j], target * length, factor)) {
                isFitted[target * fitted + j] = isFitted[source * fitted + j];
                fittedAt[target * fitted + j] = fittedAt[source * fitted + j];
            }
        }
        final int cells = bandCount * memberCount;
        for (int c = 0; c < cells; c++) {
            // Absolute errors scale with the load; every member's alike, so the weights are the source's.
            errors[target * cells + c] = errors[source * cells + c] * factor;
        }
        System.arraycopy(scored, source * cells, scored, target * cells, cells);
        clearProbes(target);
        seenTick[target] = seenTick[source];
        if (weeklyMember >= 0) {
            // the test is scale-free and the target's history is the source's, scaled
            hasWeeklyCycle[target] = hasWeeklyCycle[source];
            weeklyTestedAt[target] = weeklyTestedAt[source];
        }
        lo[target] = lo[source] * factor;
        hi[target] = hi[source] * factor;
        if (calibrator != null) {
            calibrator.inherit(source, target, factor);
        }
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
        final int cells = bandCount * memberCount;
        Arrays.fill(errors, slot * cells, (slot + 1) * cells, 0);
        Arrays.fill(scored, slot * cells, (slot + 1) * cells, 0);
        clearProbes(slot);
        Arrays.fill(isFitted, slot * fittedCount, (slot + 1) * fittedCount, false);
        Arrays.fill(fittedAt, slot * fittedCount, (slot + 1) * fittedCount, LONG_AGO);
        seenTick[slot] = NEVER;
        if (weeklyMember >= 0) {
            hasWeeklyCycle[slot] = false;
            weeklyTestedAt[slot] = LONG_AGO;
        }
        if (calibrator != null) {
            calibrator.clear(slot);
        }
    }

    private void clearProbes(final int slot) {
        Arrays.fill(probes, slot * probeCellsPerSlot, (slot + 1) * probeCellsPerSlot, Double.NaN);
        lastProbe[slot] = NEVER;
    }

    private void observe(final LoadHistory history, final Resource resource, final int slot, final long tick) {
        final double y = history.value(level, resource, slot, 0);
        final boolean isNext = seenTick[slot] == tick - 1;
        score(slot, tick, y);
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
        if (calibrator != null && tick > 0) {
            calibrator.observe(slot, tick - 1, y);
        }
        seenTick[slot] = tick;
    }

    /**
     * Scores the probes whose target is the tick just completed ({@code y}, at tick count {@code tick}): band b's
     * probe was issued at tick count {@code tick - L_b}, if that count is a multiple of the band's stride and the
     * slot's probes have been written at every count since (a gap clears them, see {@link #remember}).
     */
    private void score(final int slot, final long tick, final double y) {
        final int k = memberCount;
        final long written = lastProbe[slot];
        final int probeBase = slot * probeCellsPerSlot;
        final int errorBase = slot * bandCount * k;
        for (int b = 0; b < bandCount; b++) {
            final long issued = tick - bandLead[b];
            final int stride = bandStride[b];
            if (issued < 0 || issued > written || issued % stride != 0) {
                continue;
            }
            final int at = probeBase + (bandRingOffset[b] + (int) ((issued / stride) % bandRing[b])) * k;
            final int cell = errorBase + b * k;
            for (int j = 0; j < k; j++) {
                final double error = Math.abs(y - probes[at + j]);
                // consumed: a later gap must not score it twice
                probes[at + j] = Double.NaN;
                if (Double.isFinite(error)) {
                    errors[cell + j] = scored[cell + j] == 0 ? error
                        : errors[cell + j] + lambda * (error - errors[cell + j]);
                    scored[cell + j]++;
                }
            }
        }
    }

    /** Writes the members' probes issued at tick count {@code tick} (those of bands whose stride divides it). */
    private void remember(final int slot, final long tick, final int horizon) {
        final long last = lastProbe[slot];
        if (last != NEVER && last != tick && last != tick - 1) {
            // a gap: ring cells of the counts missed would be read as this origin's
            clearProbes(slot);
        }
        lastProbe[slot] = tick;
        final int k = memberCount;
        final int probeBase = slot * probeCellsPerSlot;
        for (int b = 0; b < bandCount; b++) {
            final int stride = bandStride[b];
            if (tick % stride != 0) {
                continue;
            }
            final int lead = bandLead[b];
            final int at = probeBase + (bandRingOffset[b] + (int) ((tick / stride) % bandRing[b])) * k;
            for (int j = 0; j < k; j++) {
                probes[at + j] = lead <= horizon ? paths[j * maxHorizon + lead - 1] : Double.NaN;
            }
        }
    }

    private void combine(final int slot, final int horizon, final ForecastTable table) {
        final int k = memberCount;
        final int lastBand = bandOf[horizon - 1];
        for (int b = 0; b <= lastBand; b++) {
            final int source = warmBand(slot, b);
            double total = 0;
            for (int j = 0; j < k; j++) {
                final double w = rawWeight(slot, source, j);
                weights[b * k + j] = w;
                total += w;
            }
            for (int j = 0; j < k; j++) {
                weights[b * k + j] /= total;
            }
        }
        for (int h = 0; h < horizon; h++) {
            final int w = bandOf[h] * k;
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += weights[w + j] * paths[j * maxHorizon + h];
            }
            table.mean(slot, h, sum);
        }
    }

    /** {@code band}, or the nearest band before it whose members are all warm; -1 if none is. */
    private int warmBand(final int slot, final int band) {
        final int k = memberCount;
        for (int b = band; b >= 0; b--) {
            if (isBandWarm((slot * bandCount + b) * k)) {
                return b;
            }
        }
        return -1;
    }

    /**
     * Unnormalized weight of {@code member} by {@code band}'s effective error (1 for band -1: equal weights). The
     * effective error of a band beyond the first is the geometric mean of its own error and the one-step error,
     * {@code sqrt(E_b E_0)}: the band's error is the lead-matched signal but {@code L_b} ticks stale, the one-step
     * error is fresh but judges another lead (see the class comment for what each alone gave on the traces).
     */
    private double rawWeight(final int slot, final int band, final int member) {
        if (member == weeklyMember && !hasWeeklyCycle[slot]) {
            return 0;
        }
        if (band < 0) {
            return 1;
        }
        final int base = slot * bandCount * memberCount;
        double error = Math.max(errors[base + band * memberCount + member], 1e-12);
        if (band > 0 && isBandWarm(base)) {
            error = Math.sqrt(error * Math.max(errors[base + member], 1e-12));
        }
        return power == 2 ? 1 / (error * error) : Math.pow(error, -power);
    }

    private boolean isBandWarm(final int cell) {
        for (int j = 0; j < memberCount; j++) {
            if (scored[cell + j] < warmup) {
                return false;
            }
        }
        return true;
    }

    private void seasonalNaive(final LoadHistory history, final Resource resource, final int slot, final int horizon,
        final int member, final int period) {
        final int length = history.length(level, slot);
        final int m = length >= period ? period : 1;
        for (int h = 0; h < horizon; h++) {
            final int ahead = h + 1;
            final int seasonsBack = (ahead + m - 1) / m;
            paths[member * maxHorizon + h] = history.value(level, resource, slot, seasonsBack * m - ahead);
        }
    }

    private void refit(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final long tick, final long startNs) {
        if (count == 0 || models.length == 0 && weeklyMember < 0) {
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
            if (weeklyMember >= 0 && tick - weeklyTestedAt[slot] >= refitTicks) {
                final int weekly = Math.min(history.length(level, slot), weeklySeries.length);
                history.copySeries(level, resource, slot, weekly, weeklySeries);
                hasWeeklyCycle[slot] = WeeklyCycle.isPresent(weeklySeries, weekly, season, weeklyScratch);
                weeklyTestedAt[slot] = tick;
            }
            final int n = Math.min(history.length(level, slot), fitWindow);
            boolean isCopied = false;
            for (int j = 0; j < fitted; j++) {
                final int cell = slot * fitted + j;
                if (tick - fittedAt[cell] < refitTicks) {
                    continue;
                }
                if (!isCopied) {
                    history.copySeries(level, resource, slot, n, series);
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
