package io.presplit.forecast;

import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.util.Arrays;

/**
 * Long horizons from the history's roll-ups: the first {@code tickHorizon} steps from a forecaster of the tick level,
 * the steps beyond from a forecaster of a roll-up level (for instance hourly rows), spread evenly over the ticks of
 * each row.
 * <p>
 * Why: a day ahead at 1-second ticks is 86,400 steps, and a daily season at tick level needs a day of tick history
 * per partition and a model whose season is 86,400 ticks (ETS and ARIMA cannot fit that; even at 1-minute ticks
 * their season of 1,440 is out of reach). The profiler already keeps hourly rows for a week
 * ({@code engine.historyRollUps}); at that level a day is 24 steps and the whole online ensemble (seasonal naive,
 * ETS, ARIMA, the weekly member) fits in microseconds per partition. The tick level keeps what it is good at: the
 * next minutes, from recent ticks.
 * <p>
 * Per tick: the tick forecaster fills a table of its own ({@code tickHorizon} steps), copied into the output's
 * first steps; when a row of the level has just completed (the tick count is a multiple of its ticks per row
 * {@code r}), the level forecaster forecasts the next rows into a second table (so it runs once per row, not per
 * tick); output step {@code h >= tickHorizon}, the tick {@code h + 1} ticks after the latest, falls in row
 * {@code c = (t + h - t_0) / r} after the latest complete row ({@code t} the tick count, {@code t_0} the tick count at
 * that row's end) and gets that row's forecast divided by {@code r}: the mean tick load of the row, and its median
 * likewise. A slot whose level has no complete row yet extends its last tick-level step.
 * <p>
 * <b>Steps.</b> Its {@link #schedule} is the tick steps, then one step per row of the level ({@link StepSchedule}):
 * the table the engine builds for it holds {@code tickHorizon} + about {@code horizon / r} steps per slot, not one
 * per tick (a day ahead at 10-second ticks on hourly rows: 115 steps, not 8,640). It writes any table, though: each
 * step gets the mean and median of the per-tick forecasts above averaged over the step's ticks and their largest
 * p90, so a row step carries exactly what each tick of its row carried in a table of tick steps, and a table of
 * tick steps is written as before.
 * <p>
 * <b>The 90 % quantile of a rolled-up step bounds the row's peak tick</b>, not that tick alone. The adjustment
 * engine acts on the largest p90 over its look-ahead; a row's mean tick is smooth while the largest of its
 * {@code r} ticks is far above it (on NASA's minute ticks the row mean's p90 covered the peak of a day ahead only
 * 23 % of the time: docs/RESULTS.md), and a day ahead the tick of an hour at which the load peaks cannot be
 * forecast, so every step of row {@code c} carries one bound for the whole row:
 * {@code p90_h = max(p50_h, κ · q90_c / r)}, {@code q90_c} the row forecaster's 90 % quantile of row {@code c}. The
 * factor {@code κ} is learnt per slot as the 90 % quantile of {@code z = peak_k / (q90_k / r)} over completed rows
 * {@code k}, {@code peak_k} the row's largest tick and {@code q90_k} the quantile issued for row {@code k} when the
 * row before it completed: a stochastic-approximation quantile on {@code log κ} (the pinball-loss step
 * {@code log κ += η (1[z > κ] - 0.1)}, η = {@value #PEAK_ETA}; the first {@code z} sets {@code κ}), so that at one row
 * ahead the bound covers the row's peak 90 % of the time by construction, and further ahead it widens as the row
 * forecaster's quantile does. Before a slot's first learnt row {@code κ = 1} (the row mean's bound). The peak of a
 * row is tracked here, from each tick's load as the tick completes (the roll-up rows hold sums, not maxima): a
 * row some of whose ticks this forecaster did not see (the slot was not listed, or was new) teaches nothing.
 * Within the tick horizon the steps are the tick forecaster's own. The bound overstates a single tick's 90 %
 * quantile: the per-step coverage of rolled-up steps is above 0.9 by design.
 * <p>
 * <b>The largest bound over the look-ahead covers the look-ahead's peak 90 % of the time</b> ({@link
 * Bound#HORIZON_PEAK}, the default). Each row's bound covering its own row's peak 90 % of the time does not make the
 * largest of the 24 row bounds of a day cover the day's peak 90 % of the time (NASA, 5-minute ticks: 78 %): the row
 * that holds the day's peak is more often one whose bound was exceeded, the "max of p90s is not the p90 of the max"
 * gap. What the engine asks, for a split over the whole horizon (its default look-ahead) and for every merge, is "will
 * this partition exceed capacity anywhere in the horizon", so a second factor {@code λ ≥ 1} per slot scales every
 * rolled-up step: {@code p90_h = max(p50_h, λ · κ · q90_c / r)}. At each row end the forecaster records {@code U_k},
 * the largest rolled-up bound it issued ({@code λ κ max_c q90_c / r} over the rows {@code c} the rolled-up steps fall
 * in, with the factors then in force); when the look-ahead's last row completes it compares {@code U_k} with the
 * look-ahead's realised peak {@code M_k} (the largest of those rows' peak ticks) and steps {@code log λ += (η_λ / C)
 * (1[M_k > U_k] - 0.1)}, kept at or above 0, with {@code C} the look-ahead's rows and η_λ = {@value #HORIZON_ETA}. This
 * is the pinball-loss quantile step on the event the engine acts on, judged against the bound actually issued, so its
 * fixed point is 90 % coverage of the look-ahead's peak. Why this rule:
 * <ul>
 *   <li>A factor on the largest bound, not one per lead row: per-lead factors at 90 % each still leave the max gap,
 *       and a nested family of prefix quantiles cannot be written into a table of per-step p90s without turning
 *       them into a rising envelope, which would destroy the shape merges rely on ({@code mergedPeakUpper} sums
 *       two partitions' p90 step by step). Scaling every row keeps the shape; within the tick horizon (the steps a
 *       short split look-ahead reads) nothing changes.</li>
 *   <li>Judged against the issued bound: look-aheads issued a row apart share all rows but one, so one burst
 *       exceeds up to {@code C} of them. Comparing {@code M_k} with the current {@code λ} instead would stop
 *       counting those exceedances once the first few had raised {@code λ}, and settle below 90 % (measured:
 *       NASA 5-minute ticks 0.88).</li>
 *   <li>{@code η_λ / C} per look-ahead: about one independent sample a look-ahead, so a look-ahead's worth of
 *       exceedances moves {@code log λ} by about {@code 0.9 η_λ} (a missed day raises {@code λ} about 20 %) and a
 *       clean one lowers it by {@code 0.1 η_λ}; {@code λ} starts at 1 (the row bounds as they are), not at the
 *       first sample, whose overshoot would take weeks to decay at this rate.</li>
 *   <li>{@code λ ≥ 1}: each row's own bound keeps covering its row's peak at least 90 % of the time.</li>
 * </ul>
 * Everything it uses is known at forecast time (the factors, the issued quantiles, ticks already seen). A change of
 * the horizon in use stops the scoring of look-aheads issued before it. A look-ahead some tick of which this
 * forecaster did not see teaches nothing.
 * <p>
 * The factors are learnt state that the load history cannot rebuild (it keeps row sums, not row peaks):
 * {@link PeakFactorFile} writes and reads them, so that a restart keeps them; a split child inherits both, a merge
 * takes the larger of each.
 * <p>
 * Memory: per slot 60 bytes here (the row's running peak, the last tick seen, the tick from which the row was
 * seen, the tick since which every tick was seen, {@code log κ}, {@code log λ}, the row end of the slot's level
 * forecast, its entry in the level's slot list) plus
 * {@code 8 B} per row of the level table ({@code U_k} and the row peaks, float32 rings), plus both forecasters' and
 * their tables' ({@code 24 B} per step of each).
 * <p>
 * Threading: control thread. Allocation-free when both forecasters are.
 */
