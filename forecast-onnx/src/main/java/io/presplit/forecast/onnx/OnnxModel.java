package io.presplit.forecast.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model loaded into an ONNX Runtime session, checked against the inputs and outputs its caller expects.
 * <p>
 * Opening fails with a {@link PresplitException} of category {@link Category#ERROR} that names the model and what
 * was wrong: {@link #MODEL_MISSING} (no such file or classpath resource), {@link #MODEL_INVALID} (ONNX Runtime
 * cannot load it: not ONNX, truncated, unsupported operator) or {@link #MODEL_MISMATCH} (it loads, but its input
 * or output names, element types or shapes differ from the {@link TensorSpec}s). A failed open releases what it
 * acquired.
 * <p>
 * The session runs with {@link #DEFAULT_INTRA_OP_THREADS} intra-op thread unless told otherwise, so that inference
 * stays on the calling thread's core budget. It runs on the CUDA provider when {@link ExecutionProvider#choose}
 * picks it and a CUDA session can be created, on the CPU otherwise ({@link #executionProvider()}). The ONNX
 * Runtime environment is the process-wide default one, shared with other models and never closed here.
 * <p>
 * Threading: open, query and close on any one thread at a time; {@link #run} may be called from one thread at a
 * time (ONNX Runtime sessions are thread-safe, but callers here reuse their tensors). Opening and running allocate
 * (ONNX Runtime's maps and results); this is a cold path and a forecast-thread path, never a hot one.
 */
public final class OnnxModel implements AutoCloseable {
    /** Code of the failure: the model file or resource does not exist. */
    public static final String MODEL_MISSING = "MODEL_MISSING";
    /** Code of the failure: ONNX Runtime cannot load the model. */
    public static final String MODEL_INVALID = "MODEL_INVALID";
    /** Code of the failure: the model loads but its inputs or outputs are not what the caller expects. */
    public static final String MODEL_MISMATCH = "MODEL_MISMATCH";
    /** Code of the failure: ONNX Runtime failed while running the model. */
    public static final String INFERENCE_FAILED = "INFERENCE_FAILED";
    /** Intra-op threads per session unless told otherwise. */
    public static final int DEFAULT_INTRA_OP_THREADS = 1;

    private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

    private final String source;
    private final OrtEnvironment environment;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final Map<String, long[]> inputShapes;
    private final Map<String, long[]> outputShapes;
    private final ExecutionProvider executionProvider;
    private boolean isClosed;

    private OnnxModel(
        final String source, final OrtEnvironment environment, final OrtSession.SessionOptions options,
        final OrtSession session, final Map<String, long[]> inputShapes, final Map<String, long[]> outputShapes,
        final ExecutionProvider executionProvider) {
        this.source = source;
        this.executionProvider = executionProvider;
        this.environment = environment;
        this.options = options;
        this.session = session;
        this.inputShapes = inputShapes;
        this.outputShapes = outputShapes;
    }

    /**
     * Opens {@code file} with {@link #DEFAULT_INTRA_OP_THREADS} intra-op thread; see
     * {@link #open(Path, int, List, List)}.
     */
    public static OnnxModel open(final Path file, final List<TensorSpec> inputs, final List<TensorSpec> outputs) {
        return open(file, DEFAULT_INTRA_OP_THREADS, inputs, outputs);
    }

    /**
     * Loads the model in {@code file} (external data files, if any, are found next to it) and checks it.
     *
     * @param file           the {@code .onnx} file.
     * @param intraOpThreads threads ONNX Runtime may use inside one operator, at least 1.
     * @param inputs         the expected inputs, all of the model's inputs and no more.
     * @param outputs        the expected outputs, all of the model's outputs and no more.
     * @return the open model; the caller closes it.
     * @throws PresplitException {@link #MODEL_MISSING}, {@link #MODEL_INVALID} or {@link #MODEL_MISMATCH}.
     */
    public static OnnxModel open(
        final Path file, final int intraOpThreads, final List<TensorSpec> inputs, final List<TensorSpec> outputs) {
        checkArguments(intraOpThreads, inputs, outputs);
        final String source = file.toAbsolutePath().toString();
        if (!Files.isRegularFile(file)) {
            throw new PresplitException(Category.ERROR, MODEL_MISSING, "model file not found [source=" + source + "]");
        }
        return load(source, null, source, intraOpThreads, inputs, outputs);
    }

    /**
     * Loads a model held in memory (for instance a classpath resource) and checks it.
     *
     * @param source         what the bytes are, for error messages (e.g. {@code classpath:io/presplit/x.onnx}).
     * @param model          the serialized ONNX model, with its weights embedded.
     * @param intraOpThreads threads ONNX Runtime may use inside one operator, at least 1.
     * @param inputs         the expected inputs, all of the model's inputs and no more.
     * @param outputs        the expected outputs, all of the model's outputs and no more.
     * @return the open model; the caller closes it.
     * @throws PresplitException {@link #MODEL_INVALID} or {@link #MODEL_MISMATCH}.
     */
    public static OnnxModel fromBytes(
        final String source, final byte[] model, final int intraOpThreads, final List<TensorSpec> inputs,
        final List<TensorSpec> outputs) {
        checkArguments(intraOpThreads, inputs, outputs);
        if (model == null) {
            throw new IllegalArgumentException("model bytes are null [source=" + source + "]");
        }
        return load(source, model, null, intraOpThreads, inputs, outputs);
    }

    /** Where the model came from: an absolute file path or the source given to {@link #fromBytes}. */
    public String source() {
        return source;
    }

    /** Where the session runs: {@link ExecutionProvider#CUDA} only if a CUDA session was created. */
    public ExecutionProvider executionProvider() {
        return executionProvider;
    }

    /** The ONNX Runtime environment the session lives in, for creating tensors. */
    public OrtEnvironment environment() {
        return environment;
    }

    /**
     * The declared shape of input {@code name}: sizes, and {@code -1} for each dynamic dimension. Allocates a copy.
     */
    public long[] inputShape(final String name) {
        return shapeOf(inputShapes, "input", name);
    }

    /**
     * The declared shape of output {@code name}: sizes, and {@code -1} for each dynamic dimension. Allocates a copy.
     */
    public long[] outputShape(final String name) {
        return shapeOf(outputShapes, "output", name);
    }

    /**
     * Runs the model and returns every output, allocated by ONNX Runtime and owned by the result, which the caller
     * closes.
     *
     * @throws PresplitException {@link #INFERENCE_FAILED} (category ERROR) if ONNX Runtime fails.
     * @throws IllegalStateException if the model is closed.
     */
    public OrtSession.Result run(final Map<String, ? extends OnnxTensorLike> inputs) {
        if (isClosed) {
            throw new IllegalStateException("model is closed [source=" + source + "]");
        }
        try {
            return session.run(inputs);
        } catch (final OrtException ex) {
            throw new PresplitException(Category.ERROR, INFERENCE_FAILED,
                "model run failed [source=" + source + ", reason=" + reason(ex) + "]", ex);
        }
    }

    /**
     * Runs the model. Outputs in {@code pinnedOutputs} are written into the caller's tensors (which must have the
     * output's exact shape) and are not owned by the result; the others are allocated by ONNX Runtime and owned by
     * the result. The caller closes the result.
     *
     * @throws PresplitException {@link #INFERENCE_FAILED} (category ERROR) if ONNX Runtime fails.
     * @throws IllegalStateException if the model is closed.
     */
    public OrtSession.Result run(
        final Map<String, ? extends OnnxTensorLike> inputs, final Map<String, ? extends OnnxValue> pinnedOutputs) {
        if (isClosed) {
            throw new IllegalStateException("model is closed [source=" + source + "]");
        }
        try {
            return session.run(inputs, pinnedOutputs);
        } catch (final OrtException ex) {
            throw new PresplitException(Category.ERROR, INFERENCE_FAILED,
                "model run failed [source=" + source + ", reason=" + reason(ex) + "]", ex);
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return isClosed;
    }

    /** Releases the session and its options. Safe to call twice. */
    @Override
    public void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        try {
            session.close();
        } catch (final OrtException ex) {
            throw new PresplitException(Category.WARN, INFERENCE_FAILED,
                "model session did not close cleanly [source=" + source + ", reason=" + reason(ex) + "]", ex);
        } finally {
            options.close();
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[source=" + source + ", closed=" + isClosed + "]";
    }

    private static OnnxModel load(
        final String source, final byte[] bytes, final String path, final int intraOpThreads,
        final List<TensorSpec> inputs, final List<TensorSpec> outputs) {
        final OrtEnvironment environment = OrtEnvironment.getEnvironment();
        final ExecutionProvider wanted = ExecutionProvider.choose(OrtEnvironment.getAvailableProviders(),
            System.getProperty(ExecutionProvider.PROPERTY));
        if (wanted == ExecutionProvider.CUDA) {
            try {
                return load(source, bytes, path, intraOpThreads, inputs, outputs, environment, ExecutionProvider.CUDA);
            } catch (final PresplitException ex) {
                if (!MODEL_INVALID.equals(ex.code())) {
                    throw ex;
                }
                // A GPU build without a usable device (or driver) fails here: the CPU still serves the model.
                LOG.warn("CUDA execution provider unavailable, using the CPU [source={}, reason={}]", source,
                    ex.getMessage());
            }
        }
        return load(source, bytes, path, intraOpThreads, inputs, outputs, environment, ExecutionProvider.CPU);
    }

    private static OnnxModel load(
        final String source, final byte[] bytes, final String path, final int intraOpThreads,
        final List<TensorSpec> inputs, final List<TensorSpec> outputs, final OrtEnvironment environment,
        final ExecutionProvider provider) {
        final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            options.setIntraOpNumThreads(intraOpThreads);
            if (provider == ExecutionProvider.CUDA) {
                options.addCUDA(0);
            }
            session = bytes != null
                ? environment.createSession(bytes, options)
                : environment.createSession(path, options);
            final Map<String, long[]> inputShapes = check(source, "input", session.getInputInfo(), inputs);
            final Map<String, long[]> outputShapes = check(source, "output", session.getOutputInfo(), outputs);
            return new OnnxModel(source, environment, options, session, inputShapes, outputShapes, provider);
        } catch (final OrtException ex) {
            closeQuietly(session, ex);
            options.close();
            throw new PresplitException(Category.ERROR, MODEL_INVALID,
                "model could not be loaded [source=" + source + ", provider=" + provider + ", reason="
                    + reason(ex) + "]", ex);
        } catch (final RuntimeException | Error ex) {
            closeQuietly(session, ex);
            options.close();
            throw ex;
        }
    }

    /** Checks one side (inputs or outputs) of the graph; returns the declared shapes by name. */
    private static Map<String, long[]> check(
        final String source, final String side, final Map<String, NodeInfo> found, final List<TensorSpec> expected) {
        final List<String> expectedNames = new ArrayList<>(expected.size());
        for (final TensorSpec spec : expected) {
            expectedNames.add(spec.name());
        }
        if (found.size() != expected.size() || !found.keySet().containsAll(expectedNames)) {
            throw mismatch("model " + side + "s are not the expected ones [source=" + source
                + ", expected=" + expectedNames + ", found=" + found.keySet() + "]");
        }
        final Map<String, long[]> shapes = new HashMap<>();
        for (final TensorSpec spec : expected) {
            final NodeInfo node = found.get(spec.name());
            if (!(node.getInfo() instanceof TensorInfo tensor)) {
                throw mismatch("model " + side + " is not a tensor [source=" + source + ", name=" + spec.name()
                    + ", found=" + node.getInfo() + "]");
            }
            if (tensor.type != spec.type()) {
                throw mismatch("model " + side + " has the wrong element type [source=" + source + ", name="
                    + spec.name() + ", expected=" + spec.type() + ", found=" + tensor.type + "]");
            }
            final long[] shape = tensor.getShape();
            if (!matches(spec, shape)) {
                throw mismatch("model " + side + " has the wrong shape [source=" + source + ", name=" + spec.name()
                    + ", expected=" + spec + ", found=" + describe(shape, tensor.getDimensionNames()) + "]");
            }
            shapes.put(spec.name(), shape);
        }
        return shapes;
    }

    private static boolean matches(final TensorSpec spec, final long[] shape) {
        if (shape.length != spec.rank()) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            final long want = spec.dim(i);
            final boolean isOk = want == TensorSpec.DYNAMIC ? shape[i] < 0
                : want == TensorSpec.FIXED ? shape[i] > 0
                : shape[i] == want;
            if (!isOk) {
                return false;
            }
        }
        return true;
    }

    /** {@code [batch, 48, 1]}: sizes, and the symbolic name (or {@code ?}) of each free dimension. */
    private static String describe(final long[] shape, final String[] dimensionNames) {
        final StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                text.append(", ");
            }
            if (shape[i] >= 0) {
                text.append(shape[i]);
            } else {
                final boolean isNamed = dimensionNames != null && i < dimensionNames.length
                    && dimensionNames[i] != null && !dimensionNames[i].isEmpty();
                text.append(isNamed ? dimensionNames[i] : "?");
            }
        }
        return text.append(']').toString();
    }

    /** ONNX Runtime's message on one line: it may end with a newline. */
    static String reason(final Exception ex) {
        return String.valueOf(ex.getMessage()).strip();
    }

    private static PresplitException mismatch(final String message) {
        return new PresplitException(Category.ERROR, MODEL_MISMATCH, message);
    }

    private long[] shapeOf(final Map<String, long[]> shapes, final String side, final String name) {
        final long[] shape = shapes.get(name);
        if (shape == null) {
            throw new IllegalArgumentException("no such model " + side + " [source=" + source + ", name=" + name + "]");
        }
        return shape.clone();
    }

    private static void checkArguments(
        final int intraOpThreads, final List<TensorSpec> inputs, final List<TensorSpec> outputs) {
        if (intraOpThreads < 1 || inputs == null || inputs.isEmpty() || outputs == null || outputs.isEmpty()) {
            throw new IllegalArgumentException("invalid model expectations [intraOpThreads=" + intraOpThreads
                + ", inputs=" + inputs + ", outputs=" + outputs + "]");
        }
    }

    private static void closeQuietly(final OrtSession session, final Throwable primary) {
        if (session == null) {
            return;
        }
        try {
            session.close();
        } catch (final OrtException | RuntimeException ex) {
            primary.addSuppressed(ex);
        }
    }
}
