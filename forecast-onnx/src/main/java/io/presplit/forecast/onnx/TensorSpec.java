package io.presplit.forecast.onnx;

import ai.onnxruntime.OnnxJavaType;

import java.util.Arrays;

/**
 * What a caller expects of one model input or output: its name, element type and shape.
 * <p>
 * Each dimension is either an exact size ({@code > 0}), {@link #DYNAMIC} (the model must leave it free, as a batch
 * dimension is) or {@link #FIXED} (the model must fix it to some positive size, which the caller reads back from
 * {@link OnnxModel#inputShape(String)}). Immutable.
 */
public final class TensorSpec {
    /** The model must leave this dimension free: symbolic (a {@code dim_param}) or unknown. */
    public static final long DYNAMIC = -1;
    /** The model must fix this dimension to a positive size; any size is accepted. */
    public static final long FIXED = -2;

    private final String name;
    private final OnnxJavaType type;
    private final long[] dims;

    /**
     * @param name the input or output name in the graph.
     * @param type the element type, e.g. {@link OnnxJavaType#FLOAT} for float32.
     * @param dims one entry per dimension: a size, {@link #DYNAMIC} or {@link #FIXED}.
     */
    public TensorSpec(final String name, final OnnxJavaType type, final long... dims) {
        if (name == null || name.isEmpty() || type == null || dims == null) {
            throw new IllegalArgumentException(
                "invalid tensor spec [name=" + name + ", type=" + type + ", dims=" + Arrays.toString(dims) + "]");
        }
        for (final long dim : dims) {
            if (dim < 1 && dim != DYNAMIC && dim != FIXED) {
                throw new IllegalArgumentException(
                    "invalid tensor spec dimension [name=" + name + ", dims=" + Arrays.toString(dims) + "]");
            }
        }
        this.name = name;
        this.type = type;
        this.dims = dims.clone();
    }

    /** The input or output name. */
    public String name() {
        return name;
    }

    /** The element type. */
    public OnnxJavaType type() {
        return type;
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** The expected dimension {@code index}: a size, {@link #DYNAMIC} or {@link #FIXED}. */
    public long dim(final int index) {
        return dims[index];
    }

    /** {@code name float32[batch, FIXED, 1]}-style text for error messages. */
    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder(name).append(' ').append(type).append('[');
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                text.append(", ");
            }
            final long dim = dims[i];
            text.append(dim == DYNAMIC ? "dynamic" : dim == FIXED ? "fixed" : Long.toString(dim));
        }
        return text.append(']').toString();
    }
}