public final class RollUpForecaster implements Forecaster {
    /** Learning rate of the per-slot peak factor's log (a step of 0.9 η up, 0.1 η down per row). */
    public static final double PEAK_ETA = 0.1;
    /** Learning rate of the per-slot horizon factor's log (a step of 0.9 η up, 0.1 η down per look-ahead scored). */
    public static final double HORIZON_ETA = 0.2;
    private static final double PEAK_QUANTILE = 0.9;
    private static final long NEVER = Long.MIN_VALUE;

    private final Forecaster tickForecaster;
    private final Forecaster levelForecaster;
    private final int level;
    private final int tickHorizon;
    private final ForecastTable tickTable;
    private final ForecastTable levelTable;
    /** Scratch: the listed slots with at least one complete row of the level. */
    private final int[] levelSlots;
    /** Per slot: whether {@link #levelTable} holds a forecast for it issued at {@link #levelIssuedAt}. */
    private final long[] levelIssuedAt;
    /** Per slot: the largest tick load of the row in progress seen so far. */
    private final double[] rowPeak;
    /** Per slot: the tick count after the last tick whose load {@link #rowPeak} took in. */
    private final long[] peakSeenAt;
    /** Per slot: the tick count from which every tick of the row in progress was seen ({@link #NEVER}: none). */
    private final long[] peakSeenFrom;
    /** Per slot: {@code log κ}, NaN until the slot's first learnt row. */
    private final double[] logPeakFactor;
    /**
     * Per slot: {@code log λ} (at least 0), the horizon factor (class comment); 0 (λ = 1) until learnt otherwise.
     */
    private final double[] logHorizonFactor;
    /**
     * Per slot and issuing row end, ring of {@link #ringRows} entries at {@code slot * ringRows + (rowEnd / r) %
     * ringRows}: {@code U}, the largest rolled-up bound issued at that row end, as issued (NaN: none).
     */
    private final float[] issuedHorizonBound;
    /** Per slot and completed row, ring as above at {@code (rowEnd / r - 1) % ringRows}: the row's peak tick. */
    private final float[] rowPeakRing;
    /** Per slot: the row end since which every tick of the slot was seen ({@link #NEVER}: not tracking). */
    private final long[] trackedSince;
    private final int ringRows;
    private final Bound bound;
    /** The horizon in use at the latest row end, and the row end since which it has been in use. */
    private int horizonInUse = -1;
    private long horizonInUseSince = NEVER;
    private long rowPeaksScored;
    private long rowPeaksCovered;
    private long horizonPeaksScored;
    private long horizonPeaksCovered;
    private long factorUpdates;
    private final String name;

