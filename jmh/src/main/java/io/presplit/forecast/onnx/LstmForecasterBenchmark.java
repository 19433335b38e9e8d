package io.presplit.forecast.onnx;

import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.onnx.lstm.LstmConfig;
import io.presplit.forecast.onnx.lstm.LstmNetwork;
import io.presplit.forecast.onnx.lstm.LstmOnnxExport;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
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
 * One forecast tick of the ONNX Runtime LSTM for all partitions: normalize every window into the reused direct
 * buffer, one batched ONNX Runtime call (one intra-op thread), de-normalize into the forecast table. Divide by
 * {@code partitions} for the time per partition.
 * <p>
 * Models: {@code bundled} is the PyTorch export that ships in the jar (window 48, hidden 32, horizon 12);
 * {@code m4} is the shape of the LSTM trained on M4 Hourly here (window 168, hidden 32, horizon 48, p50 and p90
 * heads, skip), with seeded random weights (the cost does not depend on the values). Baseline:
 * {@link LstmJavaForwardBenchmark}. Fewer iterations than the defaults: a 100,000-partition tick takes seconds.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LstmForecasterBenchmark {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    static final LstmConfig M4_SHAPE = new LstmConfig(168, 1, 32, 48, new double[] {0.5, 0.9}, true);

    @Param({"1000", "10000", "100000"})
    int partitions;

    @Param({"bundled", "m4"})
    String model;

    private LstmForecaster lstm;
    private LoadHistory history;
    private ForecastTable table;
    private int[] slots;

    @Setup(Level.Trial)
    public void setUp() {
        lstm = "bundled".equals(model) ? LstmForecaster.openBundled()
            : LstmForecaster.fromBytes("m4-shape", LstmOnnxExport.toBytes(m4Network(), "benchmark"));
        final int window = lstm.windowTicks();
        history = new LoadHistory(partitions, window, 0.9);
        final SplittableRandom random = new SplittableRandom(20261124L);
        for (int t = 0; t < window; t++) {
            for (int slot = 0; slot < partitions; slot++) {
                history.writeRow(slot, 0, 0, 100 + 50 * Math.sin(2 * Math.PI * t / 24 + slot) + random.nextDouble(),
                    NO_BUCKETS);
            }
            history.completeTick();
        }
        table = new ForecastTable(partitions, lstm.modelHorizon());
        slots = new int[partitions];
        for (int i = 0; i < partitions; i++) {
            slots[i] = i;
        }
        tick();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lstm.close();
        history.close();
    }

    /** One tick for all partitions: the forecast thread's whole LSTM cost. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double tick() {
        lstm.forecast(history, Resource.QUERY_COST, slots, partitions, table);
        return table.mean(partitions - 1, 0);
    }

    static LstmNetwork m4Network() {
        final LstmNetwork net = new LstmNetwork(M4_SHAPE);
        net.initialize(1);
        return net;
    }
}
