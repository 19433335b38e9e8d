package io.presplit.forecast.onnx.prophet;

import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;
import io.presplit.forecast.onnx.model.ModelFile;
import io.presplit.forecast.onnx.model.ModelMetadata;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Saves and loads one Prophet model as a {@link ModelFile} of kind {@value #KIND}: the single-form
 * {@link ProphetGraph} (parameters baked in, so any ONNX runtime can serve it with only the times as input) plus
 * metadata (what it was fitted to and when, layout, tensor names).
 * <p>
 * Loading verifies the container (checksum, version, kind: {@link ModelFile}'s codes) and then that the ONNX bytes
 * hold a Prophet graph whose parameters can be read back; a file that passes the container checks but holds no
 * Prophet graph fails with {@link ModelFile#MODEL_FILE_MISMATCH}. Cold path.
 */
public final class ProphetModelFile {
    /** The model family in the metadata. */
    public static final String KIND = "prophet";
    /** The version of the single-form graph contract written here. */
    public static final int MODEL_VERSION = 1;

    private ProphetModelFile() {
    }

    /**
     * Writes {@code model} to {@code file} atomically.
     *
     * @param trainedOn    what the model was fitted to (a series name, a file), for people.
     * @param trainedAt    when the fit finished.
     * @param horizonTicks the horizon it is meant to serve (metadata only: the graph takes any number of steps).
     */
    public static void save(final Path file, final ProphetModel model, final String trainedOn,
        final Instant trainedAt, final int horizonTicks) {
        final ProphetGraph graph = ProphetGraph.of(model);
        final Map<String, String> properties = new TreeMap<>();
        properties.put("seasonalities", ProphetGraph.formatLayout(model.seasonalities()));
        properties.put("changepoints", Integer.toString(graph.changepointCount()));
        properties.put("input", ProphetGraph.TIME + " double [1, horizon], epoch seconds UTC");
        properties.put("outputs", String.join(",", ProphetGraph.OUTPUTS));
        properties.put("historyStartEpochSeconds", Double.toString(model.start()));
        properties.put("historySpanSeconds", Double.toString(model.tScale()));
        final ModelMetadata metadata = new ModelMetadata(KIND, MODEL_VERSION,
            "Prophet point forecast: piecewise-linear trend + Fourier seasonalities, parameters in the graph",
            trainedOn, trainedAt, 0, horizonTicks,
            "none: the graph takes epoch seconds and returns y units (y_scale applied inside)", properties);
        ModelFile.write(file, metadata, graph.single(model));
    }

    /**
     * Reads the model in {@code file}.
     *
     * @throws PresplitException {@link ModelFile#MODEL_FILE_MISSING}, {@link ModelFile#MODEL_FILE_CORRUPT},
     *                           {@link ModelFile#MODEL_FILE_UNSUPPORTED}, {@link ModelFile#MODEL_FILE_MISMATCH}
     *                           (another kind, or no readable Prophet graph inside).
     */
    public static ProphetModel load(final Path file) {
        final ModelFile modelFile = ModelFile.read(file, KIND);
        try {
            return ProphetGraph.readModel(file.toAbsolutePath().toString(), modelFile.onnx());
        } catch (final PresplitException ex) {
            throw new PresplitException(Category.ERROR, ModelFile.MODEL_FILE_MISMATCH, "model file of kind " + KIND
                + " holds no readable Prophet graph [file=" + file.toAbsolutePath() + ", reason=" + ex.getMessage()
                + "]", ex);
        }
    }
}
