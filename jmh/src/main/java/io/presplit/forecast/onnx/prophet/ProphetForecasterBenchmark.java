package io.presplit.forecast.onnx.prophet;

import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.forecast.SeasonalNaiveForecaster;
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
 * One control tick of the {@link ProphetForecaster} over many partitions, each with its own fitted Prophet model
 * (horizon 6): a new sample per partition, then one batched ONNX Runtime call for every partition (one intra-op
 * thread) and the table writes; {@code prophetCalibratedTick} adds the {@link IntervalCalibrator} (p50/p90).
 * Every partition holds a copy of one model fitted on fifteen days of hourly load ({@link ProphetForecaster#pin}),
 * so the tick measures the served steady state, no refits. Baselines: the same models evaluated per partition in
 * plain Java ({@link ProphetModel#predict}), and seasonal naive over the same table. Run with {@code -prof gc}:
 * {@code gc.alloc.rate.norm} must not grow with the partition count (ONNX Runtime's result bookkeeping is a fixed
 * amount per call).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ProphetForecasterBenchmark {
    private static final int SEASON = 24;
    private static final int HORIZON = 6;
    private static final int RETAINED = 48;
    private static final double HOUR = 3600;
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];

    @Param({"1000", "10000", "100000"})
    int slots;

    private LoadHistory history;
    private ProphetForecaster prophet;
    private ProphetForecaster calibrated;
    private SeasonalNaiveForecaster snaive;
    private ForecastTable table;
    private int[] slotList;
    private ProphetModel model;
    private ProphetModel.Components components;
    private double[] future;
    private long tick;

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom rng = new SplittableRandom(20261124L);
        final int fitLength = 15 * SEASON;
        final double[] y = new double[fitLength];
        for (int t = 0; t < fitLength; t++) {
            y[t] = load(t) + rng.nextDouble();
        }
        final ProphetFitter fitter = ProphetFitter.defaults(fitLength);
        if (!fitter.fit(0, HOUR, y, fitLength, new double[fitLength])) {
            throw new IllegalStateException("benchmark model did not fit");
        }
        model = fitter.model();
        history = new LoadHistory(slots, RETAINED, 0.9);
        for (int t = 0; t < RETAINED; t++) {
            for (int s = 0; s < slots; s++) {
                history.writeRow(s, load(t) + (s & 7), 0, 0, NO_BUCKETS);
            }
            history.completeTick();
        }
        tick = RETAINED;
        slotList = new int[slots];
        for (int s = 0; s < slots; s++) {
            slotList[s] = s;
        }
        table = new ForecastTable(slots, HORIZON);
        // the history's tick 0 is the fit's tick fitLength - RETAINED: the models continue their own series
        prophet = ProphetForecaster.defaults(slots, HORIZON, HOUR, (fitLength - RETAINED) * HOUR, null);
        calibrated = ProphetForecaster.defaults(slots, HORIZON, HOUR, (fitLength - RETAINED) * HOUR,
            new IntervalCalibrator(slots, HORIZON, 0.02, 0.02));
        for (int s = 0; s < slots; s++) {
            prophet.pin(s, model);
            calibrated.pin(s, model);
        }
        snaive = new SeasonalNaiveForecaster(SEASON);
        components = new ProphetModel.Components(HORIZON, model.seasonalities().size());
        future = new double[HORIZON];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        prophet.close();
        calibrated.close();
        history.close();
    }

    /** One tick: a new row for every partition, then one batched ONNX Runtime call for all of them. */
    @Benchmark
    public double prophetTick() {
        writeTick();
        prophet.forecast(history, Resource.INGEST_POINTS, slotList, slots, table);
        return table.mean(0, 0);
    }

    /** The same, with calibrated p50/p90 from each partition's recent residuals. */
    @Benchmark
    public double prophetCalibratedTick() {
        writeTick();
        calibrated.forecast(history, Resource.INGEST_POINTS, slotList, slots, table);
        return table.p90(0, 0);
    }

    /** Baseline: the same rows, then each partition's model evaluated in plain Java. */
    @Benchmark
    public double javaPerPartitionTick() {
        writeTick();
        for (int h = 0; h < HORIZON; h++) {
            future[h] = (tick + h) * HOUR;
        }
        for (int s = 0; s < slots; s++) {
            model.predict(future, HORIZON, components);
            for (int h = 0; h < HORIZON; h++) {
                table.mean(s, h, Math.max(0.0, components.yhat(h)));
            }
        }
        return table.mean(0, 0);
    }

    /** Baseline: the same rows, then seasonal naive. */
    @Benchmark
    public double snaiveTick() {
        writeTick();
        snaive.forecast(history, Resource.INGEST_POINTS, slotList, slots, table);
        return table.mean(0, 0);
    }

    private static double load(final long t) {
        return 100 + 25 * Math.sin(2 * Math.PI * t / SEASON) + 10 * Math.sin(2 * Math.PI * t / (7.0 * SEASON));
    }

    private void writeTick() {
        final double value = load(tick);
        for (int s = 0; s < slots; s++) {
            history.writeRow(s, value + (s & 7), 0, 0, NO_BUCKETS);
        }
        history.completeTick();
        tick++;
    }
}
