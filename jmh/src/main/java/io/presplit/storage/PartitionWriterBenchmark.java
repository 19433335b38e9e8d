package io.presplit.storage;

import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.RecordEncoder;
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
 * Ingest through the embedded API: {@link PartitionWriter#write} per durability mode, one point per operation
 * (operations/s = points/s per thread). Baseline: {@link #encodeOnly}, the record encoding the write path does
 * before it routes and appends. Run with {@code -t 1} and {@code -t 2}, and {@code -prof gc} for bytes per point.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class PartitionWriterBenchmark {
    private static final int SERIES = 1024;
    private static final int MAX_THREADS = 8;

    /** The store, one per trial. */
    @State(Scope.Benchmark)
    public static class Store {
        @Param({"ASYNC", "GROUP", "SYNC"})
        Durability durability;

        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        String[] keys;

        @Setup(Level.Trial)
        public void setUp() {
            directory = BenchStores.newDirectory("presplit-ingest-");
            recorder = new LoadRecorder(MAX_THREADS, 16);
            store = PartitionStore.open(directory, recorder, StoreOptions.of(durability));
            keys = BenchStores.seriesKeys(SERIES);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }
    }

    /** One ingest thread: its writer and its position in the series. */
    @State(Scope.Thread)
    public static class Writer {
        PartitionWriter writer;
        final RecordEncoder encoder = new RecordEncoder();
        int series;
        long timestampNs;

        @Setup(Level.Trial)
        public void setUp(final Store store) {
            writer = store.store.openWriter();
        }
    }

    @Benchmark
    public void write(final Store store, final Writer writer) {
        final int series = (writer.series + 1) & (SERIES - 1);
        writer.series = series;
        writer.writer.write(store.keys[series], ++writer.timestampNs, series);
    }

    @Benchmark
    public int encodeOnly(final Store store, final Writer writer) {
        final int series = (writer.series + 1) & (SERIES - 1);
        writer.series = series;
        return writer.encoder.encode(store.keys[series], ++writer.timestampNs, series);
    }
}
