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
 * that row's end) and gets that row's forecast divided by {@code r}: the mean tick load of the row. Its quantiles
 * are the row's, divided alike, i.e. intervals of the row's mean tick, narrower than a single tick's; a calibrator
 * run on the output table (the engine's or the evaluation's) recalibrates them per step. A slot whose level has no
 * complete row yet extends its last tick-level step.
 * <p>
 * Threading: control thread. Allocation-free when both forecasters are.
 */
public final class RollUpForecaster implements Forecaster {
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
            for (int h = first; h < horizon; h++) {
                if (hasRows) {
                    final int row = (int) ((tick - rowEnd + h) / perRow);
                    table.mean(slot, h, levelTable.mean(slot, row) * share);
                    table.quantiles(slot, h, levelTable.p50(slot, row) * share, levelTable.p90(slot, row) * share);
                } else {
                    table.mean(slot, h, tickTable.mean(slot, first - 1));
                    table.quantiles(slot, h, tickTable.p50(slot, first - 1), tickTable.p90(slot, first - 1));
                }
            }
        }
    }

    /** Forwards to both forecasters. */
    @Override
    public void onNewPartition(final int slot) {
        tickForecaster.onNewPartition(slot);
        levelForecaster.onNewPartition(slot);
        levelIssuedAt[slot] = -1;
    }

    /** Forwards to both forecasters. */
    @Override
    public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
        tickForecaster.onSplitChild(parentSlot, childSlot, share);
        levelForecaster.onSplitChild(parentSlot, childSlot, share);
        levelIssuedAt[childSlot] = -1;
    }

    /** Forwards to both forecasters. */
    @Override
    public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
        final double lowerShare) {
        tickForecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        levelForecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        levelIssuedAt[mergedSlot] = -1;
    }

    @Override
    public long modelFallbacks() {
        return tickForecaster.modelFallbacks() + levelForecaster.modelFallbacks();
    }

    /** Closes both forecasters. Safe to call twice. */
    @Override
    public void close() {
        tickForecaster.close();
        levelForecaster.close();
    }
}
