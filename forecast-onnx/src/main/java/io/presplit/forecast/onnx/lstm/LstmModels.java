package io.presplit.forecast.onnx.lstm;

import io.presplit.forecast.onnx.LstmForecaster;
import io.presplit.forecast.onnx.model.ModelFile;
import io.presplit.forecast.onnx.model.ModelMetadata;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Saves a trained {@link LstmNetwork} as a {@link ModelFile} of kind {@value LstmForecaster#KIND}, which
 * {@link LstmForecaster#openModelFile} and {@code LstmSeriesModel} serve. Cold path.
 * <p>
 * Metadata: window and horizon from the network; normalization {@link LstmOnnxExport#NORMALIZATION}; properties
 * {@code hidden}, {@code quantiles}, {@code skip}, {@code input}, {@code outputs}, plus the caller's (training
 * options, timings).
 */
public final class LstmModels {
    private LstmModels() {
    }

    /**
     * Writes {@code network} to {@code file} (atomically, see {@link ModelFile#write}).
     *
     * @param trainedOn what it was trained on, e.g. {@code M4 Hourly train, 414 series, last 48 held out}.
     * @param trainedAt when training finished.
     * @param extra     further properties (may be empty).
     */
    public static void save(
        final Path file, final LstmNetwork network, final String description, final String trainedOn,
        final Instant trainedAt, final Map<String, String> extra) {
        ModelFile.write(file, metadata(network, description, trainedOn, trainedAt, extra),
            LstmOnnxExport.toBytes(network, "presplit"));
    }

    /** The metadata {@link #save} writes. */
    public static ModelMetadata metadata(
        final LstmNetwork network, final String description, final String trainedOn, final Instant trainedAt,
        final Map<String, String> extra) {
        final LstmConfig config = network.config();
        final Map<String, String> properties = new TreeMap<>(extra);
        properties.put("hidden", Integer.toString(config.hidden()));
        final StringBuilder quantiles = new StringBuilder();
        final StringBuilder outputs = new StringBuilder();
        for (int q = 0; q < config.quantileCount(); q++) {
            if (q > 0) {
                quantiles.append(',');
                outputs.append(',');
            }
            quantiles.append(String.format(Locale.ROOT, "%.3f", config.quantile(q)));
            outputs.append(config.outputName(q));
        }
        properties.put("quantiles", quantiles.toString());
        properties.put("outputs", outputs.toString());
        properties.put("input", LstmOnnxExport.INPUT_NAME);
        properties.put("skip", Boolean.toString(config.hasSkip()));
        properties.put("opset", Integer.toString(LstmOnnxExport.OPSET));
        return new ModelMetadata(LstmForecaster.KIND, 1, description, trainedOn, trainedAt, config.window(),
            config.horizon(), LstmOnnxExport.NORMALIZATION, properties);
    }
}
