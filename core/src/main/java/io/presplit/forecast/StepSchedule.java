package io.presplit.forecast;

import java.util.Arrays;

/**
 * Which ticks each step of a {@link ForecastTable} stands for: the first {@link #tickSteps()} steps one tick each,
 * then bands of steps that each stand for one row of a roll-up level (for instance minute rows, then hour rows).
 * <p>
 * Why: a table with one step per tick holds a day ahead at 10-second ticks as 8,640 steps (207 KB per partition),
 * at 1-second ticks as 86,400 (2 MB), while the forecasts beyond the first minutes come from roll-up rows anyway
 * ({@link RollUpForecaster}) and are constant over each row's ticks. With one step per row, a day ahead on hourly
 * rows is 24 or 25 steps whatever the tick: memory is O(tick steps + rows), not O(ticks in a day).
 * <p>
 * <b>Alignment.</b> Row steps follow the history's rows, which end at tick counts that are multiples of the row's
 * ticks ({@code LoadHistory}), so where they fall moves with the tick: with {@code t} ticks completed, tick {@code h}
 * ticks ahead (1-based) is tick index {@code t + h - 1}, and a band of rows of {@code r} ticks breaks its steps
 * where {@code (t + h - 1) % r == 0}. A band's first step runs from where the previous band ended to the next row
 * boundary (a part of a row), its last step ends at the band's end (possibly inside a row). {@link #layOut} computes
 * the steps for a tick count; {@link ForecastTable#align} applies it. A band of {@code n} ticks has at most
 * {@code ceil(n / r) + 1} steps: {@link #stepCapacity()} reserves that.
 * <p>
 * <b>What a step holds</b> (the forecaster's contract): the mean and the median are per tick, averaged over the
 * step's ticks; the 90 % quantile bounds the <em>largest</em> tick inside the step (for a one-tick step, that
 * tick's quantile), which is what the adjustment engine's look-ahead reads and what {@link RollUpForecaster}'s
 * row-peak bounds already are.
 * <p>
 * Immutable; built on a cold path.
 */
public final class StepSchedule {
    private final int tickSteps;
    /** Per band: ticks per step (a row of the band's level). */
    private final int[] bandTicksPerStep;
    /** Per band: the last tick ahead (1-based) the band covers; increasing, the last one is the horizon. */
    private final int[] bandEndTicks;
    private final int stepCapacity;

    private StepSchedule(final int tickSteps, final int[] bandTicksPerStep, final int[] bandEndTicks) {
        this.tickSteps = tickSteps;
        this.bandTicksPerStep = bandTicksPerStep;
        this.bandEndTicks = bandEndTicks;
        long capacity = tickSteps;
        int previousEnd = tickSteps;
        for (int b = 0; b < bandEndTicks.length; b++) {
            final int r = bandTicksPerStep[b];
            capacity += (bandEndTicks[b] - previousEnd + (long) r - 1) / r + 1;
            previousEnd = bandEndTicks[b];
        }
        this.stepCapacity = (int) capacity;
    }

    /**
     * One step per tick for {@code horizonTicks} ticks: the layout of every tick-level forecaster.
     *
     * @throws IllegalArgumentException when {@code horizonTicks < 1}.
     */
    public static StepSchedule ticks(final int horizonTicks) {
        if (horizonTicks < 1) {
            throw new IllegalArgumentException("a step schedule needs at least one tick step [tickSteps="
                + horizonTicks + "]");
        }
        return new StepSchedule(horizonTicks, new int[0], new int[0]);
    }

    /**
     * This schedule followed by a band of row steps of {@code ticksPerRow} ticks each, up to {@code untilTicks}
     * ticks ahead.
     *
     * @throws IllegalArgumentException when the rows are not longer than the previous band's steps, or the band
     *                                  does not extend the horizon.
     */
    public StepSchedule thenRows(final int ticksPerRow, final int untilTicks) {
        final int previousStep = bandTicksPerStep.length == 0 ? 1 : bandTicksPerStep[bandTicksPerStep.length - 1];
        if (ticksPerRow <= previousStep || untilTicks <= horizonTicks()) {
            throw new IllegalArgumentException("a band of rows must have longer steps than the band before and "
                + "extend the horizon [ticksPerRow=" + ticksPerRow + ", previousStepTicks=" + previousStep
                + ", untilTicks=" + untilTicks + ", horizonTicks=" + horizonTicks() + "]");
        }
        final int[] perRow = Arrays.copyOf(bandTicksPerStep, bandTicksPerStep.length + 1);
        final int[] ends = Arrays.copyOf(bandEndTicks, bandEndTicks.length + 1);
        perRow[perRow.length - 1] = ticksPerRow;
        ends[ends.length - 1] = untilTicks;
        return new StepSchedule(tickSteps, perRow, ends);
    }

    /** The number of one-tick steps at the start. */
    public int tickSteps() {
        return tickSteps;
    }

    /** The ticks the schedule covers: the last tick ahead its last step holds. */
    public int horizonTicks() {
        return bandEndTicks.length == 0 ? tickSteps : bandEndTicks[bandEndTicks.length - 1];
    }

    /** Whether any step stands for more than one tick (then the steps move with the tick: {@link #layOut}). */
    public boolean hasRows() {
        return bandEndTicks.length > 0;
    }

    /** The most steps the schedule can lay out, at any alignment: the table's columns. */
    public int stepCapacity() {
        return stepCapacity;
    }

    /**
     * Lays the steps out for {@code tickCount} completed ticks: step {@code k} holds the ticks {@code first[k] + 1 ..
     * first[k] + span[k]} ahead. Allocation-free.
     *
     * @param tickCount completed ticks of the history (rows end at its multiples of their ticks).
     * @param first     output, at least {@link #stepCapacity()} long: the ticks ahead before the step's first tick.
     * @param span      output, as long: the step's ticks.
     * @return the number of steps laid out.
     */
    int layOut(final long tickCount, final int[] first, final int[] span) {
        for (int k = 0; k < tickSteps; k++) {
            first[k] = k;
            span[k] = 1;
        }
        int steps = tickSteps;
        int covered = tickSteps;
        for (int b = 0; b < bandEndTicks.length; b++) {
            final long r = bandTicksPerStep[b];
            final int end = bandEndTicks[b];
            while (covered < end) {
                // The tick index of the next tick is tickCount + covered; its row ends at the next multiple of r.
                final long rowEnd = ((tickCount + covered) / r + 1) * r;
                final int stepEnd = (int) Math.min(end, rowEnd - tickCount);
                first[steps] = covered;
                span[steps] = stepEnd - covered;
                steps++;
                covered = stepEnd;
            }
        }
        return steps;
    }

    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder().append(tickSteps).append(" ticks");
        for (int b = 0; b < bandEndTicks.length; b++) {
            text.append(", rows of ").append(bandTicksPerStep[b]).append(" ticks to ").append(bandEndTicks[b]);
        }
        return text.toString();
    }
}