    /** What the 90 % quantile of a rolled-up step stands for (class comment). */
    public enum Bound {
        /** The row mean's quantile divided by the row's ticks: smooth, far under the row's peak tick. */
        ROW_MEAN,
        /** {@code κ · q90_c / r}: covers its row's peak tick about 90 % of the time, row by row. */
        ROW_PEAK,
        /** {@code λ · κ · q90_c / r}: the largest over the look-ahead covers the look-ahead's peak 90 % of the time. */
        HORIZON_PEAK
    }

    /**
     * A forecaster whose rolled-up steps carry {@link Bound#HORIZON_PEAK}.
     *
     * @param slotCapacity    number of partition slots.
     * @param maxHorizon      the longest horizon of the output, in ticks.
     * @param tickForecaster  the forecaster of the first steps, reading the tick level.
     * @param tickHorizon     steps the tick forecaster serves (at least 1, at most {@code maxHorizon}).
     * @param levelForecaster the forecaster of the longer steps, reading roll-up level {@code level} (for instance an
     *                        {@link EnsembleForecaster} built with that level); its table holds {@code levelHorizon}
     *                        rows.
     * @param level           the roll-up level (at least 1).
     * @param levelHorizon    rows the level forecaster forecasts: at least {@code ceil(maxHorizon / r) + 1}, r the
     *                        level's ticks per row.
     */
    public RollUpForecaster(final int slotCapacity, final int maxHorizon, final Forecaster tickForecaster,
        final int tickHorizon, final Forecaster levelForecaster, final int level, final int levelHorizon) {
        this(slotCapacity, maxHorizon, tickForecaster, tickHorizon, levelForecaster, level, levelHorizon,
            Bound.HORIZON_PEAK);
    }

