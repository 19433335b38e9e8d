package io.presplit.forecast;

/**
 * Predicted load per partition slot and horizon step: the forecaster's output and the adjustment engine's input.
 * <p>
 * Layout: one row of {@code maxHorizon} doubles per slot ({@code row = slot * maxHorizon}); step {@code h}
 * (0-based) is the load predicted for the tick {@code h + 1} ticks after the latest completed one.
 * <p>
 * Threading: written by the forecast step and read by the adjustment step on the same control thread.
 * Allocation-free after construction.
 */
public final class ForecastTable {
    private final int slotCapacity;
    private final int maxHorizon;
    private final double[] mean;
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
        this.mean = new double[slotCapacity * maxHorizon];
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
    }

    /** Number of slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** Predicted load of {@code slot} at step {@code step} (0-based). */
    public double mean(final int slot, final int step) {
        return mean[slot * maxHorizon + step];
    }

    /** Sets the predicted load of {@code slot} at step {@code step}. */
    public void mean(final int slot, final int step, final double value) {
        mean[slot * maxHorizon + step] = value;
    }

    /** The largest predicted load of {@code slot} over the horizon in use. */
    public double peak(final int slot) {
        final int base = slot * maxHorizon;
        double peak = Double.NEGATIVE_INFINITY;
        for (int h = 0; h < horizon; h++) {
            peak = Math.max(peak, mean[base + h]);
        }
        return peak;
    }

    /** The largest predicted load of two slots together over the horizon in use: the load if they were merged. */
    public double mergedPeak(final int leftSlot, final int rightSlot) {
        final int left = leftSlot * maxHorizon;
        final int right = rightSlot * maxHorizon;
        double peak = Double.NEGATIVE_INFINITY;
        for (int h = 0; h < horizon; h++) {
            peak = Math.max(peak, mean[left + h] + mean[right + h]);
        }
        return peak;
    }
}
