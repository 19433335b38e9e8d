package io.presplit.adjust;

import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.ForecastTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
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
 * One adjustment step over every live partition: the per-tick control loop. Loads are drawn so that about 1 % of
 * partitions are over the split threshold (each chooses a split point), 10 % are merge candidates, and the rest
 * hold. Decisions go to a sink that refuses them, so the partition map stays the same from step to step and every
 * step does the same work; the refused splits exercise the whole decision path including the split-point search.
 * <p>
 * Baseline: the same loop's minimum work, one pass reading each partition's forecast peak
 * ({@link #peakScanBaseline}), to show what the decision logic adds on top of touching the data.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
@State(Scope.Benchmark)
public class PartitionAdjustmentEngineBenchmark {
    private static final double CAPACITY = 1000;
    private static final int HORIZON = 6;
    private static final int MERGE_WINDOW = 3;

    @Param({"1048576"})
    int partitions;

    private PartitionTable table;
    private LoadHistory history;
    private ForecastTable forecasts;
    private PartitionAdjustmentEngine engine;
    private CapacityPlan capacity;
    private final DecisionSink refusingSink = new DecisionSink() {
        @Override
        public boolean split(final int slot, final long splitKey) {
            return false;
        }

        @Override
        public boolean merge(final int lowerSlot, final int upperSlot) {
            return false;
        }
    };

    @Setup(Level.Trial)
    public void setUp() {
        table = new PartitionTable(partitions);
        history = new LoadHistory(partitions, MERGE_WINDOW + 1, 0.8);
        forecasts = new ForecastTable(partitions, HORIZON);
        capacity = new CapacityPlan(CAPACITY);
        engine = new PartitionAdjustmentEngine(table,
            new AdjustmentPolicy(0.8, 0.3, MERGE_WINDOW, 0, partitions * 2, 0.9));
        final long width = KeySpace.MAX_KEY / partitions;
        final SplittableRandom random = new SplittableRandom(7);
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        final double[] load = new double[partitions];
        for (int slot = 0; slot < partitions; slot++) {
            final long lo = slot * width;
            final long hi = slot == partitions - 1 ? KeySpace.MAX_KEY : lo + width - 1;
            table.add(slot, lo, hi, slot, 0);
            final double draw = random.nextDouble();
            load[slot] = draw < 0.01 ? 900 : draw < 0.11 ? 100 : 500;
        }
        for (int t = 0; t < MERGE_WINDOW + 1; t++) {
            for (int slot = 0; slot < partitions; slot++) {
                for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                    buckets[b] = (long) (load[slot] / KeySpace.BUCKET_COUNT);
                }
                history.writeRow(slot, load[slot], 0, 0, buckets);
            }
            history.completeTick();
        }
        for (int slot = 0; slot < partitions; slot++) {
            for (int h = 0; h < HORIZON; h++) {
                forecasts.mean(slot, h, load[slot]);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        history.close();
    }

    /** One full adjustment step. */
    @Benchmark
    public int step() {
        return engine.step(1, forecasts, history, capacity, refusingSink);
    }

    /** Baseline: one pass over the live partitions reading each forecast peak. */
    @Benchmark
    public double peakScanBaseline() {
        double max = 0;
        final int live = table.liveCount();
        for (int i = 0; i < live; i++) {
            max = Math.max(max, forecasts.peakUpper(table.liveSlot(i)));
        }
        return max;
    }
}