    /**
     * As above, with rolled-up steps' p90 standing for {@code bound} ({@link Bound#ROW_MEAN} and
     * {@link Bound#ROW_PEAK} are the comparisons in docs/RESULTS.md).
     */
    public RollUpForecaster(final int slotCapacity, final int maxHorizon, final Forecaster tickForecaster,
        final int tickHorizon, final Forecaster levelForecaster, final int level, final int levelHorizon,
        final Bound bound) {
        if (slotCapacity < 1 || maxHorizon < 1 || tickHorizon < 1 || tickHorizon > maxHorizon || level < 1
            || levelHorizon < 1 || (long) slotCapacity * levelHorizon > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid roll-up forecaster [slotCapacity=" + slotCapacity
                + ", maxHorizon=" + maxHorizon + ", tickHorizon=" + tickHorizon + ", level=" + level
                + ", levelHorizon=" + levelHorizon + "]");
        }
        this.tickForecaster = tickForecaster;
        this.levelForecaster = levelForecaster;
        this.level = level;
        this.tickHorizon = tickHorizon;
        this.tickTable = new ForecastTable(slotCapacity, tickHorizon);
        this.levelTable = new ForecastTable(slotCapacity, levelHorizon);
        this.levelSlots = new int[slotCapacity];
        this.levelIssuedAt = new long[slotCapacity];
        Arrays.fill(levelIssuedAt, -1);
        this.rowPeak = new double[slotCapacity];
        this.peakSeenAt = new long[slotCapacity];
        this.peakSeenFrom = new long[slotCapacity];
        this.logPeakFactor = new double[slotCapacity];
        Arrays.fill(peakSeenAt, NEVER);
        Arrays.fill(peakSeenFrom, NEVER);
        Arrays.fill(logPeakFactor, Double.NaN);
        this.logHorizonFactor = new double[slotCapacity];
        this.ringRows = levelHorizon;
        this.issuedHorizonBound = new float[slotCapacity * levelHorizon];
        this.rowPeakRing = new float[slotCapacity * levelHorizon];
        this.trackedSince = new long[slotCapacity];
        Arrays.fill(trackedSince, NEVER);
        this.bound = bound;
        this.name = tickForecaster.name() + "+L" + level + ":" + levelForecaster.name();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * @throws IllegalArgumentException when the history has no level {@code level}, or the level's table is too
     *                                  short for the output's horizon.
     */
    @Override
    public void forecast(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        if (level >= history.levelCount()) {
            throw new IllegalArgumentException("history has no such roll-up level [level=" + level + ", levels="
                + history.levelCount() + "]");
        }
        final int perRow = history.ticksPerRow(level);
        final int horizon = table.horizon();
        final long tick = history.tickCount();
        final long rowEnd = tick / perRow * perRow;
        if ((int) ((tick - rowEnd + horizon - 1) / perRow) >= levelTable.maxHorizon()) {
            throw new IllegalArgumentException("roll-up table too short for the horizon [horizon=" + horizon
                + ", ticksPerRow=" + perRow + ", levelHorizon=" + levelTable.maxHorizon() + "]");
        }
        tickForecaster.forecast(history, resource, slots, count, tickTable);
        final int first = Math.min(tickHorizon, horizon);
        if (tick == rowEnd && horizon != horizonInUse) {
            // A look-ahead of another length: those issued before no longer match the horizon factor's event.
            horizonInUse = horizon;
            horizonInUseSince = rowEnd;
        }
        trackPeaks(history, resource, slots, count, tick, rowEnd, perRow, first, horizon);
        if (tick == rowEnd) {
            int listed = 0;
            for (int i = 0; i < count; i++) {
                if (history.length(level, slots[i]) > 0) {
                    levelSlots[listed++] = slots[i];
                }
            }
            if (listed > 0) {
                levelForecaster.forecast(history, resource, levelSlots, listed, levelTable);
                for (int i = 0; i < listed; i++) {
                    levelIssuedAt[levelSlots[i]] = rowEnd;
                }
            }
            noteIssuedBounds(slots, count, rowEnd, perRow, first, horizon);
        }
        table.align(tick);
        final double share = 1.0 / perRow;
        final int steps = table.steps();
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            final boolean hasRows = levelIssuedAt[slot] == rowEnd;
            final double peakShare = boundFactor(slot) * share;
            for (int k = 0; k < steps; k++) {
                writeStep(table, slot, k, tick, rowEnd, perRow, first, hasRows, share, peakShare);
            }
        }
    }

