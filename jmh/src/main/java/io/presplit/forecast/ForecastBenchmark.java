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
 * Per-series costs of the native models on a 720-point hourly series (30 days, daily cycle, drift and noise;
 * seed 20261124): a whole fit plus a 48-step forecast for automatic ARIMA and ETS (the unit to compare with R's
 * {@code auto.arima} and {@code ets}), and the incremental update per new sample, directly on the fitted object and
 * through the flat per-partition state the online ensemble keeps. Baseline: seasonal naive. Run with
 * {@code -prof gc}.
 */
@State(Scope.Thread)
@Fork(3)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
public class ForecastBenchmark {
    private static final int LENGTH = 720;
    private static final int SEASON = 24;
    private static final int HORIZON = 48;

    private final double[] series = new double[LENGTH];
    private final double[] out = new double[HORIZON];
    private final SeriesModel snaive = new SeriesModel.SeasonalNaive();
    private final ArimaModel arima = new ArimaModel(LENGTH, SEASON);
    private final EtsModel ets = new EtsModel(SEASON);
    private final Arima arimaFitted = new Arima(LENGTH, SEASON);
    private final Ets etsFitted = new Ets(SEASON);
    private final OnlineModel onlineArima = new OnlineModel.OnlineArima(LENGTH, SEASON);
    private double[] arimaState;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom rng = new SplittableRandom(20261124L);
        double noise = 0;
        for (int t = 0; t < LENGTH; t++) {
            noise = 0.6 * noise + rng.nextDouble() - 0.5;
            series[t] = 100 + 0.02 * t + 25 * Math.sin(2 * Math.PI * t / SEASON) + 8 * noise;
        }
        if (!arimaFitted.fit(series, LENGTH, SEASON) || !etsFitted.fit(series, LENGTH, SEASON)) {
            throw new IllegalStateException("benchmark series did not fit");
        }
        arimaState = new double[onlineArima.stateLength()];
        if (!onlineArima.refit(series, LENGTH, arimaState, 0)) {
            throw new IllegalStateException("benchmark series did not fit online");
        }
    }

    /** Automatic ARIMA: order search, CSS fits, 48-step forecast. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double arimaFitForecast() {
        arima.fitForecast(series, LENGTH, SEASON, HORIZON, out);
        return out[HORIZON - 1];
    }

    /** ETS: two models by likelihood, AICc choice, 48-step forecast. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double etsFitForecast() {
        ets.fitForecast(series, LENGTH, SEASON, HORIZON, out);
        return out[HORIZON - 1];
    }

    /** Baseline: seasonal naive, 48 steps. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double snaiveForecast() {
        snaive.fitForecast(series, LENGTH, SEASON, HORIZON, out);
        return out[HORIZON - 1];
    }

    /** One new sample into the fitted ARIMA object. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double arimaUpdate() {
        final int t = next++ % LENGTH;
        return arimaFitted.update(series[t]);
    }

    /** One new sample into the fitted ETS object. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double etsUpdate() {
        final int t = next++ % LENGTH;
        return etsFitted.update(series[t]);
    }

    /** One new sample into a partition's flat ARIMA state (load, update, save), as the online ensemble does. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public double onlineArimaUpdate() {
        final int t = next++ % LENGTH;
        onlineArima.update(arimaState, 0, series[t]);
        return arimaState[8];
    }
}
