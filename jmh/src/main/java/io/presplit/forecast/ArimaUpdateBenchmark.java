package io.presplit.forecast;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The incremental ARIMA update after an exact-likelihood refit: one new sample moves the differenced series and
 * the Kalman innovations (the filter's fast recursions, O(state)) without a refit. The model is fixed, a seasonal
 * ARIMA(2,0,1)(1,1,1)_24 without constant, fitted once on a 720-point hourly series (30 days,
 * daily cycle, AR noise; seed 20261124). Rows: the update on the fitted object, the same through a partition's flat
 * state slice (load, update, save), and the update of the same orders fitted by CSS only (baseline: the refit must
 * not change the per-sample cost). Run with {@code -prof gc}: every row must show about 0 B/op.
 */
@State(Scope.Thread)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class ArimaUpdateBenchmark {
    private static final int LENGTH = 720;
    private static final int SEASON = 24;

    private final double[] series = new double[LENGTH];
    private final Arima exact = new Arima(LENGTH, SEASON);
    private final Arima css = new Arima(LENGTH, SEASON);
    private final Arima flat = new Arima(LENGTH, SEASON);
    private double[] state;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom rng = new SplittableRandom(20261124L);
        double noise = 0;
        for (int t = 0; t < LENGTH; t++) {
            noise = 0.6 * noise + rng.nextDouble() - 0.5;
            series[t] = 100 + 25 * Math.sin(2 * Math.PI * t / SEASON) + 8 * noise;
        }
        css.setExactRefit(false);
        if (!exact.fitOrders(series, LENGTH, SEASON, 2, 0, 1, 1, 1, 1, false)
            || !css.fitOrders(series, LENGTH, SEASON, 2, 0, 1, 1, 1, 1, false)
            || !flat.fitOrders(series, LENGTH, SEASON, 2, 0, 1, 1, 1, 1, false) || !exact.isExact()) {
            throw new IllegalStateException("benchmark series did not fit exactly");
        }
        state = new double[Arima.stateLength(SEASON)];
        flat.saveState(state, 0);
    }

    /** One new sample into the exactly refitted object. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double exactUpdate() {
        return exact.update(series[next++ % LENGTH]);
    }

    /** One new sample through a partition's flat state slice (load, update, save), as the online ensemble does. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double exactUpdateFlatState() {
        flat.loadState(state, 0);
        final double error = flat.update(series[next++ % LENGTH]);
        flat.saveState(state, 0);
        return error;
    }

    /** Baseline: the same orders fitted by CSS only. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double cssUpdate() {
        return css.update(series[next++ % LENGTH]);
    }
}
