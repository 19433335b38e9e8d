package io.presplit.forecast;

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
 * One control tick of the online ensemble over many partitions: a new sample per partition, then observe, ETS
 * update, member forecasts, weighting, calibrated intervals (horizon 6) and refits within a 2 ms budget. Every
 * partition starts from the same fitted ETS model ({@link EnsembleForecaster#inheritFit}), as split children do, so
 * the tick measures the fitted steady state rather than cold fallbacks. Baseline: seasonal naive over the same
 * table. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} must be about 0 B/op.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class EnsembleTickBenchmark {
    private static final int SEASON = 24;
    private static final int HORIZON = 6;
    private static final int RETAINED = 24 * 4;
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];

    @Param({"10000", "1000000"})
    int slots;

    private LoadHistory history;
    private EnsembleForecaster ensemble;
    private SeasonalNaiveForecaster snaive;
    private ForecastTable table;
    private int[] slotList;
    private long tick;

    @Setup(Level.Trial)
    public void setUp() {
        history = new LoadHistory(slots, RETAINED, 0.9);
        final SplittableRandom rng = new SplittableRandom(20261124L);
        for (int t = 0; t < RETAINED; t++) {
            for (int s = 0; s < slots; s++) {
                history.writeRow(s, 100 + 25 * Math.sin(2 * Math.PI * t / SEASON) + rng.nextDouble(), 0, 0,
                    NO_BUCKETS);
            }
            history.completeTick();
        }
        tick = RETAINED;
        slotList = new int[slots];
        for (int s = 0; s < slots; s++) {
            slotList[s] = s;
        }
        table = new ForecastTable(slots, HORIZON);
        ensemble = new EnsembleForecaster(slots, HORIZON, SEASON, new OnlineModel[] {new OnlineModel.OnlineEts(SEASON)},
            RETAINED, 24 * 7, 2_000_000L, 0.05, 2.0, new IntervalCalibrator(slots, HORIZON, 0.02, 0.02));
        // fit slot 0 with an unlimited budget, then hand its model to every partition
        final EnsembleForecaster seeder = ensemble;
        seeder.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
        for (int s = 1; s < slots; s++) {
            seeder.inheritFit(0, s);
        }
        snaive = new SeasonalNaiveForecaster(SEASON);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        history.close();
    }

    /** One tick: a new row for every partition, then the ensemble's forecast step. */
    @Benchmark
    public double ensembleTick() {
        writeTick();
        ensemble.forecast(history, Resource.INGEST_POINTS, slotList, slots, table);
        return table.p90(0, 0);
    }

    /** Baseline: the same new rows, then seasonal naive. */
    @Benchmark
    public double snaiveTick() {
        writeTick();
        snaive.forecast(history, Resource.INGEST_POINTS, slotList, slots, table);
        return table.mean(0, 0);
    }

    private void writeTick() {
        final double load = 100 + 25 * Math.sin(2 * Math.PI * tick / SEASON);
        for (int s = 0; s < slots; s++) {
            history.writeRow(s, load + (s & 7), 0, 0, NO_BUCKETS);
        }
        history.completeTick();
        tick++;
    }
}
