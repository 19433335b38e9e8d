package io.presplit.forecast.onnx.prophet;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxJavaType;
import com.google.protobuf.InvalidProtocolBufferException;
import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;
import io.presplit.forecast.onnx.OnnxModel;
import io.presplit.forecast.onnx.TensorSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the ONNX graph (opset {@value #OPSET}, float64 throughout) that evaluates Prophet's point forecast and its
 * parts for a batch of partitions and horizon steps, as {@link ProphetModel#predict} does in Java.
 * <p>
 * A graph is fixed by its <em>layout</em>: the seasonalities (names, periods, Fourier orders, modes, in
 * feature-column order) and the number {@code S} of changepoints. Every partition served by one graph shares the
 * layout; its parameters differ. Two forms:
 * <ul>
 *   <li><b>Batched</b> ({@link #batched}): the parameters are inputs, one row per partition, so that ONE graph and
 *       ONE ONNX Runtime call serve a batch of partitions with different parameters. A partition with fewer
 *       changepoints pads with {@code delta = 0, changepoint = 0}, which adds nothing.</li>
 *   <li><b>Single</b> ({@link #single}): one model's parameters are baked in as initializers with a batch of 1;
 *       the only input is the time. This is the exported, self-contained model file form;
 *       {@link #readModel} reads the parameters back.</li>
 * </ul>
 * I/O contract (B = {@code batch}, H = {@code horizon}, dynamic; F = feature columns, K = seasonalities, S
 * changepoints, fixed; the single form has B = 1):
 * <pre>
 *   input  time_s         double [1, H]   epoch seconds (UTC) of the forecast steps, shared by every row
 *   input  start_s        double [B, 1]   first training row, epoch seconds        (batched form only, likewise
 *   input  t_scale_s      double [B, 1]   seconds from first to last training row   all inputs below)
 *   input  y_scale        double [B, 1]
 *   input  floor          double [B, 1]   added to the trend (0 unless minmax scaling)
 *   input  k, m           double [B, 1]
 *   input  delta          double [B, S]
 *   input  changepoints_t double [B, S]   scaled time, ascending
 *   input  beta           double [B, F]
 *   output trend                 double [B, H]
 *   output seasonal              double [B, H, K]   each seasonality, in layout order (additive ones × y_scale)
 *   output additive_terms        double [B, H]
 *   output multiplicative_terms  double [B, H]
 *   output yhat                  double [B, H]      trend (1 + multiplicative_terms) + additive_terms
 * </pre>
 * The nodes follow {@link ProphetModel}'s formulas, regrouped for speed: {@code t = (time - start) / t_scale};
 * the trend is {@code k t + m + Σ_s δ_s max(t - c_s, 0)}, which equals Prophet's {@code k_t t + m_t} with its
 * {@code t >= c_s} (at {@code t = c_s} the hinge is 0 either way). An {@code If} node evaluates the sum as
 * {@code t Σδ - Σ cδ} (O(B (H + S))) when every row's first time lies at or past its last changepoint — the
 * forecasting case, as changepoints sit in the history — and as the general hinge over {@code [B, H, S]} (Sub,
 * Relu, batched MatMul) otherwise; both branches are exact. {@code td = time / 86400}; the Fourier argument is
 * computed as {@code (td * (2 i π)) / P} (Mul, Div) once for all rows, its Sin and Cos interleaved into the
 * feature columns and transposed to {@code [F, H]}; each seasonality is one GEMM {@code beta_q [B, F_q] x X_q
 * [F_q, H]} (Slice, MatMul), and the sums of components are Sum nodes. Sharing one time axis is what makes the
 * seasonal part a matrix product; partitions still differ in start, scales and every parameter. Cold path:
 * building allocates.
 */
public final class ProphetGraph {
    /** The ONNX operator set the graph uses. */
    public static final int OPSET = 17;
    /** Input: epoch seconds of each row. */
    public static final String TIME = "time_s";
    /** Input: first training row, epoch seconds. */
    public static final String START = "start_s";
    /** Input: history span, seconds. */
    public static final String T_SCALE = "t_scale_s";
    /** Input: the y scale. */
    public static final String Y_SCALE = "y_scale";
    /** Input: the floor added to the trend. */
    public static final String FLOOR = "floor";
    /** Input: base growth. */
    public static final String K = "k";
    /** Input: offset. */
    public static final String M = "m";
    /** Input: rate changes. */
    public static final String DELTA = "delta";
    /** Input: changepoints, scaled time. */
    public static final String CHANGEPOINTS = "changepoints_t";
    /** Input: seasonal coefficients. */
    public static final String BETA = "beta";
    /** Output: trend. */
    public static final String TREND = "trend";
    /** Output: each seasonality. */
    public static final String SEASONAL = "seasonal";
    /** Output: sum of additive components. */
    public static final String ADDITIVE_TERMS = "additive_terms";
    /** Output: sum of multiplicative components. */
    public static final String MULTIPLICATIVE_TERMS = "multiplicative_terms";
    /** Output: the point forecast. */
    public static final String YHAT = "yhat";
    /** Model metadata key holding the layout's seasonalities. */
    public static final String SEASONALITIES_KEY = "presplit.prophet.seasonalities";
    /** Model metadata key holding sigma_obs (single form). */
    public static final String SIGMA_KEY = "presplit.prophet.sigma_obs";
    /** Code of the failure: ONNX bytes that are not a single-form Prophet graph. */
    public static final String NOT_PROPHET = "PROPHET_GRAPH_INVALID";

    /** The parameter inputs of the batched form, in order. */
    public static final List<String> PARAMETER_INPUTS =
        List.of(START, T_SCALE, Y_SCALE, FLOOR, K, M, DELTA, CHANGEPOINTS, BETA);
    /** The outputs, in order. */
    public static final List<String> OUTPUTS = List.of(TREND, SEASONAL, ADDITIVE_TERMS, MULTIPLICATIVE_TERMS, YHAT);

    private static final int DOUBLE = TensorProto.DataType.DOUBLE.getNumber();
    private static final int INT64 = TensorProto.DataType.INT64.getNumber();
    private static final int BOOL = TensorProto.DataType.BOOL.getNumber();
    private static final String BATCH = "batch";
    private static final String HORIZON = "horizon";

    private final List<Seasonality> seasonalities;
    private final int changepointCount;
    private final int columns;

    /**
     * @param seasonalities    the layout's seasonalities, in feature-column order (at least one).
     * @param changepointCount S, at least 1 (a model with fewer pads).
     */
    public ProphetGraph(final List<Seasonality> seasonalities, final int changepointCount) {
        if (seasonalities == null || seasonalities.isEmpty() || changepointCount < 1) {
            throw new IllegalArgumentException("invalid Prophet graph layout [seasonalities=" + seasonalities
                + ", changepointCount=" + changepointCount + "]");
        }
        this.seasonalities = List.copyOf(seasonalities);
        this.changepointCount = changepointCount;
        int width = 0;
        for (final Seasonality seasonality : seasonalities) {
            width += seasonality.columns();
        }
        this.columns = width;
    }

    /** The layout of {@code model}: its seasonalities and {@code max(1, S)} changepoints. */
    public static ProphetGraph of(final ProphetModel model) {
        return new ProphetGraph(model.seasonalities(), Math.max(1, model.changepointCount()));
    }

    /** The seasonalities, in feature-column order. */
    public List<Seasonality> seasonalities() {
        return seasonalities;
    }

    /** S. */
    public int changepointCount() {
        return changepointCount;
    }

    /** F. */
    public int columns() {
        return columns;
    }

    /** Whether {@code model} can be served by this graph: same seasonalities, at most S changepoints. */
    public boolean fits(final ProphetModel model) {
        return model.seasonalities().equals(seasonalities) && model.changepointCount() <= changepointCount;
    }

    /** The batched form, serialized. */
    public byte[] batched() {
        return build(null).toByteArray();
    }

    /** The single form for {@code model} (which must {@link #fits fit} the layout), serialized. */
    public byte[] single(final ProphetModel model) {
        if (!fits(model)) {
            throw new IllegalArgumentException("model does not fit the graph layout [model=" + model + ", layout="
                + this + "]");
        }
        return build(model).toByteArray();
    }

    /** What {@link OnnxModel} must find in the batched form. */
    public List<TensorSpec> batchedInputs() {
        final List<TensorSpec> specs = new ArrayList<>();
        specs.add(new TensorSpec(TIME, OnnxJavaType.DOUBLE, 1, TensorSpec.DYNAMIC));
        for (final String name : PARAMETER_INPUTS) {
            specs.add(new TensorSpec(name, OnnxJavaType.DOUBLE, TensorSpec.DYNAMIC, width(name)));
        }
        return specs;
    }

    /** What {@link OnnxModel} must find in the single form. */
    public static List<TensorSpec> singleInputs() {
        return List.of(new TensorSpec(TIME, OnnxJavaType.DOUBLE, 1, TensorSpec.DYNAMIC));
    }

    /** The outputs of the batched form. */
    public List<TensorSpec> outputs() {
        return outputs(TensorSpec.DYNAMIC);
    }

    /** The outputs of the single form: one row. */
    public List<TensorSpec> singleOutputs() {
        return outputs(1);
    }

    private List<TensorSpec> outputs(final long rows) {
        return List.of(
            new TensorSpec(TREND, OnnxJavaType.DOUBLE, rows, TensorSpec.DYNAMIC),
            new TensorSpec(SEASONAL, OnnxJavaType.DOUBLE, rows, TensorSpec.DYNAMIC, seasonalities.size()),
            new TensorSpec(ADDITIVE_TERMS, OnnxJavaType.DOUBLE, rows, TensorSpec.DYNAMIC),
            new TensorSpec(MULTIPLICATIVE_TERMS, OnnxJavaType.DOUBLE, rows, TensorSpec.DYNAMIC),
            new TensorSpec(YHAT, OnnxJavaType.DOUBLE, rows, TensorSpec.DYNAMIC));
    }

    /** Number of doubles per partition of parameter input {@code name}: 1, S or F. */
    public int width(final String name) {
        return switch (name) {
            case DELTA, CHANGEPOINTS -> changepointCount;
            case BETA -> columns;
            case START, T_SCALE, Y_SCALE, FLOOR, K, M -> 1;
            default -> throw new IllegalArgumentException("not a parameter input [name=" + name + "]");
        };
    }

    /**
     * Reads the model baked into a single-form graph (as {@link #single} wrote it).
     *
     * @param source what the bytes are, for error messages.
     * @throws PresplitException {@link #NOT_PROPHET} (category ERROR) if the bytes are not such a graph.
     */
    public static ProphetModel readModel(final String source, final byte[] onnx) {
        final ModelProto proto;
        try {
            proto = ModelProto.parseFrom(onnx);
        } catch (final InvalidProtocolBufferException ex) {
            throw notProphet(source, "not an ONNX model: " + ex.getMessage());
        }
        final Map<String, String> metadata = new HashMap<>();
        for (final OnnxMl.StringStringEntryProto entry : proto.getMetadataPropsList()) {
            metadata.put(entry.getKey(), entry.getValue());
        }
        final String layout = metadata.get(SEASONALITIES_KEY);
        if (layout == null) {
            throw notProphet(source, "no " + SEASONALITIES_KEY + " metadata");
        }
        final Map<String, double[]> values = new HashMap<>();
        for (final TensorProto tensor : proto.getGraph().getInitializerList()) {
            if (tensor.getDataType() == DOUBLE && tensor.getDimsCount() == 2 && tensor.getDims(0) == 1) {
                final double[] data = new double[tensor.getDoubleDataCount()];
                for (int i = 0; i < data.length; i++) {
                    data[i] = tensor.getDoubleData(i);
                }
                values.put(tensor.getName(), data);
            }
        }
        for (final String name : PARAMETER_INPUTS) {
            if (!values.containsKey(name)) {
                throw notProphet(source, "no parameter initializer '" + name + "'");
            }
        }
        try {
            return new ProphetModel(values.get(START)[0], values.get(T_SCALE)[0], values.get(Y_SCALE)[0],
                values.get(FLOOR)[0], values.get(K)[0], values.get(M)[0], values.get(DELTA),
                values.get(CHANGEPOINTS), values.get(BETA), Double.parseDouble(metadata.getOrDefault(SIGMA_KEY, "0")),
                parseLayout(layout));
        } catch (final IllegalArgumentException ex) {
            throw notProphet(source, ex.getMessage());
        }
    }

    @Override
    public String toString() {
        return "ProphetGraph[seasonalities=" + seasonalities + ", changepoints=" + changepointCount + "]";
    }

    /** {@code name:period:order:prior:mode,...}: the layout as text, for model metadata. */
    static String formatLayout(final List<Seasonality> seasonalities) {
        final StringBuilder text = new StringBuilder();
        for (final Seasonality s : seasonalities) {
            if (!text.isEmpty()) {
                text.append(',');
            }
            text.append(s.name()).append(':').append(s.periodDays()).append(':').append(s.fourierOrder())
                .append(':').append(s.priorScale()).append(':')
                .append(s.isMultiplicative() ? "multiplicative" : "additive");
        }
        return text.toString();
    }

    static List<Seasonality> parseLayout(final String text) {
        final List<Seasonality> out = new ArrayList<>();
        for (final String item : text.split(",")) {
            final String[] parts = item.split(":");
            if (parts.length != 5) {
                throw new IllegalArgumentException("malformed seasonality layout [layout=" + text + "]");
            }
            out.add(new Seasonality(parts[0], Double.parseDouble(parts[1]), Integer.parseInt(parts[2]),
                Double.parseDouble(parts[3]), "multiplicative".equals(parts[4].toLowerCase(Locale.ROOT))));
        }
        return out;
    }

    private ModelProto build(final ProphetModel model) {
        final int pairs = columns / 2;
        final int seasonCount = seasonalities.size();
        final double[] fourierScale = new double[pairs];
        final double[] fourierPeriod = new double[pairs];
        int pair = 0;
        for (int q = 0; q < seasonCount; q++) {
            final Seasonality s = seasonalities.get(q);
            for (int i = 1; i <= s.fourierOrder(); i++) {
                // (2.0 * i) * PI, then * td, then / P: Prophet's left-to-right order.
                fourierScale[pair] = 2.0 * i * Math.PI;
                fourierPeriod[pair] = s.periodDays();
                pair++;
            }
        }

        final GraphProto.Builder graph = GraphProto.newBuilder().setName("prophet");
        graph.addInput(valueInfo(TIME, 1, HORIZON));
        for (final String name : PARAMETER_INPUTS) {
            if (model == null) {
                graph.addInput(valueInfo(name, BATCH, width(name)));
            }
        }
        if (model != null) {
            final double[] delta = new double[changepointCount];
            final double[] changepoints = new double[changepointCount];
            final double[] beta = new double[columns];
            model.copyDelta(delta, 0);
            model.copyChangepoints(changepoints, 0);
            model.copyBeta(beta, 0);
            graph.addInitializer(doubles(START, new long[] {1, 1}, model.start()));
            graph.addInitializer(doubles(T_SCALE, new long[] {1, 1}, model.tScale()));
            graph.addInitializer(doubles(Y_SCALE, new long[] {1, 1}, model.yScale()));
            graph.addInitializer(doubles(FLOOR, new long[] {1, 1}, model.floor()));
            graph.addInitializer(doubles(K, new long[] {1, 1}, model.k()));
            graph.addInitializer(doubles(M, new long[] {1, 1}, model.m()));
            graph.addInitializer(doubles(DELTA, new long[] {1, changepointCount}, delta));
            graph.addInitializer(doubles(CHANGEPOINTS, new long[] {1, changepointCount}, changepoints));
            graph.addInitializer(doubles(BETA, new long[] {1, columns}, beta));
        }
        graph.addInitializer(doubles("seconds_per_day", new long[] {}, ProphetModel.SECONDS_PER_DAY));
        graph.addInitializer(doubles("one", new long[] {}, 1.0));
        graph.addInitializer(doubles("fourier_scale", new long[] {pairs}, fourierScale));
        graph.addInitializer(doubles("fourier_period", new long[] {pairs}, fourierPeriod));
        graph.addInitializer(doubles("zero", new long[] {}, 0.0));
        graph.addInitializer(longs("axis_0", 0));
        graph.addInitializer(longs("axis_1", 1));
        graph.addInitializer(longs("axis_2", 2));
        graph.addInitializer(longs("axis_3", 3));
        graph.addInitializer(longs("feature_shape", -1, columns));

        // Trend: t = (time - start) / t_scale; k t + m + Σ_s δ_s max(t - c_s, 0) (Prophet's k_t t + m_t, regrouped).
        // When every row's times lie at or past all its changepoints (a forecast: changepoints sit in the history)
        // the hinge is linear and the sum is t Σδ - Σ cδ, O(B (H + S)); otherwise the general hinge over
        // [B, H, S]. An If node picks the branch for the whole batch; both are exact.
        node(graph, "Sub", "time_since_start", TIME, START);
        node(graph, "Div", "t", "time_since_start", T_SCALE);
        reduce(graph, "ReduceMin", "first_t", "t");
        reduce(graph, "ReduceMax", "last_changepoint", CHANGEPOINTS);
        node(graph, "GreaterOrEqual", "is_row_past", "first_t", "last_changepoint");
        cast(graph, "row_past", "is_row_past", DOUBLE);
        graph.addNode(NodeProto.newBuilder().setOpType("ReduceMin").setName("all_past").addInput("row_past")
            .addOutput("all_past").addAttribute(intAttribute("keepdims", 0)));
        cast(graph, "is_all_past", "all_past", BOOL);

        final GraphProto.Builder past = GraphProto.newBuilder().setName("trend_past_changepoints");
        past.addNode(NodeProto.newBuilder().setOpType("ReduceSum").setName("delta_sum").addInput(DELTA)
            .addInput("axis_1").addOutput("delta_sum").addAttribute(intAttribute("keepdims", 1)));
        node(past, "Mul", "changepoint_delta", CHANGEPOINTS, DELTA);
        past.addNode(NodeProto.newBuilder().setOpType("ReduceSum").setName("changepoint_delta_sum")
            .addInput("changepoint_delta").addInput("axis_1").addOutput("changepoint_delta_sum")
            .addAttribute(intAttribute("keepdims", 1)));
        node(past, "Mul", "t_delta_sum", "t", "delta_sum");
        node(past, "Sub", "rate_changes_past", "t_delta_sum", "changepoint_delta_sum");
        past.addOutput(valueInfo("rate_changes_past", BATCH, HORIZON));

        final GraphProto.Builder general = GraphProto.newBuilder().setName("trend_hinge");
        node(general, "Unsqueeze", "t3", "t", "axis_2");
        node(general, "Unsqueeze", "changepoints3", CHANGEPOINTS, "axis_1");
        node(general, "Sub", "since_changepoint", "t3", "changepoints3");
        node(general, "Relu", "hinge", "since_changepoint");
        node(general, "Unsqueeze", "delta3", DELTA, "axis_2");
        node(general, "MatMul", "rate_changes3", "hinge", "delta3");
        general.addNode(NodeProto.newBuilder().setOpType("Squeeze").setName("rate_changes_hinge")
            .addInput("rate_changes3").addInput("axis_2").addOutput("rate_changes_hinge"));
        general.addOutput(valueInfo("rate_changes_hinge", BATCH, HORIZON));

        graph.addNode(NodeProto.newBuilder().setOpType("If").setName("rate_changes").addInput("is_all_past")
            .addOutput("rate_changes")
            .addAttribute(AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH)
                .setG(past))
            .addAttribute(AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH)
                .setG(general)));
        node(graph, "Mul", "k_t", K, "t");
        node(graph, "Add", "base_trend", "k_t", M);
        node(graph, "Add", "trend_scaled", "base_trend", "rate_changes");
        node(graph, "Mul", "trend_unfloored", "trend_scaled", Y_SCALE);
        node(graph, "Add", TREND, "trend_unfloored", FLOOR);

        // Fourier features, shared by every row (one time axis): td = time / 86400; x = (td * 2 i pi) / P;
        // columns sin, cos interleaved, transposed to [F, H].
        node(graph, "Div", "td", TIME, "seconds_per_day");
        node(graph, "Unsqueeze", "td3", "td", "axis_2");
        node(graph, "Mul", "phase_days", "td3", "fourier_scale");
        node(graph, "Div", "phase", "phase_days", "fourier_period");
        node(graph, "Sin", "sin", "phase");
        node(graph, "Cos", "cos", "phase");
        node(graph, "Unsqueeze", "sin4", "sin", "axis_3");
        node(graph, "Unsqueeze", "cos4", "cos", "axis_3");
        graph.addNode(NodeProto.newBuilder().setOpType("Concat").setName("sin_cos").addInput("sin4")
            .addInput("cos4").addOutput("sin_cos").addAttribute(AttributeProto.newBuilder().setName("axis")
                .setType(AttributeProto.AttributeType.INT).setI(3)));
        node(graph, "Reshape", "features", "sin_cos", "feature_shape");
        graph.addNode(NodeProto.newBuilder().setOpType("Transpose").setName("features_t").addInput("features")
            .addOutput("features_t").addAttribute(AttributeProto.newBuilder().setName("perm")
                .setType(AttributeProto.AttributeType.INTS).addInts(1).addInts(0)));

        // Components: per seasonality one GEMM, beta_q [B, F_q] x X_q [F_q, H]; additive ones scaled by y_scale;
        // the sums by Sum over [B, H] (a MatMul of [B, H, K] by a K-vector ran as B H tiny products: 60 % of a tick).
        final NodeProto.Builder concat = NodeProto.newBuilder().setOpType("Concat").setName(SEASONAL)
            .addOutput(SEASONAL).addAttribute(AttributeProto.newBuilder().setName("axis")
                .setType(AttributeProto.AttributeType.INT).setI(2));
        final NodeProto.Builder additiveSum = NodeProto.newBuilder().setOpType("Sum").setName(ADDITIVE_TERMS)
            .addOutput(ADDITIVE_TERMS);
        final NodeProto.Builder multiplicativeSum = NodeProto.newBuilder().setOpType("Sum")
            .setName(MULTIPLICATIVE_TERMS).addOutput(MULTIPLICATIVE_TERMS);
        // a zero [B, H] term keeps each Sum valid when one mode has no seasonality
        node(graph, "Mul", "zeros", "t", "zero");
        additiveSum.addInput("zeros");
        multiplicativeSum.addInput("zeros");
        int first = 0;
        for (int q = 0; q < seasonCount; q++) {
            final Seasonality s = seasonalities.get(q);
            final String name = "season_" + q;
            graph.addInitializer(longs(name + "_from", first));
            graph.addInitializer(longs(name + "_to", first + s.columns()));
            graph.addNode(NodeProto.newBuilder().setOpType("Slice").setName(name + "_beta").addInput(BETA)
                .addInput(name + "_from").addInput(name + "_to").addInput("axis_1").addOutput(name + "_beta"));
            graph.addNode(NodeProto.newBuilder().setOpType("Slice").setName(name + "_features")
                .addInput("features_t").addInput(name + "_from").addInput(name + "_to").addInput("axis_0")
                .addOutput(name + "_features"));
            final String component = name + "_component";
            if (s.isMultiplicative()) {
                node(graph, "MatMul", component, name + "_beta", name + "_features");
                multiplicativeSum.addInput(component);
            } else {
                node(graph, "MatMul", name + "_raw", name + "_beta", name + "_features");
                node(graph, "Mul", component, name + "_raw", Y_SCALE);
                additiveSum.addInput(component);
            }
            node(graph, "Unsqueeze", name, component, "axis_2");
            concat.addInput(name);
            first += s.columns();
        }
        graph.addNode(concat);
        graph.addNode(additiveSum);
        graph.addNode(multiplicativeSum);
        node(graph, "Add", "one_plus_multiplicative", "one", MULTIPLICATIVE_TERMS);
        node(graph, "Mul", "trend_multiplied", TREND, "one_plus_multiplicative");
        node(graph, "Add", YHAT, "trend_multiplied", ADDITIVE_TERMS);

        final Object rows = model == null ? BATCH : 1;
        graph.addOutput(valueInfo(TREND, rows, HORIZON));
        graph.addOutput(valueInfo(SEASONAL, rows, HORIZON, seasonCount));
        graph.addOutput(valueInfo(ADDITIVE_TERMS, rows, HORIZON));
        graph.addOutput(valueInfo(MULTIPLICATIVE_TERMS, rows, HORIZON));
        graph.addOutput(valueInfo(YHAT, rows, HORIZON));

        final ModelProto.Builder proto = ModelProto.newBuilder()
            .setIrVersion(8)
            .setProducerName("presplit")
            .setDomain("io.presplit.forecast.onnx.prophet")
            .setDocString(model == null ? "Prophet point forecast, batched parameters" : "Prophet point forecast")
            .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .addMetadataProps(entry(SEASONALITIES_KEY, formatLayout(seasonalities)))
            .setGraph(graph);
        if (model != null) {
            proto.addMetadataProps(entry(SIGMA_KEY, Double.toString(model.sigmaObs())));
        }
        return proto.build();
    }

    private static void node(final GraphProto.Builder graph, final String op, final String output,
        final String... inputs) {
        final NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output);
        for (final String input : inputs) {
            node.addInput(input);
        }
        graph.addNode(node);
    }

    /** {@code output = op(input)} over axis 1 of a rank-2 tensor, dropping it (opset 17: axes as an attribute). */
    private static void reduce(final GraphProto.Builder graph, final String op, final String output,
        final String input) {
        graph.addNode(NodeProto.newBuilder().setOpType(op).setName(output).addInput(input).addOutput(output)
            .addAttribute(AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                .addInts(1))
            .addAttribute(intAttribute("keepdims", 0)));
    }

    private static void cast(final GraphProto.Builder graph, final String output, final String input,
        final int type) {
        graph.addNode(NodeProto.newBuilder().setOpType("Cast").setName(output).addInput(input).addOutput(output)
            .addAttribute(intAttribute("to", type)));
    }

    private static AttributeProto intAttribute(final String name, final long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value)
            .build();
    }

    private static TensorProto doubles(final String name, final long[] dims, final double... values) {
        final TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(DOUBLE);
        for (final long dim : dims) {
            tensor.addDims(dim);
        }
        for (final double value : values) {
            tensor.addDoubleData(value);
        }
        return tensor.build();
    }

    private static TensorProto longs(final String name, final long... values) {
        final TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(INT64)
            .addDims(values.length);
        for (final long value : values) {
            tensor.addInt64Data(value);
        }
        return tensor.build();
    }

    /** A double tensor value info; each dimension a size (Integer) or a symbolic name (String). */
    private static ValueInfoProto valueInfo(final String name, final Object... dims) {
        final TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (final Object dim : dims) {
            final TensorShapeProto.Dimension.Builder dimension = TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof String symbol) {
                dimension.setDimParam(symbol);
            } else {
                dimension.setDimValue(((Number) dim).longValue());
            }
            shape.addDim(dimension);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
            TypeProto.Tensor.newBuilder().setElemType(DOUBLE).setShape(shape))).build();
    }

    private static OnnxMl.StringStringEntryProto entry(final String key, final String value) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static PresplitException notProphet(final String source, final String reason) {
        return new PresplitException(Category.ERROR, NOT_PROPHET, "not a single-form Prophet graph [source=" + source
            + ", reason=" + reason + "]");
    }
}
