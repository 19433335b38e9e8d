package io.presplit.forecast.onnx;

import io.presplit.PresplitException;
import io.presplit.forecast.SeriesModel;

import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * A served LSTM as an offline {@link SeriesModel}: for {@code presplit forecast --model lstm --model-file F} and
 * the M4 evaluation. Each call forecasts one series from its last {@code W} values with one ONNX Runtime call
 * (batch 1), normalized and de-normalized as {@link LstmForecaster} does; steps beyond the model's horizon repeat
 * its last step. The season is ignored (the model learned its own).
 * <p>
 * Declines ({@code false}, so that {@link io.presplit.forecast.GuardedModel} falls back to seasonal naive) when the
 * series is shorter than the window. Inference failures surface as {@link PresplitException}. One thread; reuses
 * the forecaster's buffers.
 */
public final class LstmSeriesModel implements SeriesModel, AutoCloseable {
    private final LstmForecaster lstm;
    private final double[] window;

    /** Serves {@code lstm}; closing this model closes it. */
    public LstmSeriesModel(final LstmForecaster lstm) {
        this.lstm = lstm;
        this.window = new double[lstm.windowTicks()];
    }

    /**
     * Opens a model file: a {@link io.presplit.forecast.onnx.model.ModelFile} ({@code .psmodel}, checked) or a
     * bare {@code .onnx} file with the {@link LstmForecaster} contract (for instance a PyTorch export).
     *
     * @throws PresplitException as {@link LstmForecaster#openModelFile} or {@link LstmForecaster#open}.
     */
    public static LstmSeriesModel open(final Path file) {
        final boolean isBareOnnx = file.getFileName().toString().endsWith(".onnx");
        return new LstmSeriesModel(isBareOnnx ? LstmForecaster.open(file) : LstmForecaster.openModelFile(file));
    }

    @Override
    public String name() {
        return "lstm";
    }

    /** The served forecaster. */
    public LstmForecaster forecaster() {
        return lstm;
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon,
        final double[] out) {
        final int w = lstm.windowTicks();
        if (n < w) {
            return false;
        }
        System.arraycopy(y, n - w, window, 0, w);
        final double mean = LstmForecaster.windowMean(window, w);
        final double scale = LstmForecaster.windowScale(window, w, mean);
        final FloatBuffer in = lstm.inputBuffer(1);
        LstmForecaster.normalize(window, w, mean, scale, in, 0);
        lstm.runBatch(1);
        final int steps = Math.min(horizon, lstm.modelHorizon());
        double value = 0;
        for (int h = 0; h < steps; h++) {
            // not clipped at zero here: GuardedModel clips series that are never negative
            value = lstm.output(0, h) * scale + mean;
            out[h] = value;
        }
        for (int h = steps; h < horizon; h++) {
            out[h] = value;
        }
        return true;
    }

    @Override
    public void close() {
        lstm.close();
    }
}
