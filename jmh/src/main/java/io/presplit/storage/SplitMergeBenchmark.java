package io.presplit.storage;

import io.presplit.coordinate.CoordinatorLog;
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
 * Split and merge, begin to done: one operation is a split of the live partition at the middle of its range
 * followed by the merge of its two children (so the store stays at one live partition), each a full two-phase
 * commit: with {@code isLogged}, the coordinator log's BEGIN, COMMIT and DONE appends (each forced) around the
 * store's prepare and commit, as the coordinator runs them; without, the store's prepare and commit alone.
 * Divide by two for one transaction. A fresh store per iteration bounds the files and mappings that sealed
 * partitions keep.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class SplitMergeBenchmark {
    /**
     * Segment length of this benchmark's and {@link WriteStallBenchmark}'s stores: 1 MiB by default, so that writes
     * roll segments during splits; {@code -Dpresplit.bench.segmentBytes=67108864} gives the store's default.
     */
    static final long SEGMENT_BYTES = Long.getLong("presplit.bench.segmentBytes", 1L << 20);

    /** The store and the transaction counters, one store per iteration. */
    @State(Scope.Benchmark)
    public static class Store {
        @Param({"false", "true"})
        boolean isLogged;

        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        CoordinatorLog log;
        long liveId;
        long nextId;
        long nextTxId;

        @Setup(Level.Iteration)
        public void setUp() {
            directory = BenchStores.newDirectory("presplit-splitmerge-");
            recorder = new LoadRecorder(2, 1 << 16);
            store = PartitionStore.open(directory, recorder,
                StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(SEGMENT_BYTES));
            log = CoordinatorLog.open(directory.resolve("coordinator.log"));
            liveId = 0;
            nextId = 1;
            nextTxId = 1;
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            log.close();
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }

        /** Splits the live partition in the middle and merges the children back; returns the new live id. */
        long splitThenMerge() {
            final long lower = nextId;
            final long upper = nextId + 1;
            final long merged = nextId + 2;
            nextId += 3;
            final long middle = KeySpace.MAX_KEY / 2 + 1;
            run(Txn.split(nextTxId++, liveId, middle, lower, slot(lower), upper, slot(upper)));
            run(Txn.merge(nextTxId++, lower, upper, merged, slot(merged)));
            liveId = merged;
            return merged;
        }

        private void run(final Txn txn) {
            if (isLogged) {
                log.begin(txn);
            }
            if (!store.prepare(txn)) {
                throw new IllegalStateException("prepare voted abort [txn=" + txn + "]");
            }
            if (isLogged) {
                log.commit(txn);
            }
            store.commit(txn);
            if (isLogged) {
                log.done(txn);
            }
        }

        private static int slot(final long partitionId) {
            return (int) (partitionId & 0xFFFF);
        }
    }

    @Benchmark
    public long splitThenMerge(final Store store) {
        return store.splitThenMerge();
    }
}
