package io.presplit.forecast.onnx.prophet;

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
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One Prophet fit ({@link ProphetFitter#defaults}: 25 changepoints, weekly and daily seasonality, MAP by L-BFGS) of
 * an hourly series with daily and weekly cycles, a trend change and noise: the cost of one refit in the
 * forecaster's budget. Lengths: fifteen days (the forecaster's default window) and eight weeks. Allocation-free once
 * warm ({@code -prof gc}).
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ProphetFitBenchmark {
    @Param({"360", "1344"})
    int length;

    private ProphetFitter fitter;
    private double[] y;
    private double[] times;

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom rng = new SplittableRandom(20261124L);
        y = new double[length];
        for (int t = 0; t < length; t++) {
            final double trend = t < length / 2 ? 0.05 * t : 0.05 * length / 2 - 0.02 * (t - length / 2);
            y[t] = 100 + trend + 25 * Math.sin(2 * Math.PI * t / 24) + 10 * Math.sin(2 * Math.PI * t / 168)
                + 5 * (rng.nextDouble() - 0.5);
        }
        fitter = ProphetFitter.defaults(length);
        times = new double[length];
    }

    /** A full fit from Prophet's initial values. */
    @Benchmark
    public double fit() {
        fitter.fit(0, 3600, y, length, times);
        return fitter.sigma();
    }
}
