package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The profiler's tick: {@link ProfilerAgent#fold} over every slot (read the claimed stripes, difference against
 * the previous totals, write one history row and decay the bucket loads), against the floor of its first part:
 * reading the claimed stripes once at memory bandwidth, no history work.
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
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

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

    /**
     * Floor: the memory bandwidth of reading the claimed stripes once, as {@code long}s summed with integer vector
     * adds; nothing written, no history work.
     */
    @Benchmark
    public long readStripesOnly() {
        final MemorySegment memory = recorder.counters().segment();
        final long length = recorder.counters().stripeLengthBytes() * (long) writers;
        final int lanes = LONGS.length();
        LongVector acc = LongVector.zero(LONGS);
        for (long offset = 0; offset <= length - (long) lanes * Long.BYTES; offset += (long) lanes * Long.BYTES) {
            acc = acc.add(LongVector.fromMemorySegment(LONGS, memory, offset, ByteOrder.nativeOrder()));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
