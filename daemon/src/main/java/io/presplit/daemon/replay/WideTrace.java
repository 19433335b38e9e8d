package io.presplit.daemon.replay;

import java.util.List;

/**
 * A keyed load trace on an evenly spaced tick grid (read by {@link TraceReader}).
 *
 * @param keys    the series keys.
 * @param startNs the first tick's time, ns since the epoch.
 * @param tickNs  the spacing of ticks.
 * @param loads   {@code loads[tick][key]}: the key's load in the tick, 0 where the key does not exist.
 */
public record WideTrace(List<String> keys, long startNs, long tickNs, double[][] loads) {

    /** Checks the shape. */
    public WideTrace {
        if (keys.isEmpty() || tickNs <= 0 || loads.length < 2) {
            throw new IllegalArgumentException("a trace needs keys, a positive tick and two ticks [keys="
                + keys.size() + ", tickNs=" + tickNs + ", ticks=" + loads.length + "]");
        }
        keys = List.copyOf(keys);
    }

    /** Number of ticks. */
    public int tickCount() {
        return loads.length;
    }

    /** Total load of each tick, over all keys. */
    public double[] totals() {
        final double[] totals = new double[loads.length];
        for (int t = 0; t < loads.length; t++) {
            double sum = 0;
            for (final double load : loads[t]) {
                sum += load;
            }
            totals[t] = sum;
        }
        return totals;
    }

    /** Mean of {@link #totals()}. */
    public double meanTotal() {
        double sum = 0;
        for (final double total : totals()) {
            sum += total;
        }
        return sum / loads.length;
    }
}