    /**
     * The steps this forecaster writes: the tick forecaster's steps one tick each, then one step per row of the
     * level ({@link StepSchedule}), so that the output table holds O(tick steps + rows) values per slot whatever
     * the tick. Each row step's p90 is the row's peak bound (class comment), a bound for its largest tick.
     *
     * @throws IllegalArgumentException when the history has no level {@code level}.
     */
    @Override
    public StepSchedule schedule(final LoadHistory history, final int horizonTicks) {
        if (level >= history.levelCount()) {
            throw new IllegalArgumentException("history has no such roll-up level [level=" + level + ", levels="
                + history.levelCount() + "]");
        }
        final StepSchedule ticks = StepSchedule.ticks(Math.min(tickHorizon, horizonTicks));
        return tickHorizon >= horizonTicks ? ticks : ticks.thenRows(history.ticksPerRow(level), horizonTicks);
    }

    /**
     * Writes step {@code k} of {@code slot}: over the step's ticks {@code h} (0-based ahead), the per-tick forecast
     * is the tick table's step {@code h} below {@code first}, else row {@code c = (tick - rowEnd + h) / perRow}'s
     * forecast per tick (or, before the slot has rows, the last tick step's); the step gets the mean and median
     * averaged over its ticks and the largest p90. Walks the step by pieces (a tick, or the part of a row), so a row
     * step costs O(1) whatever its ticks. For a one-tick step this is exactly that tick's forecast.
     */
    private void writeStep(final ForecastTable table, final int slot, final int k, final long tick, final long rowEnd,
        final int perRow, final int first, final boolean hasRows, final double share, final double peakShare) {
        int h = table.firstTick(k) - 1;
        final int end = h + table.spanTicks(k);
        double meanSum = 0;
        double p50Sum = 0;
        double p90Max = Double.NEGATIVE_INFINITY;
        double pieceMean = 0;
        double pieceP50 = 0;
        int pieces = 0;
        while (h < end) {
            final int pieceEnd;
            final double mean;
            final double p50;
            final double p90;
            if (h < first) {
                pieceEnd = h + 1;
                mean = tickTable.mean(slot, h);
                p50 = tickTable.p50(slot, h);
                p90 = tickTable.p90(slot, h);
            } else if (hasRows) {
                final int row = (int) ((tick - rowEnd + h) / perRow);
                pieceEnd = (int) Math.min(end, rowEnd - tick + (long) (row + 1) * perRow);
                p50 = levelTable.p50(slot, row) * share;
                mean = levelTable.mean(slot, row) * share;
                p90 = Math.max(p50, levelTable.p90(slot, row) * peakShare);
            } else {
                pieceEnd = end;
                mean = tickTable.mean(slot, first - 1);
                p50 = tickTable.p50(slot, first - 1);
                p90 = tickTable.p90(slot, first - 1);
            }
            final int ticks = pieceEnd - h;
            pieceMean = mean;
            pieceP50 = p50;
            pieces++;
            meanSum += mean * ticks;
            p50Sum += p50 * ticks;
            // Math.max propagates NaN, as the table's peak does: a broken forecast must show.
            p90Max = Math.max(p90Max, p90);
            h = pieceEnd;
        }
        // A step of one piece (a tick, or a part of one row) gets that piece's values bit for bit, as every tick
        // of it had in a table of tick steps; only a step across pieces averages.
        final int span = table.spanTicks(k);
        table.mean(slot, k, pieces == 1 ? pieceMean : meanSum / span);
        table.quantiles(slot, k, pieces == 1 ? pieceP50 : p50Sum / span, p90Max);
    }

