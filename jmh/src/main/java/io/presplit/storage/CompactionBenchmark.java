package io.presplit.storage;

import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * Compaction under its budget and its effect on writes: one thread writes, paced at 100,000 points/s (latency
 * of every write into an
 * HdrHistogram {@link SingleWriterRecorder}), the other splits the live partition, compacts both children under
 * the budget, deletes the sealed parent, merges the children back and compacts the merged partition, over and
 * over. Budget 0 is the baseline: the same splits and merges, no compaction. Each iteration prints the writes'
 * p50/p99/p99.9/max and the bytes compaction moved per second of copying ({@code compaction-rate}); the trial
 * prints the totals as {@code compaction total}. A fresh store (8 MiB segments, ASYNC, 100,000 points written
 * first) per iteration.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class CompactionBenchmark {
    private static final int SERIES = 1024;
    private static final int PREFILL_POINTS = 100_000;
    private static final long SEGMENT_BYTES = 8L << 20;
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(10);
    /**
     * The writer writes one point per 10 µs (100,000 points/s, ~4.5 MB/s): faster than the budget, the data to
     * copy would grow faster than compaction copies it and an iteration would never end.
     */
    private static final long WRITE_PACE_NS = TimeUnit.MICROSECONDS.toNanos(10);

    /** Shared by the writer and the compacting thread. */
    @State(Scope.Group)
    public static class Shared {
        /** Bytes per second compaction may copy; 0: no compaction (baseline); Long.MAX_VALUE: no limit. */
        @Param({"0", "16777216", "9223372036854775807"})
        long budgetBytesPerSecond;

        final SingleWriterRecorder latencies = new SingleWriterRecorder(HIGHEST_NS, 3);
        final Histogram total = new Histogram(HIGHEST_NS, 3);
        Histogram interval;
        String[] keys;
        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        PartitionWriter writer;
        CompactionBudget budget;
        int series;
        long timestampNs;
        long nextWriteNs;
        long liveId;
        long nextId;
        long nextTxId;
        long compactingNs;
        long movedBytes;
        long totalCompactingNs;
        long totalMovedBytes;
        int iteration;

        @Setup(Level.Iteration)
        public void setUp() {
            keys = BenchStores.seriesKeys(SERIES);
            directory = BenchStores.newDirectory("presplit-compaction-");
            recorder = new LoadRecorder(2, 1 << 16);
            store = PartitionStore.open(directory, recorder,
                StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(SEGMENT_BYTES));
            writer = store.openWriter();
            for (int i = 0; i < PREFILL_POINTS; i++) {
                writer.write(keys[i & (SERIES - 1)], ++timestampNs, i);
            }
            budget = new CompactionBudget(budgetBytesPerSecond, () -> false);
            liveId = 0;
            nextId = 1;
            nextTxId = 1;
            compactingNs = 0;
            movedBytes = 0;
            latencies.reset();
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            interval = latencies.getIntervalHistogram(interval);
            total.add(interval);
            totalCompactingNs += compactingNs;
            totalMovedBytes += movedBytes;
            System.out.printf("%ncompaction iteration %d budget=%d writes=%d p50=%dns p99=%dns p99.9=%dns max=%dns "
                    + "movedBytes=%d compaction-rate=%.1f MB/s%n", iteration++, budgetBytesPerSecond,
                interval.getTotalCount(), interval.getValueAtPercentile(50), interval.getValueAtPercentile(99),
                interval.getValueAtPercentile(99.9), interval.getMaxValue(), movedBytes, rate(movedBytes,
                    compactingNs));
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }

        @TearDown(Level.Trial)
        public void report() {
            System.out.printf("%ncompaction total budget=%d writes=%d p50=%dns p99=%dns p99.9=%dns max=%dns "
                    + "movedBytes=%d compaction-rate=%.1f MB/s (warm-up iterations included)%n",
                budgetBytesPerSecond, total.getTotalCount(), total.getValueAtPercentile(50),
                total.getValueAtPercentile(99), total.getValueAtPercentile(99.9), total.getMaxValue(),
                totalMovedBytes, rate(totalMovedBytes, totalCompactingNs));
        }

        /** Split the live partition, compact the children, merge them back, compact the merged one. */
        long cycle() {
            final long parent = liveId;
            final long lower = nextId;
            final long upper = nextId + 1;
            final long merged = nextId + 2;
            nextId += 3;
            commit(Txn.split(nextTxId++, parent, KeySpace.MAX_KEY / 2, lower, slot(lower), upper, slot(upper)));
            compactOne();
            compactOne();
            commit(Txn.merge(nextTxId++, lower, upper, merged, slot(merged)));
            compactOne();
            liveId = merged;
            return merged;
        }

        private void compactOne() {
            if (budgetBytesPerSecond == 0) {
                return;
            }
            final long startNs = System.nanoTime();
            final long before = store.compactedBytes();
            store.compactNext(budget, () -> false);
            store.deleteUnneededPartitions();
            compactingNs += System.nanoTime() - startNs;
            movedBytes += store.compactedBytes() - before;
        }

        private void commit(final Txn txn) {
            if (!store.prepare(txn)) {
                throw new IllegalStateException("prepare voted no [txn=" + txn + "]");
            }
            store.commit(txn);
        }

        private static int slot(final long partitionId) {
            return (int) (partitionId % (1 << 16));
        }

        private static double rate(final long bytes, final long ns) {
            return ns == 0 ? 0 : bytes / (ns / 1e9) / 1e6;
        }
    }

    @Benchmark
    @Group("compaction")
    @GroupThreads(1)
    public void write(final Shared shared) {
        final int series = (shared.series + 1) & (SERIES - 1);
        shared.series = series;
        long startNs = System.nanoTime();
        while (startNs - shared.nextWriteNs < 0) {
            Thread.onSpinWait();
            startNs = System.nanoTime();
        }
        shared.nextWriteNs = startNs + WRITE_PACE_NS;
        shared.writer.write(shared.keys[series], ++shared.timestampNs, series);
        shared.latencies.recordValue(System.nanoTime() - startNs);
    }

    @Benchmark
    @Group("compaction")
    @GroupThreads(1)
    public long splitCompactMerge(final Shared shared) {
        return shared.cycle();
    }
}
