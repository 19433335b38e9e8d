package io.presplit.storage;

import io.presplit.storage.log.RecordFlyweight;
import io.presplit.storage.log.RecordVisitor;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Count, sum, min, max and mean of one field's values in the records it is shown: the result of
 * {@link PartitionReader#aggregate}. Reusable: {@link #reset(int)} between queries, naming the field (an index into
 * {@link PartitionStore#fields()}, resolved once by the caller).
 * <p>
 * Algorithm: the field's values are copied into a batch of {@link #BATCH_LENGTH} doubles (records are variable-length,
 * so the values are not contiguous in the segment); each full batch, and the rest at {@link #finish()}, is reduced with
 * the Vector API ({@link DoubleVector#SPECIES_PREFERRED}: blocks of four vectors combined lane-wise by add, min and
 * max, then one lane reduction each per block, no vector carried across iterations), with a scalar tail. The
 * scalar mode reduces the same batches one value at a time, as the reference and the benchmark's baseline. Sums in
 * the two modes differ by floating-point reassociation only.
 * <p>
 * Threading: one thread at a time (the reader's). Allocation-free after construction.
 */
public final class RangeAggregate implements RecordVisitor {
    /** Values per reduction batch. */
    public static final int BATCH_LENGTH = 1024;

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    /** Vectors combined per block before one reduction each of sum, min and max. */
    private static final int UNROLL = 4;

    private final double[] batch = new double[BATCH_LENGTH];
    private final boolean isVectorized;
    // The last vector reduction's results (reduceVectors returns three values without allocating).
    private double reducedSum;
    private double reducedMin;
    private double reducedMax;
    /** The field aggregated: value {@code fieldIndex} of each record. */
    private int fieldIndex;
    private int batchSize;
    private long count;
    private double sum;
    private double min;
    private double max;

    /**
     * @param isVectorized {@code true} to reduce with the Vector API, {@code false} for the scalar reference.
     */
    public RangeAggregate(final boolean isVectorized) {
        this.isVectorized = isVectorized;
        reset();
    }

    /** Clears the result; the field stays the one last chosen (field 0 at first). */
    public void reset() {
        reset(fieldIndex);
    }

    /**
     * Clears the result and chooses the field to aggregate. The index is not checked here (the reader checks it
     * against the store's fields; {@link #add} callers choose their own values).
     */
    public void reset(final int fieldIndex) {
        this.fieldIndex = fieldIndex;
        batchSize = 0;
        count = 0;
        sum = 0;
        min = Double.POSITIVE_INFINITY;
        max = Double.NEGATIVE_INFINITY;
    }

    @Override
    public void onRecord(final long partitionId, final RecordFlyweight record) {
        add(record.value(fieldIndex));
    }

    /** Adds one value. */
    public void add(final double value) {
        batch[batchSize++] = value;
        if (batchSize == BATCH_LENGTH) {
            flush();
        }
    }

    /** Reduces the pending batch; call before reading the result. */
    public void finish() {
        if (batchSize > 0) {
            flush();
        }
    }

    /** The field aggregated (its index in the store's fields). */
    public int fieldIndex() {
        return fieldIndex;
    }

    /** Number of values. */
    public long count() {
        return count;
    }

    /** Sum of the values; 0 when none. */
    public double sum() {
        return sum;
    }

    /** Smallest value; {@link Double#NaN} when none. */
    public double min() {
        return count == 0 ? Double.NaN : min;
    }

    /** Largest value; {@link Double#NaN} when none. */
    public double max() {
        return count == 0 ? Double.NaN : max;
    }

    /** Mean of the values; {@link Double#NaN} when none. */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * The Vector API loop on its own, small enough that C2 compiles it as one unit with every vector operation
     * intrinsified: inlined into a large caller, a failed inline leaves vectors boxed (about 40 bytes a value).
     * <p>
     * No vector is carried from one iteration to the next: each block of {@value #UNROLL} vectors is combined as a
     * tree and reduced to scalars inside its iteration, and only the three scalars are loop-carried (then one vector
     * per iteration up to {@code bound}). A loop-carried vector is a vector loop phi, which C2 must be able to rebuild
     * as a heap object (at an on-stack-replacement entry, or where a polluted profile leaves a path it did not
     * intrinsify); a full test run once saw this loop allocate 40 bytes a value for 30 s, as the load history's window
     * loops did before they were written this way (docs/ARCHITECTURE.md, "Profiler, sixth pass").
     */
    private void reduceVectors(final double[] values, final int bound) {
        final int lanes = SPECIES.length();
        final int blockDoubles = lanes * UNROLL;
        final int blockEnd = bound - bound % blockDoubles;
        double s = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int i = 0;
        for (; i < blockEnd; i += blockDoubles) {
            final DoubleVector v0 = DoubleVector.fromArray(SPECIES, values, i);
            final DoubleVector v1 = DoubleVector.fromArray(SPECIES, values, i + lanes);
            final DoubleVector v2 = DoubleVector.fromArray(SPECIES, values, i + 2 * lanes);
            final DoubleVector v3 = DoubleVector.fromArray(SPECIES, values, i + 3 * lanes);
            s += v0.add(v1).add(v2.add(v3)).reduceLanes(VectorOperators.ADD);
            lo = Math.min(lo, v0.min(v1).min(v2.min(v3)).reduceLanes(VectorOperators.MIN));
            hi = Math.max(hi, v0.max(v1).max(v2.max(v3)).reduceLanes(VectorOperators.MAX));
        }
        for (; i < bound; i += lanes) {
            final DoubleVector v = DoubleVector.fromArray(SPECIES, values, i);
            s += v.reduceLanes(VectorOperators.ADD);
            lo = Math.min(lo, v.reduceLanes(VectorOperators.MIN));
            hi = Math.max(hi, v.reduceLanes(VectorOperators.MAX));
        }
        reducedSum = s;
        reducedMin = lo;
        reducedMax = hi;
    }

    private void flush() {
        final double[] values = batch;
        final int size = batchSize;
        if (isVectorized) {
            final int bound = SPECIES.loopBound(size);
            double batchSum = 0;
            double batchMin = Double.POSITIVE_INFINITY;
            double batchMax = Double.NEGATIVE_INFINITY;
            if (bound > 0) {
                reduceVectors(values, bound);
                batchSum = reducedSum;
                batchMin = reducedMin;
                batchMax = reducedMax;
            }
            // Scalar tail.
            for (int i = bound; i < size; i++) {
                final double v = values[i];
                batchSum += v;
                batchMin = Math.min(batchMin, v);
                batchMax = Math.max(batchMax, v);
            }
            sum += batchSum;
            min = Math.min(min, batchMin);
            max = Math.max(max, batchMax);
        } else {
            double s = sum;
            double lo = min;
            double hi = max;
            for (int i = 0; i < size; i++) {
                final double v = values[i];
                s += v;
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            sum = s;
            min = lo;
            max = hi;
        }
        count += size;
        batchSize = 0;
    }
}
