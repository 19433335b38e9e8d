package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;
import org.agrona.concurrent.CachedNanoClock;
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

/**
 * The profiler's tick: {@link ProfilerAgent#fold} over every slot (read the claimed stripes, difference against
 * the previous totals, write one history row and decay the bucket loads), against the floor of the same memory
 * traffic's first part: one sequential pass summing the claimed stripes' counters, no history work.
 * <p>
 * Goal of the profiler issue: at most 20 ms a tick for a million partitions. Run with {@code -prof gc}: the fold
 * must allocate nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 3, jvmArgsAppend = "-Xmx2g")
@State(Scope.Benchmark)
public class ProfilerFoldBenchmark {
    private static final int TICKS_RETAINED = 8;

    @Param({"1048576"})
    int slots;

    @Param({"2"})
    int writers;

    LoadRecorder recorder;
    LoadHistory history;
    ProfilerAgent profiler;

    @Setup(Level.Trial)
    public void setUp() {
        recorder = new LoadRecorder(writers, slots);
        history = new LoadHistory(slots, TICKS_RETAINED, 0.5);
        profiler = new ProfilerAgent(recorder, history, new CachedNanoClock(), 1, () -> slots);
        final SplittableRandom random = new SplittableRandom(7);
        for (int w = 0; w < writers; w++) {
            final int stripe = recorder.claimStripe();
            for (int slot = 0; slot < slots; slot++) {
                recorder.recordIngest(stripe, slot, random.nextInt(KeySpace.BUCKET_COUNT), 1 + random.nextInt(9), 64);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        history.close();
        recorder.close();
    }

    /** One profiler tick over every slot. */
    @Benchmark
    public LoadHistory fold() {
        profiler.fold(slots);
        return history;
    }

    /** Floor: one pass over the claimed stripes' points, bytes, query cost and buckets, summed; nothing written. */
    @Benchmark
    public long readStripesOnly() {
        final CounterStripes counters = recorder.counters();
        long total = 0;
        for (int stripe = 0; stripe < writers; stripe++) {
            for (int slot = 0; slot < slots; slot++) {
                final int base = slot << LoadRecorderDescriptor.SLOT_SHIFT;
                total += counters.getLongOpaque(stripe, base + LoadRecorderDescriptor.POINTS_OFFSET)
                    + counters.getLongOpaque(stripe, base + LoadRecorderDescriptor.BYTES_OFFSET)
                    + counters.getLongOpaque(stripe, base + LoadRecorderDescriptor.QUERY_COST_OFFSET);
                for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                    total += counters.getIntOpaque(stripe, base + LoadRecorderDescriptor.bucketOffset(b));
                }
            }
        }
        return total;
    }
}
