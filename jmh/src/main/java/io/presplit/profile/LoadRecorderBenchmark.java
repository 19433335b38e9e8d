package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The ingest-path load recorder: {@link LoadRecorder#recordIngest} (a per-thread stripe of 64-byte records in
 * unscoped, huge-page native memory, plain read + plain write, then the slot's one-byte dirty flag with a release
 * store) against a floor (one add to the slot's line, nothing else), and two baselines over the same slot/bucket
 * sequence: the walking skeleton's recorder ({@link SkeletonLoadRecorder}: shared-arena segment, 160-byte
 * records), and the obvious lock-free alternative, one shared {@link AtomicLongArray} updated with
 * {@code getAndAdd}. Run with {@code -t 1} and {@code -t 2}, and {@code -prof gc} for bytes per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class LoadRecorderBenchmark {
    private static final int MAX_THREADS = 8;
    private static final int SEQUENCE_LENGTH = 4096;
    private static final int COUNTERS_PER_SLOT = 2 + KeySpace.BUCKET_COUNT;
    private static final int RUN_LENGTH = 8;
    /** Odd: multiplying a rank by it modulo a power of two is a bijection, so hot ranks land on scattered slots. */
    private static final int SCATTER = 0x9E37_79B1;

    /** Shared recorder and baseline counters. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"1024", "1048576"})
        int slots;

        /**
         * Which slots the writers record to: {@code uniform}, every record a random slot (with a million slots, a
         * cache miss per record: the worst case); {@code zipf}, slot ranks drawn from a Zipf law of exponent 1
         * (a few hot partitions take most records, as ingest does); {@code runs}, a random slot for
         * {@value #RUN_LENGTH} records in a row (a batch of points of one series, as line-protocol writes come).
         */
        @Param({"uniform"})
        String pattern;

        LoadRecorder recorder;
        SkeletonLoadRecorder skeleton;
        AtomicLongArray baseline;

        @Setup(Level.Trial)
        public void setUp() {
            recorder = new LoadRecorder(MAX_THREADS, slots);
            skeleton = new SkeletonLoadRecorder(MAX_THREADS, slots);
            baseline = new AtomicLongArray(slots * COUNTERS_PER_SLOT);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            recorder.close();
            skeleton.close();
        }
    }

    /** One writer thread: its stripe and a precomputed pseudo-random slot/bucket sequence. */
    @State(Scope.Thread)
    public static class Writer {
        int stripe;
        int[] slots;
        int[] buckets;
        int index;

        @Setup(Level.Trial)
        public void setUp(final Shared shared) {
            stripe = shared.recorder.claimStripe();
            if (shared.skeleton.claimStripe() != stripe) {
                throw new IllegalStateException("stripes out of step [stripe=" + stripe + "]");
            }
            final SplittableRandom random = new SplittableRandom(42 + stripe);
            slots = new int[SEQUENCE_LENGTH];
            buckets = new int[SEQUENCE_LENGTH];
            for (int i = 0; i < SEQUENCE_LENGTH; i++) {
                slots[i] = switch (shared.pattern) {
                    case "uniform" -> random.nextInt(shared.slots);
                    // rank = slots^u: P(rank <= k) = ln k / ln slots, the continuous Zipf law of exponent 1.
                    case "zipf" -> ((int) Math.pow(shared.slots, random.nextDouble()) * SCATTER) & (shared.slots - 1);
                    case "runs" -> i % RUN_LENGTH == 0 ? random.nextInt(shared.slots) : slots[i - 1];
                    default -> throw new IllegalArgumentException("unknown pattern [pattern=" + shared.pattern + "]");
                };
                buckets[i] = random.nextInt(KeySpace.BUCKET_COUNT);
            }
        }

        int next() {
            index = (index + 1) & (SEQUENCE_LENGTH - 1);
            return index;
        }
    }

    /** Presplit's recorder. */
    @Benchmark
    public void recordIngest(final Shared shared, final Writer writer) {
        final int i = writer.next();
        shared.recorder.recordIngest(writer.stripe, writer.slots[i], writer.buckets[i], 1, 64);
    }

    /**
     * Floor: one plain add to one {@code long} of the slot's 64-byte line in the writer's stripe, nothing else (no
     * bucket, no dirty bit). Any record that keeps a slot's counters in one line per writer costs at least this: the
     * harness's own work plus, with a million slots, the random line's miss.
     */
    @Benchmark
    public void oneLineFloor(final Shared shared, final Writer writer) {
        final int i = writer.next();
        final CounterStripes counters = shared.recorder.counters();
        counters.addLongPlainAt(counters.stripeBase(writer.stripe)
            + ((long) writer.slots[i] << LoadRecorderDescriptor.SLOT_SHIFT), 1);
    }

    /** Baseline: the walking skeleton's recorder (commit 8d2c6f2). */
    @Benchmark
    public void skeletonRecordIngest(final Shared shared, final Writer writer) {
        final int i = writer.next();
        shared.skeleton.recordIngest(writer.stripe, writer.slots[i], writer.buckets[i], 1, 64);
    }

    /** Baseline: one shared array of atomic counters, updated with getAndAdd. */
    @Benchmark
    public void atomicLongArrayBaseline(final Shared shared, final Writer writer) {
        final int i = writer.next();
        final int base = writer.slots[i] * COUNTERS_PER_SLOT;
        final AtomicLongArray counters = shared.baseline;
        counters.getAndAdd(base, 1);
        counters.getAndAdd(base + 1, 64);
        counters.getAndAdd(base + 2 + writer.buckets[i], 1);
    }
}
