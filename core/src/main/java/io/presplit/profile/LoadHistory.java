package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Per-partition load series, one row per tick, kept off-heap in columns, with vectorized window aggregation.
 * <p>
 * Layout (native-order float64, one segment per column, each slot's series contiguous so a window is at most two
 * contiguous spans of the ring):
 * <table>
 *   <caption>columns</caption>
 *   <tr><th>column</th><th>shape</th><th>meaning</th></tr>
 *   <tr><td>series[r]</td><td>[slotCapacity][ticksRetained]</td>
 *       <td>load of resource r in each tick; tick t at index t mod ticksRetained</td></tr>
 *   <tr><td>buckets</td><td>[slotCapacity][BUCKET_COUNT]</td>
 *       <td>ingest points per key bucket, exponentially decayed per tick (the split-point signal)</td></tr>
 * </table>
 * Per slot, {@link #length(int)} counts the valid ticks (at most {@code ticksRetained}).
 * <p>
 * Threading: one writer (the profiler, which also runs the coordinator's seeding on the control thread in this
 * version); {@link #completeTick()} publishes a row with a release store of the tick count, and readers on other
 * threads read the tick count first. Window queries allocate nothing.
 * <p>
 * NaN rule: recorded load is a count and never NaN; if a caller seeds NaN, sums and maxima propagate it
 * (IEEE 754 and {@link Math#max} semantics).
 * <p>
 * This version keeps the history in memory for the process lifetime; the memory-mapped, rolled-up history is
 * tracked in the profiler issue.
 */
public final class LoadHistory implements AutoCloseable {
    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final int RESOURCE_COUNT = Resource.VALUES.length;

    private final int slotCapacity;
    private final int ticksRetained;
    private final double bucketDecay;
    private final Arena arena;
    private final MemorySegment[] series;
    private final MemorySegment buckets;
    private final int[] lengths;
    private volatile long tickCount;

    /**
     * @param slotCapacity  number of partition slots.
     * @param ticksRetained ticks kept per slot (the ring length).
     * @param bucketDecay   per-tick decay of the bucket loads, in (0, 1).
     */
    public LoadHistory(final int slotCapacity, final int ticksRetained, final double bucketDecay) {
        if (slotCapacity < 1 || ticksRetained < 1 || !(bucketDecay > 0 && bucketDecay < 1)) {
            throw new IllegalArgumentException("invalid load history shape [slotCapacity=" + slotCapacity
                + ", ticksRetained=" + ticksRetained + ", bucketDecay=" + bucketDecay + "]");
        }
        this.slotCapacity = slotCapacity;
        this.ticksRetained = ticksRetained;
        this.bucketDecay = bucketDecay;
        this.arena = Arena.ofShared();
        this.series = new MemorySegment[RESOURCE_COUNT];
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            series[r] = arena.allocate((long) slotCapacity * ticksRetained * Double.BYTES, 64);
        }
        this.buckets = arena.allocate((long) slotCapacity * KeySpace.BUCKET_COUNT * Double.BYTES, 64);
        this.lengths = new int[slotCapacity];
    }

    /** Number of completed ticks. */
    public long tickCount() {
        return tickCount;
    }

    /** Ticks kept per slot. */
    public int ticksRetained() {
        return ticksRetained;
    }

    /** Number of slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** Valid ticks of history for {@code slot}, at most {@link #ticksRetained()}. */
    public int length(final int slot) {
        return lengths[slot];
    }

    /**
     * Writes the row of the tick in progress for {@code slot}. Writer thread only. Allocation-free.
     *
     * @param bucketPoints ingest points per key bucket in this tick (length {@link KeySpace#BUCKET_COUNT}).
     */
    public void writeRow(
        final int slot, final double points, final double bytes, final double queryCost, final long[] bucketPoints) {
        final long index = rowIndex(slot, tickCount);
        series[Resource.INGEST_POINTS.ordinal()].setAtIndex(DOUBLE, index, points);
        series[Resource.INGEST_BYTES.ordinal()].setAtIndex(DOUBLE, index, bytes);
        series[Resource.QUERY_COST.ordinal()].setAtIndex(DOUBLE, index, queryCost);
        final long bucketBase = (long) slot * KeySpace.BUCKET_COUNT;
        final double decay = bucketDecay;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            final double decayed = buckets.getAtIndex(DOUBLE, bucketBase + b) * decay;
            buckets.setAtIndex(DOUBLE, bucketBase + b, decayed + bucketPoints[b]);
        }
        if (lengths[slot] < ticksRetained) {
            lengths[slot]++;
        }
    }

    /** Publishes the rows written since the last call as one completed tick. Writer thread only. */
    public void completeTick() {
        tickCount = tickCount + 1;
    }

    /**
     * Load of {@code resource} in {@code slot}, {@code ticksAgo} ticks before the latest completed tick
     * (0 = the latest).
     */
    public double value(final Resource resource, final int slot, final int ticksAgo) {
        if (ticksAgo >= lengths[slot]) {
            throw new IllegalArgumentException(
                "tick out of history [slot=" + slot + ", ticksAgo=" + ticksAgo + ", length=" + lengths[slot] + "]");
        }
        return series[resource.ordinal()].getAtIndex(DOUBLE, rowIndex(slot, tickCount - 1 - ticksAgo));
    }

    /**
     * Copies the last {@code count} ticks of {@code slot}, oldest first, into {@code out[0..count)}.
     * Allocation-free.
     */
    public void copySeries(final Resource resource, final int slot, final int count, final double[] out) {
        checkWindow(slot, count);
        final MemorySegment column = series[resource.ordinal()];
        final long first = tickCount - count;
        for (int i = 0; i < count; i++) {
            out[i] = column.getAtIndex(DOUBLE, rowIndex(slot, first + i));
        }
    }

    /** Sum of the last {@code window} ticks of {@code slot}. Vectorized, allocation-free. */
    public double windowSum(final Resource resource, final int slot, final int window) {
        return aggregate(resource, slot, window, false);
    }

    /** Maximum of the last {@code window} ticks of {@code slot}. Vectorized, allocation-free. */
    public double windowMax(final Resource resource, final int slot, final int window) {
        return aggregate(resource, slot, window, true);
    }

    /** Mean of the last {@code window} ticks of {@code slot}. */
    public double windowMean(final Resource resource, final int slot, final int window) {
        return windowSum(resource, slot, window) / window;
    }

    /** Decayed ingest points of {@code slot} in key bucket {@code bucket}. */
    public double bucketLoad(final int slot, final int bucket) {
        return buckets.getAtIndex(DOUBLE, (long) slot * KeySpace.BUCKET_COUNT + bucket);
    }

    /**
     * Starts the history of a split child as {@code share} of its parent's, so that its forecasts do not start
     * cold; its bucket loads start uniform over the child's share. Control thread; cold path.
     */
    public void seedFromParent(final int childSlot, final int parentSlot, final double share) {
        clear(childSlot);
        final int length = lengths[parentSlot];
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            final MemorySegment column = series[r];
            for (int i = 0; i < length; i++) {
                final long tick = tickCount - 1 - i;
                column.setAtIndex(DOUBLE, rowIndex(childSlot, tick),
                    column.getAtIndex(DOUBLE, rowIndex(parentSlot, tick)) * share);
            }
        }
        double parentBuckets = 0;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            parentBuckets += bucketLoad(parentSlot, b);
        }
        final double perBucket = parentBuckets * share / KeySpace.BUCKET_COUNT;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            buckets.setAtIndex(DOUBLE, (long) childSlot * KeySpace.BUCKET_COUNT + b, perBucket);
        }
        lengths[childSlot] = length;
    }

    /**
     * Starts the history of a merged partition as the sum of its two parents' histories over the ticks both
     * have; bucket loads start uniform. Control thread; cold path.
     */
    public void seedFromMerge(final int mergedSlot, final int leftSlot, final int rightSlot) {
        clear(mergedSlot);
        final int length = Math.min(lengths[leftSlot], lengths[rightSlot]);
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            final MemorySegment column = series[r];
            for (int i = 0; i < length; i++) {
                final long tick = tickCount - 1 - i;
                column.setAtIndex(DOUBLE, rowIndex(mergedSlot, tick),
                    column.getAtIndex(DOUBLE, rowIndex(leftSlot, tick))
                        + column.getAtIndex(DOUBLE, rowIndex(rightSlot, tick)));
            }
        }
        double total = 0;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            total += bucketLoad(leftSlot, b) + bucketLoad(rightSlot, b);
        }
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            buckets.setAtIndex(DOUBLE, (long) mergedSlot * KeySpace.BUCKET_COUNT + b, total / KeySpace.BUCKET_COUNT);
        }
        lengths[mergedSlot] = length;
    }

    /** Forgets the history of {@code slot}. Control thread; cold path. */
    public void clear(final int slot) {
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            series[r].asSlice((long) slot * ticksRetained * Double.BYTES, (long) ticksRetained * Double.BYTES)
                .fill((byte) 0);
        }
        buckets.asSlice((long) slot * KeySpace.BUCKET_COUNT * Double.BYTES, KeySpace.BUCKET_COUNT * Double.BYTES)
            .fill((byte) 0);
        lengths[slot] = 0;
    }

    /** Frees the columns. Safe to call twice. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
        Arrays.fill(lengths, 0);
    }

    private double aggregate(final Resource resource, final int slot, final int window, final boolean isMax) {
        checkWindow(slot, window);
        final MemorySegment column = series[resource.ordinal()];
        final long slotBase = (long) slot * ticksRetained;
        final int end = (int) ((tickCount - 1) % ticksRetained);
        final int start = end - window + 1;
        if (start >= 0) {
            return span(column, slotBase + start, window, isMax);
        }
        final double tail = span(column, slotBase + ticksRetained + start, -start, isMax);
        final double head = span(column, slotBase, end + 1, isMax);
        return isMax ? Math.max(tail, head) : tail + head;
    }

    /** Sum or max of {@code count} doubles from element index {@code first}, Vector API main loop, scalar tail. */
    private static double span(final MemorySegment column, final long first, final int count, final boolean isMax) {
        final int lanes = SPECIES.length();
        final int vectorCount = count - count % lanes;
        final long firstByte = first * Double.BYTES;
        final ByteOrder order = ByteOrder.nativeOrder();
        double result;
        int i = 0;
        if (isMax) {
            result = Double.NEGATIVE_INFINITY;
            if (vectorCount > 0) {
                DoubleVector acc = DoubleVector.broadcast(SPECIES, Double.NEGATIVE_INFINITY);
                for (; i < vectorCount; i += lanes) {
                    acc = acc.max(DoubleVector.fromMemorySegment(SPECIES, column, firstByte + (long) i * Double.BYTES,
                        order));
                }
                result = acc.reduceLanes(VectorOperators.MAX);
            }
            for (; i < count; i++) {
                result = Math.max(result, column.getAtIndex(DOUBLE, first + i));
            }
        } else {
            result = 0;
            if (vectorCount > 0) {
                DoubleVector acc = DoubleVector.zero(SPECIES);
                for (; i < vectorCount; i += lanes) {
                    acc = acc.add(DoubleVector.fromMemorySegment(SPECIES, column, firstByte + (long) i * Double.BYTES,
                        order));
                }
                result = acc.reduceLanes(VectorOperators.ADD);
            }
            for (; i < count; i++) {
                result += column.getAtIndex(DOUBLE, first + i);
            }
        }
        return result;
    }

    private long rowIndex(final int slot, final long tick) {
        return (long) slot * ticksRetained + (int) (tick % ticksRetained);
    }

    private void checkWindow(final int slot, final int window) {
        if (window < 1 || window > lengths[slot]) {
            throw new IllegalArgumentException(
                "window outside the history [slot=" + slot + ", window=" + window + ", length=" + lengths[slot] + "]");
        }
    }
}
