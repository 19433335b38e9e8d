package io.presplit.storage;

import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
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
 * Ingest of multi-field points through the embedded API, ASYNC: {@link PartitionWriter#write(CharSequence, long,
 * double[])} with a caller-owned array of 1 or 4 values, one point per operation (operations/s = points/s per
 * thread). {@link #writeOneValue} is the single-value write of a one-field store, the path callers used before
 * multi-field points (it throws in a store of several fields, so it runs with {@code fields=1} only: pass
 * {@code -p fields=1} or read its {@code fields=4} row as failed). Run with {@code -prof gc} for bytes per point.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class MultiFieldWriteBenchmark {
    private static final int SERIES = 1024;

    /** The store and one writer (the benchmark runs one thread). */
    @State(Scope.Thread)
    public static class Store {
        @Param({"1", "4"})
        int fields;

        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        PartitionWriter writer;
        String[] keys;
        double[] values;
        int series;
        long timestampNs;

        @Setup(Level.Trial)
        public void setUp() {
            directory = BenchStores.newDirectory("presplit-fields-");
            recorder = new LoadRecorder(2, 16);
            final String[] names = new String[fields];
            for (int i = 0; i < fields; i++) {
                names[i] = "f" + i;
            }
            store = PartitionStore.open(directory, recorder,
                StoreOptions.of(Durability.ASYNC).withFields(FieldSchema.of(names)));
            writer = store.openWriter();
            keys = BenchStores.seriesKeys(SERIES);
            values = new double[fields];
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }
    }

    @Benchmark
    public void write(final Store store) {
        final int series = (store.series + 1) & (SERIES - 1);
        store.series = series;
        final double[] values = store.values;
        for (int i = 0; i < values.length; i++) {
            values[i] = series + i;
        }
        store.writer.write(store.keys[series], ++store.timestampNs, values);
    }

    @Benchmark
    public void writeOneValue(final Store store) {
        final int series = (store.series + 1) & (SERIES - 1);
        store.series = series;
        store.writer.write(store.keys[series], ++store.timestampNs, series);
    }
}
