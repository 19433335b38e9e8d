package io.presplit.forecast.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes tiny but valid ONNX models by hand, as protobuf bytes, so that tests can give the loader models with a
 * chosen I/O contract without a Python toolchain or the ONNX protobuf classes.
 * <p>
 * Field numbers are those of {@code onnx/onnx.proto}: ModelProto (ir_version 1, producer_name 2, graph 7,
 * opset_import 8), OperatorSetIdProto (version 2), GraphProto (node 1, name 2, input 11, output 12), NodeProto
 * (input 1, output 2, op_type 4, attribute 5), AttributeProto (name 1, ints 8, type 20), ValueInfoProto (name 1,
 * type 2), TypeProto (tensor_type 1), TypeProto.Tensor (elem_type 1, shape 2), TensorShapeProto (dim 1),
 * Dimension (dim_value 1, dim_param 2).
 */
final class TinyOnnx {
    /** TensorProto.DataType FLOAT. */
    static final int FLOAT = 1;
    /** TensorProto.DataType DOUBLE. */
    static final int DOUBLE = 11;
    /** A dimension written as {@code dim_param "batch"}. */
    static final long BATCH = -1;

    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int ATTRIBUTE_TYPE_INTS = 7;

    private TinyOnnx() {
    }

    /** {@code output = Identity(input)}, both of element type {@code elemType} and shape {@code dims}. */
    static byte[] identity(final int elemType, final long... dims) {
        final byte[] node = new Message()
            .string(1, "input").string(2, "output").string(4, "Identity").bytes();
        return model(11, graph(node, valueInfo("input", elemType, dims), valueInfo("output", elemType, dims)));
    }

    /**
     * {@code output = Squeeze(input, axes=[2])}: input float {@code [batch, window, 1]}, output float
     * {@code [batch, window]}. Served as an LSTM, it forecasts the normalized window itself.
     */
    static byte[] squeeze(final long window) {
        final byte[] axes = new Message().string(1, "axes").varint(8, 2).varint(20, ATTRIBUTE_TYPE_INTS).bytes();
        final byte[] node = new Message()
            .string(1, "input").string(2, "output").string(4, "Squeeze").message(5, axes).bytes();
        return model(11, graph(node,
            valueInfo("input", FLOAT, BATCH, window, 1), valueInfo("output", FLOAT, BATCH, window)));
    }

    private static byte[] model(final long opset, final byte[] graph) {
        final byte[] opsetImport = new Message().varint(2, opset).bytes();
        return new Message()
            .varint(1, 7)
            .string(2, "presplit-test")
            .message(7, graph)
            .message(8, opsetImport)
            .bytes();
    }

    private static byte[] graph(final byte[] node, final byte[] input, final byte[] output) {
        return new Message().message(1, node).string(2, "tiny").message(11, input).message(12, output).bytes();
    }

    private static byte[] valueInfo(final String name, final int elemType, final long... dims) {
        final Message shape = new Message();
        for (final long dim : dims) {
            final Message dimension = dim == BATCH ? new Message().string(2, "batch") : new Message().varint(1, dim);
            shape.message(1, dimension.bytes());
        }
        final byte[] tensorType = new Message().varint(1, elemType).message(2, shape.bytes()).bytes();
        final byte[] type = new Message().message(1, tensorType).bytes();
        return new Message().string(1, name).message(2, type).bytes();
    }

    /** A protobuf message being written: fields in call order. */
    private static final class Message {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Message varint(final int field, final long value) {
            writeVarint((long) field << 3 | VARINT);
            writeVarint(value);
            return this;
        }

        Message string(final int field, final String value) {
            return message(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Message message(final int field, final byte[] value) {
            writeVarint((long) field << 3 | LENGTH_DELIMITED);
            writeVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void writeVarint(final long value) {
            long v = value;
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
