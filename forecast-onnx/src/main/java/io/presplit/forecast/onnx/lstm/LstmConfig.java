package io.presplit.forecast.onnx.lstm;

import java.util.Arrays;

/**
 * The shape of an {@link LstmNetwork}: window {@code W} (time steps read), features {@code F} per step, hidden size,
 * horizon {@code H} (steps predicted), the quantile levels of its heads, and whether the heads also see the raw
 * window (the linear skip). Immutable.
 * <p>
 * Quantile 0 is the point forecast, served as ONNX output {@code output}; further levels become outputs named
 * {@code output_p<100 q>} (for instance {@code output_p90}). Levels lie in (0, 1) and increase.
 */
public final class LstmConfig {
    private final int window;
    private final int features;
    private final int hidden;
    private final int horizon;
    private final double[] quantiles;
    private final boolean hasSkip;

    /**
     * @param window    time steps per input window, at least 1.
     * @param features  values per time step, at least 1.
     * @param hidden    LSTM hidden size, at least 1.
     * @param horizon   steps predicted, at least 1.
     * @param quantiles quantile levels of the heads, at least one, increasing, each in (0, 1).
     * @param hasSkip   whether the heads also read the window itself (LSTNet's autoregressive highway).
     */
    public LstmConfig(
        final int window, final int features, final int hidden, final int horizon, final double[] quantiles,
        final boolean hasSkip) {
        boolean isValid = window >= 1 && features >= 1 && hidden >= 1 && horizon >= 1 && quantiles != null
            && quantiles.length >= 1;
        for (int q = 0; isValid && q < quantiles.length; q++) {
            isValid = quantiles[q] > 0 && quantiles[q] < 1 && (q == 0 || quantiles[q] > quantiles[q - 1]);
        }
        if (!isValid) {
            throw new IllegalArgumentException("invalid LSTM shape [window=" + window + ", features=" + features
                + ", hidden=" + hidden + ", horizon=" + horizon + ", quantiles=" + Arrays.toString(quantiles) + "]");
        }
        this.window = window;
        this.features = features;
        this.hidden = hidden;
        this.horizon = horizon;
        this.quantiles = quantiles.clone();
        this.hasSkip = hasSkip;
    }

    /** Time steps per input window ({@code W}). */
    public int window() {
        return window;
    }

    /** Values per time step ({@code F}). */
    public int features() {
        return features;
    }

    /** LSTM hidden size. */
    public int hidden() {
        return hidden;
    }

    /** Steps predicted ({@code H}). */
    public int horizon() {
        return horizon;
    }

    /** Number of quantile heads. */
    public int quantileCount() {
        return quantiles.length;
    }

    /** Quantile level of head {@code index}. */
    public double quantile(final int index) {
        return quantiles[index];
    }

    /** Whether the heads also read the raw window. */
    public boolean hasSkip() {
        return hasSkip;
    }

    /** Name of head {@code index}'s ONNX output: {@code output}, then {@code output_p90} and so on. */
    public String outputName(final int index) {
        return index == 0 ? "output" : "output_p" + Math.round(quantiles[index] * 100);
    }

    /** Inputs of each head: the hidden state, plus the window when {@link #hasSkip()}. */
    public int headInputs() {
        return hasSkip ? hidden + window * features : hidden;
    }

    /** Number of parameters. */
    public int parameterCount() {
        final int gates = 4 * hidden;
        final int outputs = quantiles.length * horizon;
        return gates * features + gates * hidden + 2 * gates + outputs * headInputs() + outputs;
    }

    @Override
    public String toString() {
        return "LstmConfig[window=" + window + ", features=" + features + ", hidden=" + hidden + ", horizon="
            + horizon + ", quantiles=" + Arrays.toString(quantiles) + ", skip=" + hasSkip + "]";
    }
}
