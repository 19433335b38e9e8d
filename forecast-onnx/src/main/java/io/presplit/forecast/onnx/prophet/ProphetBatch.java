package io.presplit.forecast.onnx.prophet;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;
import io.presplit.forecast.onnx.OnnxModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The batched {@link ProphetGraph} in an ONNX Runtime session, with its inputs and outputs in reused direct buffers:
 * one {@link #run} evaluates every row (partition) of the batch over the horizon in one call.
 * <p>
 * Buffer layout (native byte order, float64, row-major): one buffer per parameter input, row {@code r} at doubles
 * {@code [r * w, (r + 1) * w)} with {@code w} the input's width (1, S or F, {@link ProphetGraph#width}); the time
 * buffer holds the H times shared by every row; each output buffer {@code rows x H}
 * ({@code rows x H x K} for {@code seasonal}). A row's parameters, once written, stay until overwritten: a caller
 * that keeps a partition in the same row writes them only when they change (a refit), so a steady tick writes only
 * the H times.
 * <p>
 * Packed parameters ({@link #pack}): {@code [start, t_scale, y_scale, floor, k, m, delta[S], changepoints[S],
 * beta[F]]}, {@link #packedLength()} doubles, the form in which a forecaster keeps each partition's fit.
 * <p>
 * Threading: one thread. Allocation: buffers grow (doubling) only when more rows are asked for than ever before;
 * tensors are re-created only when the row count or horizon changes; each {@link #run} allocates ONNX Runtime's
 * {@code Result} and its maps (a fixed amount, independent of the row count), nothing else.
 */
public final class ProphetBatch implements AutoCloseable {
    private static final List<String> PARAMETERS = ProphetGraph.PARAMETER_INPUTS;

    private final ProphetGraph graph;
    private final OnnxModel model;
    private final int seasonCount;
    private final int packedLength;
    private final int[] widths;
    private final int[] offsets;
    private final Map<String, OnnxTensor> inputs = new HashMap<>(16);
    private final Map<String, OnnxTensor> outputs = new HashMap<>(8);
    private final OnnxTensor[] inputTensors = new OnnxTensor[PARAMETERS.size() + 1];
    private final OnnxTensor[] outputTensors = new OnnxTensor[ProphetGraph.OUTPUTS.size()];

    private int capacityRows;
    private int horizonCapacity;
    private DoubleBuffer[] parameterBuffers;
    private DoubleBuffer timeBuffer;
    private DoubleBuffer[] outputBuffers;

    private int boundRows;
    private int boundHorizon;
    private boolean isClosed;

    /**
     * Opens the batched form of {@code graph} with one intra-op thread. Cold path.
     *
     * @throws PresplitException from {@link OnnxModel#fromBytes} if ONNX Runtime refuses the graph.
     */
    public ProphetBatch(final ProphetGraph graph) {
        this(graph, OnnxModel.DEFAULT_INTRA_OP_THREADS);
    }

    /** Same, with {@code intraOpThreads} ONNX Runtime threads. */
    public ProphetBatch(final ProphetGraph graph, final int intraOpThreads) {
        this.graph = graph;
        this.model = OnnxModel.fromBytes("prophet-batched:" + graph, graph.batched(), intraOpThreads,
            graph.batchedInputs(), graph.outputs());
        this.seasonCount = graph.seasonalities().size();
        this.widths = new int[PARAMETERS.size()];
        this.offsets = new int[PARAMETERS.size()];
        int offset = 0;
        for (int p = 0; p < widths.length; p++) {
            widths[p] = graph.width(PARAMETERS.get(p));
            offsets[p] = offset;
            offset += widths[p];
        }
        this.packedLength = offset;
    }

    /** The layout served. */
    public ProphetGraph graph() {
        return graph;
    }

    /** Doubles per packed parameter row: {@code 6 + 2 S + F}. */
    public int packedLength() {
        return packedLength;
    }

    /** Rows the buffers hold now. */
    public int capacityRows() {
        return capacityRows;
    }

    /**
     * Packs {@code model}'s parameters into {@code out[offset..offset+packedLength)}, padding changepoints with
     * {@code delta = 0, c = 0}. Cold path (copies the model's arrays).
     *
     * @throws IllegalArgumentException if the model does not fit the layout.
     */
    public void pack(final ProphetModel model, final double[] out, final int offset) {
        if (!graph.fits(model)) {
            throw new IllegalArgumentException("model does not fit the batch layout [model=" + model + ", layout="
                + graph + "]");
        }
        Arrays.fill(out, offset, offset + packedLength, 0.0);
        out[offset] = model.start();
        out[offset + 1] = model.tScale();
        out[offset + 2] = model.yScale();
        out[offset + 3] = model.floor();
        out[offset + 4] = model.k();
        out[offset + 5] = model.m();
        model.copyDelta(out, offset + offsets[6]);
        model.copyChangepoints(out, offset + offsets[7]);
        model.copyBeta(out, offset + offsets[8]);
    }

    /** Makes the buffers hold at least {@code rows} rows of horizon {@code horizon}. Keeps written parameters. */
    public void ensureCapacity(final int rows, final int horizon) {
        if (rows <= capacityRows && horizon <= horizonCapacity) {
            return;
        }
        unbind();
        final int newRows = Math.max(rows, 2 * capacityRows);
        final int newHorizon = Math.max(horizon, horizonCapacity);
        final DoubleBuffer[] parameters = new DoubleBuffer[PARAMETERS.size()];
        for (int p = 0; p < parameters.length; p++) {
            parameters[p] = directDoubles(Math.multiplyExact(newRows, widths[p]));
            if (parameterBuffers != null) {
                // keep the rows already written: a capacity change must not force every partition to re-send
                final DoubleBuffer old = parameterBuffers[p];
                for (int i = 0; i < capacityRows * widths[p]; i++) {
                    parameters[p].put(i, old.get(i));
                }
            }
        }
        parameterBuffers = parameters;
        timeBuffer = directDoubles(newHorizon);
        outputBuffers = new DoubleBuffer[ProphetGraph.OUTPUTS.size()];
        for (int o = 0; o < outputBuffers.length; o++) {
            final int perStep = ProphetGraph.SEASONAL.equals(ProphetGraph.OUTPUTS.get(o)) ? seasonCount : 1;
            outputBuffers[o] = directDoubles(Math.multiplyExact(Math.multiplyExact(newRows, newHorizon), perStep));
        }
        capacityRows = newRows;
        horizonCapacity = newHorizon;
    }

    /** Writes packed parameters {@code packed[offset..)} into row {@code row}. Allocation-free. */
    public void setRow(final int row, final double[] packed, final int offset) {
        final DoubleBuffer[] buffers = parameterBuffers;
        for (int p = 0; p < buffers.length; p++) {
            final int w = widths[p];
            final int from = offset + offsets[p];
            final DoubleBuffer buffer = buffers[p];
            final int base = row * w;
            for (int i = 0; i < w; i++) {
                buffer.put(base + i, packed[from + i]);
            }
        }
    }

    /** Writes {@code model}'s parameters into row {@code row}. Cold path. */
    public void setRow(final int row, final ProphetModel model) {
        final double[] packed = new double[packedLength];
        pack(model, packed, 0);
        setRow(row, packed, 0);
    }

    /** Sets the time of step {@code step} (epoch seconds), shared by every row. Allocation-free. */
    public void time(final int step, final double epochSeconds) {
        timeBuffer.put(step, epochSeconds);
    }

    /**
     * Evaluates rows {@code [0, rows)} over the first {@code horizon} times. Results via the accessors until the
     * next run.
     *
     * @throws PresplitException {@link OnnxModel#INFERENCE_FAILED} (category ERROR) if ONNX Runtime fails.
     */
    public void run(final int rows, final int horizon) {
        if (isClosed) {
            throw new IllegalStateException("Prophet batch is closed [layout=" + graph + "]");
        }
        if (rows < 1 || horizon < 1 || rows > capacityRows || horizon > horizonCapacity) {
            throw new IllegalArgumentException("batch outside its buffers [rows=" + rows + ", horizon=" + horizon
                + ", capacityRows=" + capacityRows + ", horizonCapacity=" + horizonCapacity + "]");
        }
        if (rows != boundRows || horizon != boundHorizon) {
            bind(rows, horizon);
        }
        // Every output is pinned: ONNX Runtime writes into our buffers and the result owns nothing.
        model.run(inputs, outputs).close();
    }

    /** The trend of row {@code row}, step {@code step}, after {@link #run}. */
    public double trend(final int row, final int step) {
        return outputBuffers[0].get(row * boundHorizon + step);
    }

    /** Seasonality {@code q} of row {@code row}, step {@code step}. */
    public double seasonal(final int row, final int step, final int q) {
        return outputBuffers[1].get((row * boundHorizon + step) * seasonCount + q);
    }

    /** Additive terms of row {@code row}, step {@code step}. */
    public double additiveTerms(final int row, final int step) {
        return outputBuffers[2].get(row * boundHorizon + step);
    }

    /** Multiplicative terms of row {@code row}, step {@code step}. */
    public double multiplicativeTerms(final int row, final int step) {
        return outputBuffers[3].get(row * boundHorizon + step);
    }

    /** The point forecast of row {@code row}, step {@code step}. */
    public double yhat(final int row, final int step) {
        return outputBuffers[4].get(row * boundHorizon + step);
    }

    /** Releases the tensors and the session. Safe to call twice. */
    @Override
    public void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        try {
            unbind();
        } finally {
            model.close();
        }
    }

    private void bind(final int rows, final int horizon) {
        unbind();
        try {
            final var environment = model.environment();
            for (int p = 0; p < PARAMETERS.size(); p++) {
                inputTensors[p] = OnnxTensor.createTensor(environment,
                    parameterBuffers[p].slice(0, rows * widths[p]), new long[] {rows, widths[p]});
                inputs.put(PARAMETERS.get(p), inputTensors[p]);
            }
            final int last = PARAMETERS.size();
            inputTensors[last] = OnnxTensor.createTensor(environment, timeBuffer.slice(0, horizon),
                new long[] {1, horizon});
            inputs.put(ProphetGraph.TIME, inputTensors[last]);
            for (int o = 0; o < outputTensors.length; o++) {
                final String name = ProphetGraph.OUTPUTS.get(o);
                final boolean isSeasonal = ProphetGraph.SEASONAL.equals(name);
                final long[] shape = isSeasonal ? new long[] {rows, horizon, seasonCount} : new long[] {rows, horizon};
                final int length = rows * horizon * (isSeasonal ? seasonCount : 1);
                outputTensors[o] = OnnxTensor.createTensor(environment, outputBuffers[o].slice(0, length), shape);
                outputs.put(name, outputTensors[o]);
            }
        } catch (final OrtException ex) {
            unbind();
            throw new PresplitException(Category.ERROR, OnnxModel.INFERENCE_FAILED, "tensor creation failed [source="
                + model.source() + ", rows=" + rows + ", horizon=" + horizon + ", reason=" + ex.getMessage() + "]",
                ex);
        }
        boundRows = rows;
        boundHorizon = horizon;
    }

    private void unbind() {
        inputs.clear();
        outputs.clear();
        boundRows = 0;
        boundHorizon = 0;
        for (int i = 0; i < inputTensors.length; i++) {
            if (inputTensors[i] != null) {
                inputTensors[i].close();
                inputTensors[i] = null;
            }
        }
        for (int i = 0; i < outputTensors.length; i++) {
            if (outputTensors[i] != null) {
                outputTensors[i].close();
                outputTensors[i] = null;
            }
        }
    }

    private static DoubleBuffer directDoubles(final int count) {
        // Native order: ONNX Runtime reads and writes a direct buffer's memory as is.
        return ByteBuffer.allocateDirect(Math.multiplyExact(count, Double.BYTES)).order(ByteOrder.nativeOrder())
            .asDoubleBuffer();
    }
}