    /** The slot's learnt peak factor {@code κ} (class comment), or NaN before its first learnt row. */
    public double peakFactor(final int slot) {
        return Math.exp(logPeakFactor[slot]);
    }

    /** The slot's learnt horizon factor {@code λ} (class comment): 1 until a look-ahead taught it more. */
    public double horizonFactor(final int slot) {
        return Math.exp(logHorizonFactor[slot]);
    }

    /** What the rolled-up steps' p90 stands for. */
    public Bound bound() {
        return bound;
    }

    /** Rows whose peak was scored against the bound issued for them one row earlier (all slots). */
    public long rowPeaksScored() {
        return rowPeaksScored;
    }

    /** Of {@link #rowPeaksScored()}, those whose peak was at or under the bound. */
    public long rowPeaksCovered() {
        return rowPeaksCovered;
    }

    /** Look-aheads issued at a row end whose peak was scored against the largest rolled-up bound issued. */
    public long horizonPeaksScored() {
        return horizonPeaksScored;
    }

    /** Of {@link #horizonPeaksScored()}, those whose peak was at or under that bound. */
    public long horizonPeaksCovered() {
        return horizonPeaksCovered;
    }

    /**
     * Steps the learnt factors took since construction (all slots; a restore or a split or merge counts too): what
     * a keeper of {@link PeakFactorFile} compares to know whether there is anything new to write.
     */
    public long factorUpdates() {
        return factorUpdates;
    }

    /** Forwards to both forecasters; the slot's factors start unlearnt. */
    @Override
    public void onNewPartition(final int slot) {
        tickForecaster.onNewPartition(slot);
        levelForecaster.onNewPartition(slot);
        forget(slot);
        logPeakFactor[slot] = Double.NaN;
        logHorizonFactor[slot] = 0;
    }

