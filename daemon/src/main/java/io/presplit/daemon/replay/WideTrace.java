package io.presplit.daemon.replay;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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

    /** One line for the reader: keys, ticks and the tick ({@code 3600 s}, {@code 0.1 s}). */
    public String describe() {
        final String tick = BigDecimal.valueOf(tickNs, 9).stripTrailingZeros().toPlainString();
        return String.format(Locale.ROOT, "%d keys, %d ticks of %s s", keys.size(), loads.length, tick);
    }

    /**
     * The longest run of ticks that repeat the tick before them exactly, in every key, while load flows: what a gap
     * in the samples becomes once the last values are carried over it (or a trace that is flat there). A replay
     * reports a long one, since a stray timestamp far after the rest makes most of the replay such a run.
     *
     * @return {@code {first tick, ticks}}; {@code {0, 0}} when no tick repeats.
     */
    public int[] longestRepeatedRun() {
        int bestStart = 0;
        int bestLength = 0;
        int length = 0;
        for (int t = 1; t < loads.length; t++) {
            length = Arrays.equals(loads[t], loads[t - 1]) && Arrays.stream(loads[t]).sum() > 0 ? length + 1 : 0;
            if (length > bestLength) {
                bestLength = length;
                bestStart = t - length + 1;
            }
        }
        return new int[] {bestStart, bestLength};
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
