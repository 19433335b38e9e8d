package io.presplit.storage;

import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
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

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Range-aggregate scan: count, sum, min, max over the whole key space and a time range that selects
 * {@code timeFraction} of the points, across a lineage (half the points sit in a sealed parent, half in the two
 * children), through {@link PartitionReader#aggregate}. Vector API reduction against the scalar reference, in the
 * same run. Points per second = {@code points × timeFraction / (time per operation)}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class RangeAggregateBenchmark {
    private static final int SERIES = 1024;

    /** A store filled once per trial. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1000000"})
        int points;

        @Param({"1.0", "0.1"})
        double timeFraction;

        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        long toNs;

        @Setup(Level.Trial)
        public void setUp() {
            directory = BenchStores.newDirectory("presplit-aggregate-");
            recorder = new LoadRecorder(4, 16);
            store = PartitionStore.open(directory, recorder,
                StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(8L << 20));
            final String[] keys = BenchStores.seriesKeys(SERIES);
            final PartitionWriter writer = store.openWriter();
            for (int i = 0; i < points; i++) {
                if (i == points / 2) {
                    final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2 + 1, 1, 1, 2, 2);
                    store.prepare(split);
                    store.commit(split);
                }
                writer.write(keys[i & (SERIES - 1)], i, i % 1000);
            }
            toNs = (long) (points * timeFraction) - 1;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }
    }

    /** Per-thread reader and result holders. */
    @State(Scope.Thread)
    public static class Reader {
        PartitionReader reader;
        final RangeAggregate vector = new RangeAggregate(true);
        final RangeAggregate scalar = new RangeAggregate(false);

        @Setup(Level.Trial)
        public void setUp(final Data data) {
            reader = data.store.openReader();
        }
    }

    @Benchmark
    public double vector(final Data data, final Reader reader) {
        reader.reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, data.toNs, reader.vector);
        return reader.vector.sum() + reader.vector.max();
    }

    @Benchmark
    public double scalar(final Data data, final Reader reader) {
        reader.reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, data.toNs, reader.scalar);
        return reader.scalar.sum() + reader.scalar.max();
    }
}
