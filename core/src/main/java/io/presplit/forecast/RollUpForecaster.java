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
 * Memory: per slot 32 bytes here (the row's running peak, the last tick seen, the tick from which the row was
 * seen, {@code log κ}), plus both forecasters' and their tables' ({@code 24 B} per step of each).
 * <p>
 * Threading: control thread. Allocation-free when both forecasters are.
 */
public final class RollUpForecaster implements Forecaster {
    /** Learning rate of the per-slot peak factor's log (a step of 0.9 η up, 0.1 η down per row). */
    public static final double PEAK_ETA = 0.1;
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
    /** Whether rolled-up steps' p90 bound the row's peak tick ({@code false}: the row mean's, for comparison). */
    private final boolean isPeakBound;
    private final String name;

    /**
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
        this(slotCapacity, maxHorizon, tickForecaster, tickHorizon, levelForecaster, level, levelHorizon, true);
    }

    /**
     * As above; {@code isPeakBound = false} gives rolled-up steps the row mean's quantiles divided by the row's
     * ticks instead of the bound on the row's peak tick (the comparison in docs/RESULTS.md).
     */
    public RollUpForecaster(final int slotCapacity, final int maxHorizon, final Forecaster tickForecaster,
        final int tickHorizon, final Forecaster levelForecaster, final int level, final int levelHorizon,
        final boolean isPeakBound) {
        if (slotCapacity < 1 || maxHorizon < 1 || tickHorizon < 1 || tickHorizon > maxHorizon || level < 1
            || levelHorizon < 1) {
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
        this.isPeakBound = isPeakBound;
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
        trackPeaks(history, resource, slots, count, tick, rowEnd, perRow);
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
        }
        final int first = Math.min(tickHorizon, horizon);
        final double share = 1.0 / perRow;
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            for (int h = 0; h < first; h++) {
                table.mean(slot, h, tickTable.mean(slot, h));
                table.quantiles(slot, h, tickTable.p50(slot, h), tickTable.p90(slot, h));
            }
            final boolean hasRows = levelIssuedAt[slot] == rowEnd;
            final double logFactor = logPeakFactor[slot];
            final double peakShare = Double.isNaN(logFactor) || !isPeakBound ? share : Math.exp(logFactor) * share;
            for (int h = first; h < horizon; h++) {
                if (hasRows) {
                    final int row = (int) ((tick - rowEnd + h) / perRow);
                    final double p50 = levelTable.p50(slot, row) * share;
                    table.mean(slot, h, levelTable.mean(slot, row) * share);
                    table.quantiles(slot, h, p50, Math.max(p50, levelTable.p90(slot, row) * peakShare));
                } else {
                    table.mean(slot, h, tickTable.mean(slot, first - 1));
                    table.quantiles(slot, h, tickTable.p50(slot, first - 1), tickTable.p90(slot, first - 1));
                }
            }
        }
    }

    /** The slot's learnt peak factor {@code κ} (class comment), or NaN before its first learnt row. */
    public double peakFactor(final int slot) {
        return Math.exp(logPeakFactor[slot]);
    }

    /** Forwards to both forecasters; the slot's peak factor starts unlearnt. */
    @Override
    public void onNewPartition(final int slot) {
        tickForecaster.onNewPartition(slot);
        levelForecaster.onNewPartition(slot);
        forget(slot);
        logPeakFactor[slot] = Double.NaN;
    }

    /** Forwards to both forecasters; the child keeps the parent's peak factor (a ratio, so the share cancels). */
    @Override
    public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
        tickForecaster.onSplitChild(parentSlot, childSlot, share);
        levelForecaster.onSplitChild(parentSlot, childSlot, share);
        forget(childSlot);
        logPeakFactor[childSlot] = logPeakFactor[parentSlot];
    }

    /**
     * Forwards to both forecasters; the merged slot takes the larger of the two peak factors (the safe side: a sum
     * of two partitions is at most as bursty as the burstier one, relative to its quantile).
     */
    @Override
    public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
        final double lowerShare) {
        tickForecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        levelForecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        final double lower = logPeakFactor[lowerSlot];
        final double upper = logPeakFactor[upperSlot];
        forget(mergedSlot);
        logPeakFactor[mergedSlot] = Double.isNaN(lower) ? upper : Double.isNaN(upper) ? lower : Math.max(lower, upper);
    }

    @Override
    public long modelFallbacks() {
        return tickForecaster.modelFallbacks() + levelForecaster.modelFallbacks();
    }

    /**
     * Takes the latest tick's load into each listed slot's running row peak; at a row's end ({@code tick == rowEnd})
     * learns the peak factor from the completed row, if it was seen whole and its quantile was issued, and starts
     * the next row. Reads the history and {@link #levelTable} before the level forecaster overwrites it.
     */
    private void trackPeaks(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final long tick, final long rowEnd, final int perRow) {
        final long rowStart = tick == rowEnd ? rowEnd - perRow : rowEnd;
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
            peakSeenAt[slot] = tick;
            if (tick == rowEnd) {
                if (peakSeenFrom[slot] == rowStart && levelIssuedAt[slot] == rowStart) {
                    learnPeak(slot, rowPeak[slot], levelTable.p90(slot, 0) / perRow);
                }
                rowPeak[slot] = Double.NEGATIVE_INFINITY;
                peakSeenFrom[slot] = rowEnd;
            }
        }
    }

    /** One step of the slot's peak-factor quantile from a row's peak and the row's issued quantile per tick. */
    private void learnPeak(final int slot, final double peak, final double issuedPerTick) {
        if (!(issuedPerTick > 0) || !(peak >= 0) || Double.isInfinite(peak)) {
            return;
        }
        final double z = Math.log(Math.max(peak, Double.MIN_NORMAL) / issuedPerTick);
        final double logFactor = logPeakFactor[slot];
        if (Double.isNaN(logFactor)) {
            logPeakFactor[slot] = z;
        } else {
            logPeakFactor[slot] = logFactor + PEAK_ETA * ((z > logFactor ? 1.0 : 0.0) - (1 - PEAK_QUANTILE));
        }
    }

    private void forget(final int slot) {
        levelIssuedAt[slot] = -1;
        peakSeenAt[slot] = NEVER;
        peakSeenFrom[slot] = NEVER;
    }

    /** Closes both forecasters. Safe to call twice. */
    @Override
    public void close() {
        tickForecaster.close();
        levelForecaster.close();
    }
}
