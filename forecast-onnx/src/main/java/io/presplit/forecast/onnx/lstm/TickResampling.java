package io.presplit.forecast.onnx.lstm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts load series recorded at different ticks on the tick lengths a model is to serve, by averaging runs of
 * consecutive values: a 5-minute series becomes a 15-minute series (means of 3) and an hourly one (means of 12).
 * <p>
 * Why: a model trained at one tick learns that tick's dynamics (how long a burst lasts in ticks, how many ticks a
 * daily ramp takes). Training one model on the same load at several ticks lets it serve all of them, with no notion
 * of the tick other than what the window's shape shows. A mean is what the store's profiler records for a longer
 * tick (the load of a tick is the points written in it, proportional to the mean rate).
 * <p>
 * A tick is only made from a shorter tick that divides it; a bin holding a non-finite value is NaN (the trainer skips
 * the windows that cover it); a trailing partial bin is dropped. Stateless. Cold path.
 */
public final class TickResampling {
    private TickResampling() {
    }

    /**
     * Means of the runs of {@code factor} consecutive values of {@code values}: {@code out[i]} is the mean of
     * {@code values[i * factor .. (i + 1) * factor)}, NaN if any of them is not finite.
     *
     * @throws IllegalArgumentException if {@code factor < 1}.
     */
    public static double[] downsample(final double[] values, final int factor) {
        if (factor < 1) {
            throw new IllegalArgumentException("downsampling factor must be positive [factor=" + factor + "]");
        }
        final double[] out = new double[values.length / factor];
        for (int i = 0; i < out.length; i++) {
            double sum = 0;
            for (int k = 0; k < factor; k++) {
                sum += values[i * factor + k];
            }
            // a non-finite value makes the sum non-finite: NaN, so that every window over this bin is skipped
            out[i] = Double.isFinite(sum) ? sum / factor : Double.NaN;
        }
        return out;
    }

    /**
     * Every series at every tick of {@code targetTickSeconds} that is a whole multiple of its own tick (its own tick
     * included), keeping the results at least {@code minLength} long, grouped by tick (ascending).
     *
     * @param series            the series, oldest value first.
     * @param seriesTickSeconds the tick of each series, in seconds.
     * @param targetTickSeconds the ticks to produce; empty: each series at its own tick only.
     * @param minLength         shortest result kept (a model needs window + horizon values).
     * @throws IllegalArgumentException if the lists differ in length or a tick is not positive.
     */
    public static Map<Long, List<double[]>> atTicks(final List<double[]> series, final long[] seriesTickSeconds,
        final long[] targetTickSeconds, final int minLength) {
        if (series.size() != seriesTickSeconds.length) {
            throw new IllegalArgumentException("one tick per series [series=" + series.size() + ", ticks="
                + seriesTickSeconds.length + "]");
        }
        for (final long target : targetTickSeconds) {
            if (target <= 0) {
                throw new IllegalArgumentException("ticks must be positive [tickSeconds=" + target + "]");
            }
        }
        final Map<Long, List<double[]>> out = new TreeMap<>();
        for (int s = 0; s < series.size(); s++) {
            final long own = seriesTickSeconds[s];
            if (own <= 0) {
                throw new IllegalArgumentException("ticks must be positive [series=" + s + ", tickSeconds=" + own
                    + "]");
            }
            final long[] targets = targetTickSeconds.length == 0 ? new long[] {own} : targetTickSeconds;
            for (final long target : targets) {
                if (target % own != 0) {
                    continue;
                }
                final double[] resampled = target == own ? series.get(s)
                    : downsample(series.get(s), Math.toIntExact(target / own));
                if (resampled.length >= minLength) {
                    out.computeIfAbsent(target, t -> new ArrayList<>()).add(resampled);
                }
            }
        }
        return out;
    }
}
