package io.presplit.forecast;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Predicted load per partition slot and horizon step, with prediction-interval quantiles: the forecaster's output
 * and the adjustment engine's input.
 * <p>
 * Layout: off-heap, one row per slot as documented in {@link ForecastTableDescriptor} (columns mean, p50, p90 of
 * {@link #stepCapacity()} float64 each). Which ticks a step holds is the table's {@link StepSchedule}: in a table of
 * tick steps ({@link #ForecastTable(int, int)}) step {@code k} is the tick {@code k + 1} ticks after the latest
 * completed one; in a table whose long steps are roll-up rows, step {@code k} holds ticks {@link #firstTick(int)} to
 * {@code firstTick(k) + spanTicks(k) - 1} ahead, where the steps fall depending on the tick count the writer
 * {@link #align aligned} the table to. A row step's {@code p90} bounds the largest tick inside it, so "the largest p90
 * over the steps" is a bound for the peak over their ticks whatever the steps' spans.
 * <p>
 * <b>Horizon in ticks, steps covering it.</b> {@link #horizon()} is in ticks; {@link #steps()} is the number of steps
 * that cover it. A horizon (or a look-ahead, {@link #peakUpper(int, int)}) that ends inside a step reads that whole
 * step: its bound holds for every tick of the step, so the look-ahead's peak is bounded conservatively (by ticks up
 * to a row past its end, never fewer than it asks). With tick steps nothing changes.
 * <p>
 * Writing a mean with {@link #mean(int, int, double)} also sets that step's quantiles to the mean (a point
 * forecast is a degenerate interval), so forecasters that know nothing of intervals keep the table consistent; an
 * {@link IntervalCalibrator} or an interval-aware model then overwrites them with {@link #quantiles}.
 * <p>
 * Beside the rows, a dense column holds each slot's largest p90 over the steps of the horizon in use written
 * since its last step-0 write ({@link #peakUpper(int)}), kept exact by every write: the adjustment loop reads 8
 * bytes per partition instead of a row, which at a million partitions is the difference between scanning 8 MB
 * and 190 MB a tick. The contract that makes it exact: each tick, a slot's forecast is written from step 0
 * upwards (a write of step 0 starts a new peak), which is what every forecaster does, after the table was aligned.
 * <p>
 * Threading: written by the forecast step and read by the adjustment step on the same control thread.
 * Allocation-free after construction. The memory belongs to an automatic arena: it is freed when the table becomes
 * unreachable.
 */
public final class ForecastTable {
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;

    private final int slotCapacity;
    private final StepSchedule schedule;
    private final int maxHorizon;
    private final int stepCapacity;
    private final long rowLength;
    private final long p50Offset;
    private final long p90Offset;
    private final MemorySegment rows;
    /** Per slot, the largest p90 written since the slot's last step-0 write; float64, control thread only. */
    private final MemorySegment peaks;
    /** Per step at the current alignment: the ticks ahead before its first tick. Control thread. */
    private final int[] stepFirst;
    /** Per step at the current alignment: its ticks. Control thread. */
    private final int[] stepSpan;
    /** Steps laid out at the current alignment (they cover {@link #maxHorizon}). */
    private int stepCount;
    /** Steps covering {@link #horizon}. */
    private int stepsInUse;
    private long alignedTo;
    private int horizon;

    /**
     * A table of tick steps: step {@code k} is the tick {@code k + 1} ticks ahead.
     *
     * @param slotCapacity number of partition slots.
     * @param maxHorizon   longest horizon, in ticks.
     */
    public ForecastTable(final int slotCapacity, final int maxHorizon) {
        this(slotCapacity, checkedTicks(slotCapacity, maxHorizon), maxHorizon);
    }

    /**
     * A table whose steps follow {@code schedule}, aligned to tick count 0 until {@link #align} says otherwise.
     *
     * @param slotCapacity number of partition slots.
     * @param schedule     the ticks each step holds (for instance {@link Forecaster#schedule}).
     * @param maxHorizon   the longest horizon the table must serve, in ticks.
     * @throws IllegalArgumentException when the schedule does not cover {@code maxHorizon} ticks.
     */
    public ForecastTable(final int slotCapacity, final StepSchedule schedule, final int maxHorizon) {
        if (slotCapacity < 1 || maxHorizon < 1) {
            throw new IllegalArgumentException(
                "invalid forecast table shape [slotCapacity=" + slotCapacity + ", maxHorizon=" + maxHorizon + "]");
        }
        if (schedule.horizonTicks() < maxHorizon) {
            throw new IllegalArgumentException("step schedule does not cover the horizon [maxHorizon=" + maxHorizon
                + ", scheduleTicks=" + schedule.horizonTicks() + ", schedule=" + schedule + "]");
        }
        this.slotCapacity = slotCapacity;
        this.schedule = schedule;
        this.maxHorizon = maxHorizon;
        this.stepCapacity = schedule.stepCapacity();
        this.rowLength = ForecastTableDescriptor.rowLength(stepCapacity);
        this.p50Offset = ForecastTableDescriptor.columnOffset(stepCapacity, ForecastTableDescriptor.P50_COLUMN);
        this.p90Offset = ForecastTableDescriptor.columnOffset(stepCapacity, ForecastTableDescriptor.P90_COLUMN);
        final Arena arena = Arena.ofAuto();
        this.rows = arena.allocate(rowLength * slotCapacity, ForecastTableDescriptor.ROW_ALIGNMENT);
        this.peaks = arena.allocate((long) Double.BYTES * slotCapacity, ForecastTableDescriptor.ROW_ALIGNMENT);
        this.stepFirst = new int[stepCapacity];
        this.stepSpan = new int[stepCapacity];
        this.stepCount = schedule.layOut(0, stepFirst, stepSpan);
        this.horizon = maxHorizon;
        this.stepsInUse = stepsCovering(maxHorizon);
    }

    private static StepSchedule checkedTicks(final int slotCapacity, final int maxHorizon) {
        if (slotCapacity < 1 || maxHorizon < 1) {
            throw new IllegalArgumentException(
                "invalid forecast table shape [slotCapacity=" + slotCapacity + ", maxHorizon=" + maxHorizon + "]");
        }
        return StepSchedule.ticks(maxHorizon);
    }

    /** The horizon in use, in ticks. */
    public int horizon() {
        return horizon;
    }

    /** Changes the horizon in use, in ticks; it may change between ticks while the engine runs. */
    public void horizon(final int horizon) {
        if (horizon < 1 || horizon > maxHorizon) {
            throw new IllegalArgumentException(
                "horizon outside the table [horizon=" + horizon + ", maxHorizon=" + maxHorizon + "]");
        }
        this.horizon = horizon;
        this.stepsInUse = stepsCovering(horizon);
        // Cold path (an operator's change): the peaks of every slot are recomputed over the new horizon.
        for (int slot = 0; slot < slotCapacity; slot++) {
            peaks.set(DOUBLE, (long) slot * Double.BYTES, columnMax(slot, p90Offset, stepsInUse));
        }
    }

    /** The longest horizon the table holds, in ticks. */
    public int maxHorizon() {
        return maxHorizon;
    }

    /** Number of slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** The ticks each step holds. */
    public StepSchedule schedule() {
        return schedule;
    }

    /** Whether every step is one tick (step {@code k} the tick {@code k + 1} ahead), as tick-level models write. */
    public boolean isTickSteps() {
        return !schedule.hasRows();
    }

    /**
     * Refuses a table whose steps are not all ticks, for a forecaster that writes one step per tick. Cheap enough
     * for once per tick; allocates only to throw.
     *
     * @throws IllegalArgumentException naming the forecaster and the schedule.
     */
    public void requireTickSteps(final String forecaster) {
        if (schedule.hasRows()) {
            throw new IllegalArgumentException("forecaster writes one step per tick but the table has row steps "
                + "[forecaster=" + forecaster + ", schedule=" + schedule + "]");
        }
    }

    /**
     * Lays the steps out for {@code tickCount} completed ticks of the history ({@link StepSchedule}, "Alignment"):
     * the writer calls it before writing a tick's forecast. A no-op for tick steps; otherwise O(steps), allocation
     * free. Control thread.
     */
    public void align(final long tickCount) {
        if (!schedule.hasRows() || tickCount == alignedTo) {
            return;
        }
        alignedTo = tickCount;
        stepCount = schedule.layOut(tickCount, stepFirst, stepSpan);
        stepsInUse = stepsCovering(horizon);
    }

    /** The tick count the steps are laid out for (0 until the first {@link #align}). */
    public long alignedTo() {
        return alignedTo;
    }

    /** Steps laid out at the current alignment covering the longest horizon. */
    public int stepCount() {
        return stepCount;
    }

    /** Steps covering the horizon in use (the last one may hold ticks past it). */
    public int steps() {
        return stepsInUse;
    }

    /** The most steps the table holds: its columns ({@link ForecastTableDescriptor}). */
    public int stepCapacity() {
        return stepCapacity;
    }

    /** The ticks ahead (1-based) of step {@code step}'s first tick at the current alignment. */
    public int firstTick(final int step) {
        return stepFirst[step] + 1;
    }

    /** The ticks step {@code step} holds at the current alignment. */
    public int spanTicks(final int step) {
        return stepSpan[step];
    }

    /** The step holding the tick {@code ticksAhead} ticks ahead (1-based), at the current alignment. */
    public int stepAt(final int ticksAhead) {
        return stepsCovering(ticksAhead) - 1;
    }

    /** The table's memory, laid out as {@link ForecastTableDescriptor} says (for tools and tests). */
    public MemorySegment segment() {
        return rows;
    }

    /** Predicted load per tick of {@code slot} at step {@code step} (0-based). */
    public double mean(final int slot, final int step) {
        return rows.get(DOUBLE, offset(slot, step));
    }

    /** Sets the predicted load of {@code slot} at step {@code step}, and both quantiles of that step to it. */
    public void mean(final int slot, final int step, final double value) {
        final long at = offset(slot, step);
        final double old = rows.get(DOUBLE, at + p90Offset);
        rows.set(DOUBLE, at, value);
        rows.set(DOUBLE, at + p50Offset, value);
        rows.set(DOUBLE, at + p90Offset, value);
        notePeak(slot, step, old, value);
    }

    /** The median predicted load per tick of {@code slot} at step {@code step}. */
    public double p50(final int slot, final int step) {
        return rows.get(DOUBLE, offset(slot, step) + p50Offset);
    }

    /**
     * The 90% quantile of the predicted load of {@code slot} at step {@code step}; for a step of several ticks, a
     * bound for its largest tick.
     */
    public double p90(final int slot, final int step) {
        return rows.get(DOUBLE, offset(slot, step) + p90Offset);
    }

    /** Sets the median and the 90% quantile of {@code slot} at step {@code step}; the mean is left as it is. */
    public void quantiles(final int slot, final int step, final double p50, final double p90) {
        final long at = offset(slot, step);
        final double old = rows.get(DOUBLE, at + p90Offset);
        rows.set(DOUBLE, at + p50Offset, p50);
        rows.set(DOUBLE, at + p90Offset, p90);
        notePeak(slot, step, old, p90);
    }

    /** Keeps the dense peak exact after step {@code step}'s p90 went from {@code old} to {@code p90}. */
    private void notePeak(final int slot, final int step, final double old, final double p90) {
        if (step >= stepsInUse) {
            return;
        }
        final long at = (long) slot * Double.BYTES;
        final double peak = peaks.get(DOUBLE, at);
        if (step == 0 || p90 >= peak || Double.isNaN(p90)) {
            // A new pass starts at step 0; otherwise a value at or above the peak is the peak. NaN propagates, so
            // that a broken forecast shows in the peak rather than hiding behind a finite step.
            peaks.set(DOUBLE, at, step == 0 ? p90 : Math.max(peak, p90));
        } else if (old == peak || Double.isNaN(peak)) {
            // The step that held the peak went down (a calibrator lowering a point forecast's p90): rescan the
            // steps of this pass. Rare, and bounded by the steps.
            peaks.set(DOUBLE, at, columnMax(slot, p90Offset, step + 1));
        }
    }

    /** The largest predicted load per tick of {@code slot} over the steps of the horizon in use. */
    public double peak(final int slot) {
        return columnMax(slot, 0, stepsInUse);
    }

    /**
     * The largest 90% quantile of {@code slot} over the horizon in use: a load the partition stays under at each
     * tick with probability 0.9 (for row steps: under each row's bound), for decisions that must not be caught out
     * by an ordinary bad tick.
     */
    public double peakUpper(final int slot) {
        return peaks.get(DOUBLE, (long) slot * Double.BYTES);
    }

    /**
     * The largest 90% quantile of {@code slot} over the steps covering the first {@code ticks} ticks ahead (at most
     * the horizon in use); a look-ahead ending inside a step reads the whole step's bound (class comment).
     */
    public double peakUpper(final int slot, final int ticks) {
        return ticks >= horizon ? peakUpper(slot) : columnMax(slot, p90Offset, stepsCovering(ticks));
    }

    /** The largest predicted load of two slots together over the horizon in use: the load if they were merged. */
    public double mergedPeak(final int leftSlot, final int rightSlot) {
        return mergedMax(leftSlot, rightSlot, 0);
    }

    /**
     * The largest sum of the two slots' 90% quantiles over the steps of the horizon in use: an upper bound for the
     * merged partition's 90% quantile (quantiles are sub-additive only under independence; the sum is the safe
     * side), and in a row step a bound for the merged partition's largest tick (the sum of the two largest).
     */
    public double mergedPeakUpper(final int leftSlot, final int rightSlot) {
        return mergedMax(leftSlot, rightSlot, p90Offset);
    }

    /** The number of steps whose first tick is at most {@code ticks} ahead: those that cover ticks 1..ticks. */
    private int stepsCovering(final int ticks) {
        if (!schedule.hasRows()) {
            return Math.min(ticks, stepCount);
        }
        int low = 0;
        int high = stepCount;
        while (low < high) {
            final int middle = (low + high) >>> 1;
            if (stepFirst[middle] < ticks) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    private double columnMax(final int slot, final long columnOffset, final int steps) {
        final long base = offset(slot, 0) + columnOffset;
        double peak = Double.NEGATIVE_INFINITY;
        for (int h = 0; h < steps; h++) {
            peak = Math.max(peak, rows.get(DOUBLE, base + (long) h * Double.BYTES));
        }
        return peak;
    }

    private double mergedMax(final int leftSlot, final int rightSlot, final long columnOffset) {
        final long left = offset(leftSlot, 0) + columnOffset;
        final long right = offset(rightSlot, 0) + columnOffset;
        double peak = Double.NEGATIVE_INFINITY;
        for (int h = 0; h < stepsInUse; h++) {
            final long step = (long) h * Double.BYTES;
            peak = Math.max(peak, rows.get(DOUBLE, left + step) + rows.get(DOUBLE, right + step));
        }
        return peak;
    }

    private long offset(final int slot, final int step) {
        return slot * rowLength + (long) step * Double.BYTES;
    }
}
