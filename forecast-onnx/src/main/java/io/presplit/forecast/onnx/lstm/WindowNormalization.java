package io.presplit.forecast.onnx.lstm;

/**
 * The per-window normalization every LSTM here (and the PyTorch fixture) is trained and served with, for a window
 * {@code x[0..n)}:
 * <pre>
 *   mu = mean(x)                                  // summed left to right in double
 *   s  = max(sqrt(mean((x - mu)^2)), MIN_SCALE)   // population std, floored so a flat window gives zeros
 *   input[i] = (x[i] - mu) / s                    forecast[h] = y[h] * s + mu
 * </pre>
 * Stateless; allocation-free.
 */
public final class WindowNormalization {
    /** Floor of the scale {@code s}, so that a constant window normalizes to zeros, not NaN. */
    public static final double MIN_SCALE = 1e-6;

    private WindowNormalization() {
    }

    /** Arithmetic mean of {@code x[from..from+n)}, summed left to right in double. */
    public static double mean(final double[] x, final int from, final int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[from + i];
        }
        return sum / n;
    }

    /** Population standard deviation of {@code x[from..from+n)} about {@code mean}, floored at {@link #MIN_SCALE}. */
    public static double scale(final double[] x, final int from, final int n, final double mean) {
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            final double d = x[from + i] - mean;
            sumSquares += d * d;
        }
        return Math.max(Math.sqrt(sumSquares / n), MIN_SCALE);
    }
}
