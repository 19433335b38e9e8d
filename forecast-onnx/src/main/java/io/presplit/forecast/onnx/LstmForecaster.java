package io.presplit.forecast.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import com.google.protobuf.InvalidProtocolBufferException;
import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.onnx.model.ModelFile;
import io.presplit.forecast.onnx.model.ModelMetadata;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Forecasts load with a sequence-to-vector LSTM served by ONNX Runtime, one batched call for all slots.
 * <p>
 * Model contract (the PyTorch export in {@code shared/fixtures/lstm}, bundled as {@value #BUNDLED_MODEL}, and the
 * models {@code io.presplit.forecast.onnx.lstm} trains): input {@value #INPUT_NAME} float32 {@code [batch, W, 1]},
 * output {@value #OUTPUT_NAME} float32 {@code [batch, H]} (the point forecast, or the median), optionally a second
 * output {@value #P90_OUTPUT_NAME} float32 {@code [batch, H]} (the 90% quantile); batch dynamic, {@code W} (the
 * window) and {@code H} (the model horizon) fixed by the model and read from it. The model is stateless and sees
 * only normalized values. Sources: a bare {@code .onnx} file ({@link #open}), bytes ({@link #fromBytes}) or a
 * checksummed {@link ModelFile} of kind {@value #KIND} ({@link #openModelFile}), whose metadata must agree with the
 * graph.
 * <p>
 * Algorithm, per slot with at least {@code W} ticks of history, {@code x} its last {@code W} ticks, oldest first:
 * <pre>
 *   mu = mean(x)                                      // double
 *   s  = max(sqrt(mean((x - mu)^2)), MIN_SCALE)       // population std, floored at 1e-6
 *   input[i] = (float) ((x[i] - mu) / s)              // i = 0..W-1
 *   y = model(input)                                  // one ONNX Runtime call for every such slot
 *   forecast[h] = max(0, y[h] * s + mu)               // h = 0..H-1, in double
 *   p90[h]      = max(forecast[h], y90[h] * s + mu)   // with the p90 output; else the table's p90 = forecast
 * </pre>
 * This is the fixture README's normalization, with one addition: a forecast of load below zero means nothing, so
 * it is clamped at 0. NaN in the history propagates to the forecast.
 * <p>
 * Rules for the table:
 * <ul>
 *   <li><b>Short history</b> (fewer than {@code W} ticks, at least 1): every step gets the last observed value,
 *       clamped at 0 (the naive forecast, i.e. seasonal naive with a season of one tick).</li>
 *   <li><b>Table horizon longer than {@code H}</b>: steps {@code H..horizon-1} repeat the model's last step
 *       {@code H-1} (a flat extrapolation, as the naive forecast would do from there).</li>
 *   <li><b>Table horizon shorter than {@code H}</b>: only steps {@code 0..horizon-1} are written.</li>
 * </ul>
 * Every listed slot gets steps {@code 0..table.horizon()-1} written on every call: no stale values.
 * <p>
 * Threading: not thread-safe; {@link #forecast} and {@link #close} run on the forecast thread. Allocation: the
 * input and output tensors live over direct buffers that are reused across calls and grow (doubling) only when
 * more slots are listed than ever before; tensors over them are re-created only when the batch size changes.
 * Each call still allocates ONNX Runtime's {@code Result} and its bookkeeping, which is accepted on the forecast
 * thread. Blocking: the call runs inference on the calling thread (one intra-op thread by default).
 */
public final class LstmForecaster implements Forecaster {
    /** Name of the model's input. */
    public static final String INPUT_NAME = "input";
    /** Name of the model's output. */
    public static final String OUTPUT_NAME = "output";
    /** Name of the optional 90% quantile output ({@code [batch, H]}, same units as {@value #OUTPUT_NAME}). */
    public static final String P90_OUTPUT_NAME = "output_p90";
    /** The {@link ModelMetadata#kind()} of LSTM model files. */
    public static final String KIND = "lstm";
    /** Floor of the per-window scale {@code s}, so that a constant window normalizes to zeros, not NaN. */
    public static final double MIN_SCALE = 1e-6;
    /** The bundled model's resource name, relative to this class's package. */
    public static final String BUNDLED_MODEL = "lstm_forecaster.onnx";
    /**
     * The bundled load model, {@value}: a {@link ModelFile} trained by {@code presplit train} on load traces at 5-,
     * 15- and 60-minute ticks, none of them a replay evaluation trace (provenance in the README next to it). The
     * product's default LSTM, served by {@link #openLoadModel()}.
     */
    public static final String BUNDLED_LOAD_MODEL = "lstm_load.psmodel";

    private static final List<TensorSpec> INPUTS =
        List.of(new TensorSpec(INPUT_NAME, OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, TensorSpec.FIXED, 1));
    private static final List<TensorSpec> OUTPUTS =
        List.of(new TensorSpec(OUTPUT_NAME, OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, TensorSpec.FIXED));
    private static final List<TensorSpec> OUTPUTS_WITH_P90 = List.of(OUTPUTS.get(0),
        new TensorSpec(P90_OUTPUT_NAME, OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, TensorSpec.FIXED));

    private final OnnxModel model;
    private final int windowTicks;
    private final int modelHorizon;
    private final boolean hasP90;
    private final double[] window;
    private final Map<String, OnnxTensor> inputs = new HashMap<>(2);
    private final Map<String, OnnxTensor> outputs = new HashMap<>(2);

    // Batch state, sized for capacityRows rows; grows only.
    private int capacityRows;
    private FloatBuffer inputBuffer;
    private FloatBuffer outputBuffer;
    private FloatBuffer p90Buffer;
    private int[] rowSlots;
    private double[] rowMeans;
    private double[] rowScales;

    // Tensors over the first boundRows rows of the buffers; 0 = none.
    private int boundRows;
    private OnnxTensor inputTensor;
    private OnnxTensor outputTensor;
    private OnnxTensor p90Tensor;
    private boolean isClosed;

    private LstmForecaster(final OnnxModel model, final boolean hasP90) {
        this.model = model;
        this.windowTicks = Math.toIntExact(model.inputShape(INPUT_NAME)[1]);
        this.modelHorizon = Math.toIntExact(model.outputShape(OUTPUT_NAME)[1]);
        this.hasP90 = hasP90;
        if (hasP90 && model.outputShape(P90_OUTPUT_NAME)[1] != modelHorizon) {
            throw new PresplitException(Category.ERROR, OnnxModel.MODEL_MISMATCH, "model quantile outputs differ in"
                + " horizon [source=" + model.source() + ", output=" + modelHorizon + ", output_p90="
                + model.outputShape(P90_OUTPUT_NAME)[1] + "]");
        }
        this.window = new double[windowTicks];
    }

    /**
     * Loads an LSTM from {@code modelFile} and checks it against the model contract in the class comment.
     * Cold path.
     *
     * @throws PresplitException {@link OnnxModel#MODEL_MISSING}, {@link OnnxModel#MODEL_INVALID} or
     *                           {@link OnnxModel#MODEL_MISMATCH}, category ERROR, naming the file.
     */
    public static LstmForecaster open(final Path modelFile) {
        boolean hasP90 = false;
        if (Files.isRegularFile(modelFile)) {
            try {
                hasP90 = hasOutput(Files.readAllBytes(modelFile), P90_OUTPUT_NAME);
            } catch (final IOException ex) {
                throw new PresplitException(Category.ERROR, OnnxModel.MODEL_MISSING, "model file could not be read"
                    + " [source=" + modelFile.toAbsolutePath() + ", reason=" + OnnxModel.reason(ex) + "]", ex);
            }
        }
        return create(OnnxModel.open(modelFile, INPUTS, hasP90 ? OUTPUTS_WITH_P90 : OUTPUTS), hasP90);
    }

    /**
     * Loads an LSTM from ONNX bytes held in memory and checks it against the model contract. Cold path.
     *
     * @param source what the bytes are, for error messages.
     * @throws PresplitException {@link OnnxModel#MODEL_INVALID} or {@link OnnxModel#MODEL_MISMATCH}.
     */
    public static LstmForecaster fromBytes(final String source, final byte[] onnx) {
        final boolean hasP90 = hasOutput(onnx, P90_OUTPUT_NAME);
        return create(OnnxModel.fromBytes(source, onnx, OnnxModel.DEFAULT_INTRA_OP_THREADS, INPUTS,
            hasP90 ? OUTPUTS_WITH_P90 : OUTPUTS), hasP90);
    }

    /**
     * Loads an LSTM saved in a {@link ModelFile} (kind {@value #KIND}), as {@code LstmModels.save} writes it, and
     * checks the graph against the contract and against the file's own metadata (window and horizon). Cold path.
     *
     * @throws PresplitException {@link ModelFile}'s codes for a missing, corrupt, unsupported or other-kind file;
     *                           {@link OnnxModel#MODEL_INVALID} or {@link OnnxModel#MODEL_MISMATCH} for the graph
     *                           (a window or horizon that disagrees with the metadata is a mismatch).
     */
    public static LstmForecaster openModelFile(final Path file) {
        return fromModelFile(file.toAbsolutePath().toString(), ModelFile.read(file, KIND));
    }

    /**
     * The product's default LSTM ({@value #BUNDLED_LOAD_MODEL}): trained on load at 5-, 15- and 60-minute ticks with a
     * 90 % quantile head, and on no trace the replay is scored on, so that the replay's figures are out of sample. It
     * serves every tick: each window is normalized by its own mean and spread, and on hourly VM load, which neither
     * saw, it replays better than the PyTorch export of {@link #openBundled()} (trained on three of the evaluation
     * traces; docs/RESULTS.md, "Replay, fifth pass"). Cold path.
     *
     * @throws PresplitException {@link OnnxModel#MODEL_MISSING} if the resource is absent, or as
     *                           {@link #openModelFile} for its content.
     */
    public static LstmForecaster openLoadModel() {
        final String source = bundledSource(BUNDLED_LOAD_MODEL);
        return fromModelFile(source, ModelFile.decode(source, readBundled(BUNDLED_LOAD_MODEL, source), KIND));
    }

    /**
     * Loads the PyTorch export bundled in this jar ({@value #BUNDLED_MODEL}: window 48, horizon 12, no quantile
     * head, trained on hourly NASA and NAB Twitter; provenance in the README next to it): the fixture that our
     * serving reproduces within 1e-4 of PyTorch. Not the default, since two evaluation traces are in its training:
     * see {@link #openLoadModel()}. Cold path.
     *
     * @throws PresplitException {@link OnnxModel#MODEL_MISSING} if the resource is not on the classpath, or as
     *                           {@link #open(Path)}.
     */
    public static LstmForecaster openBundled() {
        final String source = bundledSource(BUNDLED_MODEL);
        final byte[] bytes = readBundled(BUNDLED_MODEL, source);
        return create(OnnxModel.fromBytes(source, bytes, OnnxModel.DEFAULT_INTRA_OP_THREADS, INPUTS, OUTPUTS), false);
    }

    /** {@code lstm}. */
    @Override
    public String name() {
        return "lstm";
    }

    /** Ticks of history the model reads per slot ({@code W}, from the model's input shape). */
    public int windowTicks() {
        return windowTicks;
    }

    /** Steps the model predicts ({@code H}, from the model's output shape). */
    public int modelHorizon() {
        return modelHorizon;
    }

    /** Whether the model has the 90% quantile output {@value #P90_OUTPUT_NAME}. */
    public boolean hasP90() {
        return hasP90;
    }

    /** Where ONNX Runtime runs the model. */
    public ExecutionProvider executionProvider() {
        return model.executionProvider();
    }

    /** Where the model came from: a file path or a {@code classpath:} name. */
    public String source() {
        return model.source();
    }

    /**
     * Forecasts every listed slot; see the class comment for the algorithm and the rules. Forecast thread only.
     *
     * @throws PresplitException {@link OnnxModel#INFERENCE_FAILED} (category ERROR) if ONNX Runtime fails; the
     *                           slots the model would have served then hold the short-history (last value)
     *                           forecast, so the table is still complete.
     * @throws IllegalArgumentException if a listed slot has no history at all (the SPI requires one tick).
     * @throws IllegalStateException    if the forecaster is closed.
     */
    @Override
    public void forecast(
        final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        if (isClosed) {
            throw new IllegalStateException("forecaster is closed [source=" + model.source() + "]");
        }
        table.requireTickSteps(name());
        final int w = windowTicks;
        final int horizon = table.horizon();
        final double[] x = window;
        ensureCapacity(count);
        final FloatBuffer in = inputBuffer;

        // Phase 1: short histories get the naive forecast; full windows are normalized into the batch.
        int rows = 0;
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            if (history.length(slot) < w) {
                fillLastValue(history, resource, slot, horizon, table);
                continue;
            }
            history.copySeries(resource, slot, w, x);
            final double mean = windowMean(x, w);
            final double scale = windowScale(x, w, mean);
            normalize(x, w, mean, scale, in, rows * w);
            rowSlots[rows] = slot;
            rowMeans[rows] = mean;
            rowScales[rows] = scale;
            rows++;
        }
        if (rows == 0) {
            return;
        }

        // Phase 2: one model call for the whole batch.
        try {
            runBatch(rows);
        } catch (final PresplitException ex) {
            for (int r = 0; r < rows; r++) {
                fillLastValue(history, resource, rowSlots[r], horizon, table);
            }
            throw ex;
        }

        // Phase 3: de-normalize into the table, flat beyond the model's horizon.
        final FloatBuffer out = outputBuffer;
        final FloatBuffer p90 = hasP90 ? p90Buffer : null;
        final int modelSteps = Math.min(horizon, modelHorizon);
        for (int r = 0; r < rows; r++) {
            final int slot = rowSlots[r];
            final double mean = rowMeans[r];
            final double scale = rowScales[r];
            final int base = r * modelHorizon;
            double value = 0;
            double upper = 0;
            for (int h = 0; h < modelSteps; h++) {
                value = denormalize(out.get(base + h), mean, scale);
                table.mean(slot, h, value);
                if (p90 != null) {
                    // quantile heads are trained apart and may cross: p90 never below the median
                    upper = Math.max(value, denormalize(p90.get(base + h), mean, scale));
                    table.quantiles(slot, h, value, upper);
                }
            }
            for (int h = modelSteps; h < horizon; h++) {
                table.mean(slot, h, value);
                if (p90 != null) {
                    table.quantiles(slot, h, value, upper);
                }
            }
        }
    }

    /** Releases the tensors and the ONNX Runtime session. Safe to call twice. */
    @Override
    public void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        try {
            unbindTensors();
        } finally {
            // The direct buffers are freed by the garbage collector once unreachable.
            inputBuffer = null;
            outputBuffer = null;
            p90Buffer = null;
            model.close();
        }
    }

    @Override
    public String toString() {
        return "LstmForecaster[source=" + model.source() + ", windowTicks=" + windowTicks + ", modelHorizon="
            + modelHorizon + "]";
    }

    /** Rows the reusable buffers can hold. */
    int capacityRows() {
        return capacityRows;
    }

    /**
     * The input buffer, made large enough for {@code rows} rows: row {@code r} is floats
     * {@code [r * W, (r + 1) * W)}. Write with absolute puts.
     */
    FloatBuffer inputBuffer(final int rows) {
        ensureCapacity(rows);
        return inputBuffer;
    }

    /** Runs the model on the first {@code rows} rows of the input buffer; results via {@link #output}. */
    void runBatch(final int rows) {
        if (rows != boundRows) {
            bindTensors(rows);
        }
        // The output is pinned: ONNX Runtime writes it into outputBuffer, and the result does not own it.
        model.run(inputs, outputs).close();
    }

    /** The model's normalized output for row {@code row}, step {@code step}, after {@link #runBatch}. */
    float output(final int row, final int step) {
        return outputBuffer.get(row * modelHorizon + step);
    }

    /** Arithmetic mean of {@code x[0..n)}, summed left to right in double. */
    static double windowMean(final double[] x, final int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += x[i];
        }
        return sum / n;
    }

    /** Population standard deviation of {@code x[0..n)} about {@code mean}, floored at {@link #MIN_SCALE}. */
    static double windowScale(final double[] x, final int n, final double mean) {
        double sumSquares = 0;
        for (int i = 0; i < n; i++) {
            final double d = x[i] - mean;
            sumSquares += d * d;
        }
        return Math.max(Math.sqrt(sumSquares / n), MIN_SCALE);
    }

    /** Writes {@code (float) ((x[i] - mean) / scale)} for {@code i < n} at {@code out[offset + i]}. */
    static void normalize(
        final double[] x, final int n, final double mean, final double scale, final FloatBuffer out,
        final int offset) {
        for (int i = 0; i < n; i++) {
            out.put(offset + i, (float) ((x[i] - mean) / scale));
        }
    }

    /** {@code max(0, y * scale + mean)} in double: a model output back in load units, never negative. */
    static double denormalize(final float y, final double mean, final double scale) {
        return Math.max(0.0, y * scale + mean);
    }

    private static String bundledSource(final String resource) {
        return "classpath:" + LstmForecaster.class.getPackageName().replace('.', '/') + '/' + resource;
    }

    private static byte[] readBundled(final String resource, final String source) {
        try (InputStream in = LstmForecaster.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new PresplitException(Category.ERROR, OnnxModel.MODEL_MISSING,
                    "bundled model not on the classpath [source=" + source + "]");
            }
            return in.readAllBytes();
        } catch (final IOException ex) {
            throw new PresplitException(Category.ERROR, OnnxModel.MODEL_MISSING,
                "bundled model could not be read [source=" + source + ", reason=" + OnnxModel.reason(ex) + "]", ex);
        }
    }

    /** Serves a decoded model file, checking the graph against the contract and against the file's metadata. */
    private static LstmForecaster fromModelFile(final String source, final ModelFile saved) {
        final LstmForecaster lstm = fromBytes(source, saved.onnx());
        final ModelMetadata metadata = saved.metadata();
        if (metadata.windowTicks() != lstm.windowTicks || metadata.horizonTicks() != lstm.modelHorizon) {
            lstm.close();
            throw new PresplitException(Category.ERROR, OnnxModel.MODEL_MISMATCH, "model graph disagrees with its"
                + " metadata [source=" + source + ", metadataWindow=" + metadata.windowTicks()
                + ", graphWindow=" + lstm.windowTicks + ", metadataHorizon=" + metadata.horizonTicks()
                + ", graphHorizon=" + lstm.modelHorizon + "]");
        }
        return lstm;
    }

    private static LstmForecaster create(final OnnxModel model, final boolean hasP90) {
        try {
            return new LstmForecaster(model, hasP90);
        } catch (final RuntimeException | Error ex) {
            model.close();
            throw ex;
        }
    }

    private static void fillLastValue(
        final LoadHistory history, final Resource resource, final int slot, final int horizon,
        final ForecastTable table) {
        final double last = Math.max(0.0, history.value(resource, slot, 0));
        for (int h = 0; h < horizon; h++) {
            table.mean(slot, h, last);
        }
    }

    /** Grows the buffers (doubling) if they hold fewer than {@code rows} rows. */
    private void ensureCapacity(final int rows) {
        if (rows <= capacityRows) {
            return;
        }
        // Tensors point into the old buffers: drop them before the buffers go.
        unbindTensors();
        final int capacity = Math.max(rows, 2 * capacityRows);
        inputBuffer = directFloats(Math.multiplyExact(capacity, windowTicks));
        outputBuffer = directFloats(Math.multiplyExact(capacity, modelHorizon));
        if (hasP90) {
            p90Buffer = directFloats(Math.multiplyExact(capacity, modelHorizon));
        }
        rowSlots = new int[capacity];
        rowMeans = new double[capacity];
        rowScales = new double[capacity];
        capacityRows = capacity;
    }

    /** Creates tensors over the first {@code rows} rows of the buffers (no copy: ONNX Runtime uses their memory). */
    private void bindTensors(final int rows) {
        unbindTensors();
        try {
            inputTensor = OnnxTensor.createTensor(model.environment(), inputBuffer.slice(0, rows * windowTicks),
                new long[] {rows, windowTicks, 1});
            outputTensor = OnnxTensor.createTensor(model.environment(), outputBuffer.slice(0, rows * modelHorizon),
                new long[] {rows, modelHorizon});
            if (hasP90) {
                p90Tensor = OnnxTensor.createTensor(model.environment(), p90Buffer.slice(0, rows * modelHorizon),
                    new long[] {rows, modelHorizon});
            }
        } catch (final OrtException ex) {
            unbindTensors();
            throw new PresplitException(Category.ERROR, OnnxModel.INFERENCE_FAILED,
                "tensor creation failed [source=" + model.source() + ", rows=" + rows + ", reason="
                    + OnnxModel.reason(ex) + "]", ex);
        }
        inputs.put(INPUT_NAME, inputTensor);
        outputs.put(OUTPUT_NAME, outputTensor);
        if (hasP90) {
            outputs.put(P90_OUTPUT_NAME, p90Tensor);
        }
        boundRows = rows;
    }

    private void unbindTensors() {
        inputs.clear();
        outputs.clear();
        boundRows = 0;
        if (inputTensor != null) {
            inputTensor.close();
            inputTensor = null;
        }
        if (outputTensor != null) {
            outputTensor.close();
            outputTensor = null;
        }
        if (p90Tensor != null) {
            p90Tensor.close();
            p90Tensor = null;
        }
    }

    /** Whether the ONNX model in {@code onnx} declares graph output {@code name}; false if it does not parse. */
    static boolean hasOutput(final byte[] onnx, final String name) {
        try {
            for (final OnnxMl.ValueInfoProto output : OnnxMl.ModelProto.parseFrom(onnx).getGraph().getOutputList()) {
                if (output.getName().equals(name)) {
                    return true;
                }
            }
            return false;
        } catch (final InvalidProtocolBufferException ex) {
            // not ONNX at all: ONNX Runtime's load reports it as MODEL_INVALID with its own reason
            return false;
        }
    }

    private static FloatBuffer directFloats(final int count) {
        // Native order: ONNX Runtime reads a direct buffer's memory as is.
        return ByteBuffer.allocateDirect(Math.multiplyExact(count, Float.BYTES)).order(ByteOrder.nativeOrder())
            .asFloatBuffer();
    }
}
