package io.presplit.forecast;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Predicted load per partition slot and horizon step, with prediction-interval quantiles: the forecaster's output
 * and the adjustment engine's input.
 * <p>
 * Layout: off-heap, one row per slot as documented in {@link ForecastTableDescriptor} (columns mean, p50, p90 of
 * {@code maxHorizon} float64 each). Step {@code h} (0-based) is the load predicted for the tick {@code h + 1} ticks
 * after the latest completed one.
 * <p>
 * Writing a mean with {@link #mean(int, int, double)} also sets that step's quantiles to the mean (a point
 * forecast is a degenerate interval), so forecasters that know nothing of intervals keep the table consistent; an
 * {@link IntervalCalibrator} or an interval-aware model then overwrites them with {@link #quantiles}.
 * <p>
 * Beside the rows, a dense column holds each slot's largest p90 over the steps of the horizon in use written
 * since its last step-0 write ({@link #peakUpper(int)}), kept exact by every write: the adjustment loop reads 8
 * bytes per partition instead of a row, which at a million partitions is the difference between scanning 8 MB
 * and 190 MB a tick. The contract that makes it exact: each tick, a slot's forecast is written from step 0
 * upwards (a write of step 0 starts a new peak), which is what every forecaster does.
 * <p>
 * Threading: written by the forecast step and read by the adjustment step on the same control thread.
 * Allocation-free after construction. The memory belongs to an automatic arena: it is freed when the table becomes
 * unreachable.
 */
public final class ForecastTable {
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;

    private final int slotCapacity;
    private final int maxHorizon;
    private final long rowLength;
    private final long p50Offset;
    private final long p90Offset;
    private final MemorySegment rows;
    /** Per slot, the largest p90 written since the slot's last step-0 write; float64, control thread only. */
    private final MemorySegment peaks;
    private int horizon;

    /**
     * @param slotCapacity number of partition slots.
     * @param maxHorizon   longest horizon, in ticks.
     */
    public ForecastTable(final int slotCapacity, final int maxHorizon) {
        if (slotCapacity < 1 || maxHorizon < 1) {
            throw new IllegalArgumentException(
                "invalid forecast table shape [slotCapacity=" + slotCapacity + ", maxHorizon=" + maxHorizon + "]");
        }
        this.slotCapacity = slotCapacity;
        this.maxHorizon = maxHorizon;
        this.rowLength = ForecastTableDescriptor.rowLength(maxHorizon);
        this.p50Offset = ForecastTableDescriptor.columnOffset(maxHorizon, ForecastTableDescriptor.P50_COLUMN);
        this.p90Offset = ForecastTableDescriptor.columnOffset(maxHorizon, ForecastTableDescriptor.P90_COLUMN);
        final Arena arena = Arena.ofAuto();
        this.rows = arena.allocate(rowLength * slotCapacity, ForecastTableDescriptor.ROW_ALIGNMENT);
        this.peaks = arena.allocate((long) Double.BYTES * slotCapacity, ForecastTableDescriptor.ROW_ALIGNMENT);
        this.horizon = maxHorizon;
    }

    /** The horizon in use, in ticks. */
    public int horizon() {
        return horizon;
    }

    /** Changes the horizon in use; it may change between ticks while the engine runs. */
    public void horizon(final int horizon) {
        if (horizon < 1 || horizon > maxHorizon) {
            throw new IllegalArgumentException(
                "horizon outside the table [horizon=" + horizon + ", maxHorizon=" + maxHorizon + "]");
        }
        this.horizon = horizon;
        // Cold path (an operator's change): the peaks of every slot are recomputed over the new horizon.
        for (int slot = 0; slot < slotCapacity; slot++) {
            peaks.set(DOUBLE, (long) slot * Double.BYTES, columnMax(slot, p90Offset, horizon));
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

    /** The table's memory, laid out as {@link ForecastTableDescriptor} says (for tools and tests). */
    public MemorySegment segment() {
        return rows;
    }

    /** Predicted load of {@code slot} at step {@code step} (0-based). */
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

    /** The median predicted load of {@code slot} at step {@code step}. */
    public double p50(final int slot, final int step) {
        return rows.get(DOUBLE, offset(slot, step) + p50Offset);
    }

    /** The 90% quantile of the predicted load of {@code slot} at step {@code step}. */
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
        if (step >= horizon) {
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
            // steps of this pass. Rare, and bounded by the horizon.
            peaks.set(DOUBLE, at, columnMax(slot, p90Offset, step + 1));
        }
    }

    /** The largest predicted load of {@code slot} over the horizon in use. */
    public double peak(final int slot) {
        return columnMax(slot, 0, horizon);
    }

    /**
     * The largest 90% quantile of {@code slot} over the horizon in use: a load the partition stays under at each
     * step with probability 0.9, for decisions that must not be caught out by an ordinary bad tick.
     */
    public double peakUpper(final int slot) {
        return peaks.get(DOUBLE, (long) slot * Double.BYTES);
    }

    /** The largest 90% quantile of {@code slot} over the first {@code steps} steps (at most the horizon in use). */
    public double peakUpper(final int slot, final int steps) {
        return steps >= horizon ? peakUpper(slot) : columnMax(slot, p90Offset, steps);
    }

    /** The largest predicted load of two slots together over the horizon in use: the load if they were merged. */
    public double mergedPeak(final int leftSlot, final int rightSlot) {
        return mergedMax(leftSlot, rightSlot, 0);
    }

    /**
     * The largest sum of the two slots' 90% quantiles over the horizon in use: an upper bound for the merged
     * partition's 90% quantile (quantiles are sub-additive only under independence; the sum is the safe side).
     */
    public double mergedPeakUpper(final int leftSlot, final int rightSlot) {
        return mergedMax(leftSlot, rightSlot, p90Offset);
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
        for (int h = 0; h < horizon; h++) {
            final long step = (long) h * Double.BYTES;
            peak = Math.max(peak, rows.get(DOUBLE, left + step) + rows.get(DOUBLE, right + step));
        }
        return peak;
    }

    private long offset(final int slot, final int step) {
        return slot * rowLength + (long) step * Double.BYTES;
    }
}
