package io.presplit.forecast.onnx.lstm;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes an {@link LstmNetwork} as an ONNX model that ONNX Runtime serves, with ONNX's own LSTM operator.
 * <p>
 * The graph (opset {@value #OPSET}, IR version {@value #IR_VERSION}), for {@code h} hidden units:
 * <pre>
 *   input   float[batch, W, F]                                   the normalized window, oldest first
 *   x_seq   = Transpose(input, perm=[1, 0, 2])                   [W, batch, F]: the LSTM's sequence-major layout
 *   _, y_h  = LSTM(x_seq, lstm_W, lstm_R, lstm_B, hidden_size=h) [1, batch, h]: the last hidden state
 *   h_last  = Squeeze(y_h, axes=[0])                             [batch, h]
 *   x_flat  = Reshape(input, [0, -1])                            [batch, W·F]      (skip only)
 *   feats   = Concat(h_last, x_flat, axis=1)                     [batch, h + W·F]  (skip only)
 *   output  = Gemm(feats, head0_weight, head0_bias, transB=1)    [batch, H]: quantile 0, the point forecast
 *   output_p90 = Gemm(feats, head1_weight, head1_bias, transB=1) [batch, H]: further quantile heads, if any
 * </pre>
 * Weights are the network's parameters rounded to float32. The input is the contract of
 * {@code io.presplit.forecast.onnx.LstmForecaster}: normalization stays outside the graph, so the same file serves
 * PyTorch exports and ours. Metadata properties record the shape and the normalization. Cold path.
 */
public final class LstmOnnxExport {
    /** The ONNX opset the graph uses (Squeeze takes its axes as an input from 13 on). */
    public static final int OPSET = 14;
    /** The ONNX IR version written. */
    public static final int IR_VERSION = 7;
    /** The model's input name. */
    public static final String INPUT_NAME = "input";
    /** The normalization the graph expects its caller to apply, as recorded in the metadata. */
    public static final String NORMALIZATION = "per-window z-score: (x - mean) / max(population std, 1e-6)";

    private LstmOnnxExport() {
    }

    /** The ONNX model bytes of {@code network}; {@code producer} names what made it. */
    public static byte[] toBytes(final LstmNetwork network, final String producer) {
        final LstmConfig config = network.config();
        final int h = config.hidden();
        final int gates = 4 * h;
        final int f = config.features();
        final int w = config.window();
        final int horizon = config.horizon();
        final int d = config.headInputs();
        final double[] p = network.parameters();

        final GraphProto.Builder graph = GraphProto.newBuilder().setName("presplit_lstm");
        graph.addInput(valueInfo(INPUT_NAME, -1, w, f));
        graph.addInitializer(floats("lstm_W", p, network.wOffset(), 1, gates, f));
        graph.addInitializer(floats("lstm_R", p, network.rOffset(), 1, gates, h));
        graph.addInitializer(floats("lstm_B", p, network.biasOffset(), 1, 2 * gates));
        graph.addInitializer(longs("squeeze_axes", 0L));
        graph.addNode(node("Transpose", new String[] {INPUT_NAME}, new String[] {"x_seq"})
            .addAttribute(ints("perm", 1, 0, 2)));
        graph.addNode(node("LSTM", new String[] {"x_seq", "lstm_W", "lstm_R", "lstm_B"}, new String[] {"", "y_h"})
            .addAttribute(AttributeProto.newBuilder().setName("hidden_size").setType(AttributeProto.AttributeType.INT)
                .setI(h)));
        graph.addNode(node("Squeeze", new String[] {"y_h", "squeeze_axes"}, new String[] {"h_last"}));
        String features = "h_last";
        if (config.hasSkip()) {
            graph.addInitializer(longs("flat_shape", 0L, -1L));
            graph.addNode(node("Reshape", new String[] {INPUT_NAME, "flat_shape"}, new String[] {"x_flat"}));
            graph.addNode(node("Concat", new String[] {"h_last", "x_flat"}, new String[] {"feats"})
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                    .setI(1)));
            features = "feats";
        }
        for (int q = 0; q < config.quantileCount(); q++) {
            final String weight = "head" + q + "_weight";
            final String bias = "head" + q + "_bias";
            graph.addInitializer(floats(weight, p, network.headOffset() + q * horizon * d, horizon, d));
            graph.addInitializer(floats(bias, p, network.headBiasOffset() + q * horizon, horizon));
            graph.addNode(node("Gemm", new String[] {features, weight, bias}, new String[] {config.outputName(q)})
                .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT)
                    .setI(1)));
            graph.addOutput(valueInfo(config.outputName(q), -1, horizon));
        }

        final ModelProto.Builder model = ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .setProducerName(producer)
            .setDomain("io.presplit")
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setGraph(graph);
        model.addMetadataProps(property("presplit.kind", "lstm"));
        model.addMetadataProps(property("presplit.config", config.toString()));
        model.addMetadataProps(property("presplit.normalization", NORMALIZATION));
        return model.build().toByteArray();
    }

    private static NodeProto.Builder node(final String op, final String[] inputs, final String[] outputs) {
        final NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(outputs[outputs.length - 1]);
        for (final String in : inputs) {
            node.addInput(in);
        }
        for (final String out : outputs) {
            node.addOutput(out);
        }
        return node;
    }

    private static AttributeProto ints(final String name, final long... values) {
        final AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
            .setType(AttributeProto.AttributeType.INTS);
        for (final long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    /** A float32 initializer from {@code values[offset..)} with shape {@code dims}, little-endian raw data. */
    private static TensorProto floats(final String name, final double[] values, final int offset, final int... dims) {
        int count = 1;
        final TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
            .setDataType(TensorProto.DataType.FLOAT.getNumber());
        for (final int dim : dims) {
            tensor.addDims(dim);
            count *= dim;
        }
        final ByteBuffer raw = ByteBuffer.allocate(count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            raw.putFloat((float) values[offset + i]);
        }
        return tensor.setRawData(ByteString.copyFrom(raw.array())).build();
    }

    private static TensorProto longs(final String name, final long... values) {
        final TensorProto.Builder tensor = TensorProto.newBuilder().setName(name)
            .setDataType(TensorProto.DataType.INT64.getNumber()).addDims(values.length);
        for (final long v : values) {
            tensor.addInt64Data(v);
        }
        return tensor.build();
    }

    /** A float tensor's value info; a negative dimension is the symbolic {@code batch}. */
    private static ValueInfoProto valueInfo(final String name, final long... dims) {
        final TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (final long dim : dims) {
            shape.addDim(dim < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                : TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        final TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    private static StringStringEntryProto property(final String key, final String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
