package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Where {@link LoadRecorder#recordIngest}'s nanoseconds go: the record built up piece by piece over the same
 * uniform slot/bucket sequence, each variant adding one piece to the previous one: the harness alone (the index and
 * the two sequence loads every variant pays), one add to the slot's points, points and bytes, the bucket word, the
 * dirty flag (= {@code recordIngest}); and the record as it was before the bucket took a plain add (a masked,
 * carry-free field update). No hardware counters in this VM, so subtraction of neighbours is the profile. One thread;
 * run with {@code -prof gc}. {@code recordIngestSplitLines} prices a layout not built: points and bytes in a dense
 * region of their own (16 bytes a slot), the bucket words where they are, so that a profiler tick that folds no
 * bucket counts would read a quarter line per slot and stripe instead of a line (docs/ARCHITECTURE.md, "Profiler,
 * eighth pass"). {@code recordIngestEpochFlag} prices another: the flag stores the fold's epoch, read from a shared
 * line on each record, so that the profiler could read flags without locked takes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
@State(Scope.Thread)
public class LoadRecorderCostBenchmark {
    private static final VarHandle COUNTER = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    private static final VarHandle FLAG = ValueLayout.JAVA_BYTE.varHandle();
    private static final int SEQUENCE_LENGTH = 4096;

    @Param({"1024", "1048576"})
    int slots;

    LoadRecorder recorder;
    MemorySegment memory;
    long stripeLength;
    long ingestDirtyOffset;
    int stripe;
    int[] slotSequence;
    int[] bucketSequence;
    int index;
    /** Points and bytes of every slot, 16 bytes each, for {@link #recordIngestSplitLines}. */
    MemorySegment pointsAndBytes;
    /** The fold's epoch, a byte in a line of its own, for {@link #recordIngestEpochFlag}. */
    MemorySegment epoch;
    Arena arena;

    @Setup(Level.Trial)
    public void setUp() {
        recorder = new LoadRecorder(1, slots);
        memory = recorder.counters().segment();
        stripeLength = recorder.counters().stripeLengthBytes();
        ingestDirtyOffset = LoadRecorderDescriptor.ingestDirtyOffset(slots);
        stripe = recorder.claimStripe();
        final SplittableRandom random = new SplittableRandom(42);
        slotSequence = new int[SEQUENCE_LENGTH];
        bucketSequence = new int[SEQUENCE_LENGTH];
        for (int i = 0; i < SEQUENCE_LENGTH; i++) {
            slotSequence[i] = random.nextInt(slots);
            bucketSequence[i] = random.nextInt(KeySpace.BUCKET_COUNT);
        }
        arena = Arena.ofShared();
        pointsAndBytes = arena.allocate((long) slots * 2 * Long.BYTES, 64);
        epoch = arena.allocate(64, 64);
        epoch.set(ValueLayout.JAVA_BYTE, 0, (byte) 7);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        recorder.close();
        arena.close();
    }

    /** The harness only: the next index and the two sequence loads. */
    @Benchmark
    public long harness() {
        final int i = next();
        return slotSequence[i] + bucketSequence[i];
    }

    /** One plain add to the slot's points. */
    @Benchmark
    public void points() {
        final int i = next();
        final long base = stripe * stripeLength + ((long) slotSequence[i] << LoadRecorderDescriptor.SLOT_SHIFT);
        add(base + LoadRecorderDescriptor.POINTS_OFFSET, 1);
    }

    /** Points and bytes. */
    @Benchmark
    public void pointsBytes() {
        final int i = next();
        final long base = stripe * stripeLength + ((long) slotSequence[i] << LoadRecorderDescriptor.SLOT_SHIFT);
        add(base + LoadRecorderDescriptor.POINTS_OFFSET, 1);
        add(base + LoadRecorderDescriptor.BYTES_OFFSET, 64);
    }

    /** Points, bytes and the bucket word (plain add): the record without its dirty flag. */
    @Benchmark
    public void pointsBytesBucket() {
        final int i = next();
        final int bucket = bucketSequence[i];
        final long base = stripe * stripeLength + ((long) slotSequence[i] << LoadRecorderDescriptor.SLOT_SHIFT);
        add(base + LoadRecorderDescriptor.POINTS_OFFSET, 1);
        add(base + LoadRecorderDescriptor.BYTES_OFFSET, 64);
        add(base + LoadRecorderDescriptor.bucketWordOffset(bucket), 1L << LoadRecorderDescriptor.bucketShift(bucket));
    }

    /** The whole record: {@link LoadRecorder#recordIngest}. */
    @Benchmark
    public void recordIngest() {
        final int i = next();
        recorder.recordIngest(stripe, slotSequence[i], bucketSequence[i], 1, 64);
    }

    /**
     * The whole record with points and bytes in a dense region of their own and the bucket word in the slot's record
     * line: two lines a record (plus the flag's) instead of one.
     */
    @Benchmark
    public void recordIngestSplitLines() {
        final int i = next();
        final int slot = slotSequence[i];
        final int bucket = bucketSequence[i];
        final MemorySegment memory = this.memory;
        final MemorySegment pairs = pointsAndBytes;
        final long stripeBase = stripe * stripeLength;
        final long pair = (long) slot << 4;
        COUNTER.set(pairs, pair, (long) COUNTER.get(pairs, pair) + 1);
        COUNTER.set(pairs, pair + Long.BYTES, (long) COUNTER.get(pairs, pair + Long.BYTES) + 64);
        final long at = stripeBase + ((long) slot << LoadRecorderDescriptor.SLOT_SHIFT)
            + LoadRecorderDescriptor.bucketWordOffset(bucket);
        COUNTER.set(memory, at, (long) COUNTER.get(memory, at) + (1L << LoadRecorderDescriptor.bucketShift(bucket)));
        FLAG.setRelease(memory, stripeBase + ingestDirtyOffset + slot, (byte) 1);
    }

    /** The whole record with the flag set to the fold's epoch, loaded (opaque) from its shared line, instead of 1. */
    @Benchmark
    public void recordIngestEpochFlag() {
        final int i = next();
        final int slot = slotSequence[i];
        final int bucket = bucketSequence[i];
        final MemorySegment memory = this.memory;
        final long stripeBase = stripe * stripeLength;
        final long base = stripeBase + ((long) slot << LoadRecorderDescriptor.SLOT_SHIFT);
        add(base + LoadRecorderDescriptor.POINTS_OFFSET, 1);
        add(base + LoadRecorderDescriptor.BYTES_OFFSET, 64);
        final long at = base + LoadRecorderDescriptor.bucketWordOffset(bucket);
        COUNTER.set(memory, at, (long) COUNTER.get(memory, at) + (1L << LoadRecorderDescriptor.bucketShift(bucket)));
        FLAG.setRelease(memory, stripeBase + ingestDirtyOffset + slot, (byte) FLAG.getOpaque(epoch, 0L));
    }

    /** The record before this change: the bucket's field updated with masks, so that it never carries. */
    @Benchmark
    public void recordIngestMaskedBucket() {
        final int i = next();
        final int slot = slotSequence[i];
        final int bucket = bucketSequence[i];
        final MemorySegment memory = this.memory;
        final long stripeBase = stripe * stripeLength;
        final long base = stripeBase + ((long) slot << LoadRecorderDescriptor.SLOT_SHIFT);
        add(base + LoadRecorderDescriptor.POINTS_OFFSET, 1);
        add(base + LoadRecorderDescriptor.BYTES_OFFSET, 64);
        final int shift = LoadRecorderDescriptor.bucketShift(bucket);
        final long fieldMask = LoadRecorderDescriptor.BUCKET_FIELD_MASK << shift;
        final long at = base + LoadRecorderDescriptor.bucketWordOffset(bucket);
        final long word = (long) COUNTER.get(memory, at);
        COUNTER.set(memory, at, ((word + (1L << shift)) & fieldMask) | (word & ~fieldMask));
        FLAG.setRelease(memory, stripeBase + ingestDirtyOffset + slot, (byte) 1);
    }

    private int next() {
        index = (index + 1) & (SEQUENCE_LENGTH - 1);
        return index;
    }

    private void add(final long at, final long delta) {
        COUNTER.set(memory, at, (long) COUNTER.get(memory, at) + delta);
    }
}
