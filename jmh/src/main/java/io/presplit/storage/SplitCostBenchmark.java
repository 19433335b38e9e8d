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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the compaction-cost API as the control loop would call it: {@link PartitionStore#splitCost} for four
 * candidate split keys of a live child whose data sits half in its sealed parent, half in its own log (the active
 * segment included), 1,024 series. Baseline: the direct count the API replaces (a scan of the partition summing
 * record bytes on each side of one key).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class SplitCostBenchmark {
    private static final int SERIES = 1024;

    /** A store filled once per trial. */
    @State(Scope.Benchmark)
    public static class Data {
        @Param({"1000000"})
        int points;

        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        final long[] candidates = new long[4];

        @Setup(Level.Trial)
        public void setUp() {
            directory = BenchStores.newDirectory("presplit-split-cost-");
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
            final long quarter = KeySpace.MAX_KEY / 8;
            for (int i = 0; i < candidates.length; i++) {
                candidates[i] = (i + 1) * quarter;
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }
    }

    @Benchmark
    public List<SplitCost> splitCostFourKeys(final Data data) {
        return data.store.splitCost(1, data.candidates);
    }

    @Benchmark
    public long directCountOneKey(final Data data) {
        final long key = data.candidates[1];
        final long[] bytes = new long[2];
        data.store.scanPartition(1, (partitionId, record) ->
            bytes[record.partitionKey() < key ? 0 : 1] += record.lengthBytes());
        return bytes[0] + bytes[1];
    }
}