    /** Forwards to both forecasters; the child keeps the parent's factors (ratios, so the share cancels). */
    @Override
    public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
        tickForecaster.onSplitChild(parentSlot, childSlot, share);
        levelForecaster.onSplitChild(parentSlot, childSlot, share);
        forget(childSlot);
        logPeakFactor[childSlot] = logPeakFactor[parentSlot];
        logHorizonFactor[childSlot] = logHorizonFactor[parentSlot];
    }

    /**
     * Forwards to both forecasters; the merged slot takes the larger of each pair of factors (the safe side: a sum
     * of two partitions is at most as bursty as the burstier one, relative to its quantile).
     */
    @Override
    public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
        final double lowerShare) {
        tickForecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        levelForecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        final double lower = logPeakFactor[lowerSlot];
        final double upper = logPeakFactor[upperSlot];
        final double horizon = Math.max(logHorizonFactor[lowerSlot], logHorizonFactor[upperSlot]);
        forget(mergedSlot);
        logPeakFactor[mergedSlot] = Double.isNaN(lower) ? upper : Double.isNaN(upper) ? lower : Math.max(lower, upper);
        logHorizonFactor[mergedSlot] = horizon;
    }

    @Override
    public long modelFallbacks() {
        return tickForecaster.modelFallbacks() + levelForecaster.modelFallbacks();
    }

    /** The roll-up level the rolled-up steps come from (for {@link PeakFactorFile}). */
    int level() {
        return level;
    }

    /** Number of slots (for {@link PeakFactorFile}). */
    int slotCapacity() {
        return logPeakFactor.length;
    }

    /** The slot's {@code log κ}, NaN before its first learnt row (for {@link PeakFactorFile}). */
    double logPeakFactor(final int slot) {
        return logPeakFactor[slot];
    }

    /** The slot's {@code log λ} (for {@link PeakFactorFile}). */
    double logHorizonFactor(final int slot) {
        return logHorizonFactor[slot];
    }

    /**
     * Sets the slot's learnt factors (from {@link PeakFactorFile}): {@code logPeak} NaN or finite, {@code logHorizon}
     * finite and at least 0. The rows and look-aheads in progress are not restored: the slot's tracking restarts.
     */
    void restoreFactors(final int slot, final double logPeak, final double logHorizon) {
        if (Double.isInfinite(logPeak) || !(logHorizon >= 0) || Double.isInfinite(logHorizon)) {
            throw new IllegalArgumentException("invalid learnt factors [slot=" + slot + ", logPeakFactor=" + logPeak
                + ", logHorizonFactor=" + logHorizon + "]");
        }
        forget(slot);
        logPeakFactor[slot] = logPeak;
        logHorizonFactor[slot] = logHorizon;
    }

    /** The factor on {@code q90_c} of the slot's rolled-up steps: 1, {@code κ} or {@code λ κ} ({@link #bound}). */
    private double boundFactor(final int slot) {
        final double logPeak = logPeakFactor[slot];
        if (bound == Bound.ROW_MEAN || Double.isNaN(logPeak)) {
            return 1;
        }
        return Math.exp(bound == Bound.HORIZON_PEAK ? logPeak + logHorizonFactor[slot] : logPeak);
    }

    /**
     * Takes the latest tick's load into each listed slot's running row peak; at a row's end ({@code tick == rowEnd})
     * scores and learns the peak factor from the completed row, if it was seen whole and its quantile was issued,
     * records the row's peak, scores and learns the horizon factor from the look-ahead issued
     * {@code lastRow + 1} rows ago if every tick of it was seen, and starts the next row. Reads the history and
     * {@link #levelTable} before the level forecaster overwrites it.
     */
    private void trackPeaks(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final long tick, final long rowEnd, final int perRow, final int first, final int horizon) {
        final long rowStart = tick == rowEnd ? rowEnd - perRow : rowEnd;
        final int firstRow = first / perRow;
        final int lastRow = (horizon - 1) / perRow;
        final long lookAheadIssuedAt = rowEnd - (long) (lastRow + 1) * perRow;
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            final double load = history.value(resource, slot, 0);
            if (peakSeenAt[slot] == tick - 1 && peakSeenFrom[slot] != NEVER) {
                rowPeak[slot] = Math.max(rowPeak[slot], load);
            } else {
                // A gap (or the first tick seen): the row in progress is seen whole only if this is its first tick.
                rowPeak[slot] = load;
                peakSeenFrom[slot] = tick - 1 == rowStart ? rowStart : NEVER;
            }
            if (peakSeenAt[slot] != tick - 1) {
                trackedSince[slot] = NEVER;
            }
            peakSeenAt[slot] = tick;
            if (tick == rowEnd) {
                final boolean isWhole = peakSeenFrom[slot] == rowStart;
                if (isWhole && levelIssuedAt[slot] == rowStart) {
                    final double issuedPerTick = levelTable.p90(slot, 0) / perRow;
                    scoreRowPeak(slot, rowPeak[slot], issuedPerTick);
                    learnPeak(slot, rowPeak[slot], issuedPerTick);
                }
                final int base = slot * ringRows;
                final long completedRow = rowEnd / perRow - 1;
                rowPeakRing[base + (int) (completedRow % ringRows)] = isWhole ? (float) rowPeak[slot] : Float.NaN;
                final long since = trackedSince[slot];
                if (since != NEVER && since <= lookAheadIssuedAt && horizonInUseSince <= lookAheadIssuedAt) {
                    double realised = Double.NEGATIVE_INFINITY;
                    for (int c = firstRow; c <= lastRow; c++) {
                        realised = Math.max(realised, rowPeakRing[base + (int) ((completedRow - lastRow + c)
                            % ringRows)]);
                    }
                    learnHorizon(slot, realised,
                        issuedHorizonBound[base + (int) (lookAheadIssuedAt / perRow % ringRows)],
                        lastRow - firstRow + 1);
                }
                if (since == NEVER) {
                    // From this row end on every tick is seen: look-aheads issued from now on can be scored.
                    trackedSince[slot] = rowEnd;
                }
                rowPeak[slot] = Double.NEGATIVE_INFINITY;
                peakSeenFrom[slot] = rowEnd;
            }
        }
    }

    /**
     * At a row end, after the level forecast: records per listed slot {@code U}, the largest rolled-up bound as
     * issued, {@code λ κ q90_c / r} (the p50 floor aside) over the rows {@code c} the rolled-up steps of this
     * look-ahead fall in (NaN when the slot has no rows or no learnt {@code κ}: that look-ahead teaches nothing).
     */
    private void noteIssuedBounds(final int[] slots, final int count, final long rowEnd, final int perRow,
        final int first, final int horizon) {
        final int firstRow = first / perRow;
        final int lastRow = (horizon - 1) / perRow;
        final int at = (int) (rowEnd / perRow % ringRows);
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            final double logPeak = logPeakFactor[slot];
            double largest = Double.NaN;
            if (levelIssuedAt[slot] == rowEnd && !Double.isNaN(logPeak) && first < horizon) {
                largest = Double.NEGATIVE_INFINITY;
                for (int c = firstRow; c <= lastRow; c++) {
                    largest = Math.max(largest, levelTable.p90(slot, c));
                }
                largest *= boundFactor(slot) / perRow;
            }
            issuedHorizonBound[slot * ringRows + at] = (float) largest;
        }
    }

    /** Counts whether a row's peak was at or under the bound issued for it one row earlier. */
    private void scoreRowPeak(final int slot, final double peak, final double issuedPerTick) {
        if (!(issuedPerTick > 0) || Double.isNaN(peak) || bound == Bound.ROW_MEAN) {
            return;
        }
        rowPeaksScored++;
        rowPeaksCovered += peak <= boundFactor(slot) * issuedPerTick ? 1 : 0;
    }

    /** One step of the slot's peak-factor quantile from a row's peak and the row's issued quantile per tick. */
    private void learnPeak(final int slot, final double peak, final double issuedPerTick) {
        if (!(issuedPerTick > 0) || !(peak >= 0) || Double.isInfinite(peak)) {
            return;
        }
        final double z = Math.log(Math.max(peak, Double.MIN_NORMAL) / issuedPerTick);
        final double logFactor = logPeakFactor[slot];
        factorUpdates++;
        if (Double.isNaN(logFactor)) {
            logPeakFactor[slot] = z;
        } else {
            logPeakFactor[slot] = logFactor + PEAK_ETA * ((z > logFactor ? 1.0 : 0.0) - (1 - PEAK_QUANTILE));
        }
    }

    /**
     * One step of the slot's horizon-factor quantile from a look-ahead's realised peak (NaN when a row of it was not
     * seen whole) and its issued unscaled bound {@code U} (NaN when none), kept at or above 0 so that each row's
     * bound keeps covering its own row.
     */
    private void learnHorizon(final int slot, final double realised, final double issued, final int rows) {
        if (!(issued > 0) || !(realised >= 0) || Double.isInfinite(realised) || Double.isInfinite(issued)) {
            return;
        }
        if (bound != Bound.HORIZON_PEAK) {
            // The comparisons issue no λ: there is nothing to judge it by.
            return;
        }
        final double logFactor = logHorizonFactor[slot];
        final boolean isExceeded = realised > issued;
        factorUpdates++;
        horizonPeaksScored++;
        horizonPeaksCovered += isExceeded ? 0 : 1;
        logHorizonFactor[slot] = Math.max(0, logFactor + HORIZON_ETA / rows * ((isExceeded ? 1.0 : 0.0)
            - (1 - PEAK_QUANTILE)));
    }

    private void forget(final int slot) {
        factorUpdates++;
        levelIssuedAt[slot] = -1;
        peakSeenAt[slot] = NEVER;
        peakSeenFrom[slot] = NEVER;
        trackedSince[slot] = NEVER;
    }

    /** Closes both forecasters. Safe to call twice. */
    @Override
    public void close() {
        tickForecaster.close();
        levelForecaster.close();
    }
}
