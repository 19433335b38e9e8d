package io.presplit.forecast.onnx.prophet;

import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The Prophet forecaster behind the Forecaster SPI: per-partition fits, one batched ONNX call, intervals. */
class ProphetForecasterTest {
    private static final double HOUR = 3600;
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final long SEED = 20261124L;

    /**
     * Partitions with different levels, trends and daily/weekly shapes: after their fits, every slot's forecast is
     * its own model's Java evaluation (the batch rows did not mix partitions), and the forecast follows the truth.
     */
    @Test
    void shouldForecastEachPartitionWithItsOwnModelWhenServedInOneBatch() {
        final int slots = 12;
        final int horizon = 24;
        final int ticks = 16 * 24;
        final Random random = new Random(SEED);
        System.out.println("seed " + SEED);
        final double[][] data = seasonalLoad(slots, ticks + horizon, random);
        try (LoadHistory history = new LoadHistory(slots, ticks + horizon, 0.9);
             ProphetForecaster forecaster = ProphetForecaster.defaults(slots, horizon, HOUR, 0, null)) {
            final ForecastTable table = new ForecastTable(slots, horizon);
            final int[] list = identity(slots);
            feed(history, data, 0, ticks);
            // refits take about 20 ms of each tick: a few ticks (without new data) fit every slot
            int calls = 0;
            while (forecaster.refits() < slots && calls++ < 1_000) {
                forecaster.forecast(history, Resource.INGEST_POINTS, list, slots, table);
            }
            final long fallbacksBefore = forecaster.fallbackForecasts();
            forecaster.forecast(history, Resource.INGEST_POINTS, list, slots, table); // all served by the batch
            final double[] times = new double[horizon];
            for (int h = 0; h < horizon; h++) {
                times[h] = (ticks + h) * HOUR;
            }
            final ProphetModel.Components expected = new ProphetModel.Components(horizon, 2);
            for (int s = 0; s < slots; s++) {
                assertThat(forecaster.isFitted(s)).isTrue();
                forecaster.model(s).predict(times, horizon, expected);
                double error = 0;
                double level = 0;
                for (int h = 0; h < horizon; h++) {
                    assertThat(table.mean(s, h)).isCloseTo(Math.max(0, expected.yhat(h)),
                        within(1e-9 * Math.abs(expected.yhat(h)) + 1e-12));
                    error += Math.abs(table.mean(s, h) - data[ticks + h][s]);
                    level += data[ticks + h][s];
                }
                assertThat(error / level).as("relative MAE of slot %d", s).isLessThan(0.1);
            }
            assertThat(forecaster.refits()).isEqualTo(slots);
            assertThat(forecaster.fallbackForecasts()).isEqualTo(fallbacksBefore);
        }
    }

    /**
     * The hot path: once fitted, a tick's allocation must not grow with the partition count (ONNX Runtime's result
     * bookkeeping is a fixed amount per call). Guards against per-row tensors, boxing or buffer churn.
     */
    @Test
    void shouldAllocateSameAmountPerTickWhenPartitionCountGrows() {
        final long small = steadyTickAllocation(64);
        final long large = steadyTickAllocation(1024);
        System.out.println("allocated bytes per tick: 64 slots " + small + ", 1024 slots " + large);
        assertThat(large - small).isLessThan(2048);
    }

    /** No history for a fit yet: seasonal naive over a day, or the last value, and counted. */
    @Test
    void shouldFallBackToSeasonalNaiveWhenHistoryIsTooShort() {
        try (LoadHistory history = new LoadHistory(1, 100, 0.9);
             ProphetForecaster forecaster = ProphetForecaster.defaults(1, 4, HOUR, 0, null)) {
            final ForecastTable table = new ForecastTable(1, 4);
            for (int t = 0; t < 30; t++) {
                history.writeRow(0, t, 0, 0, NO_BUCKETS);
                history.completeTick();
            }
            forecaster.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
            // a day (24 ticks) back from steps 1..4: values 6, 7, 8, 9
            assertThat(table.mean(0, 0)).isEqualTo(6);
            assertThat(table.mean(0, 3)).isEqualTo(9);
            assertThat(forecaster.fallbackForecasts()).isEqualTo(1);
            assertThat(forecaster.isFitted(0)).isFalse();
        }
    }

    /** Refits are bounded by the budget: with none, no tick fits anything, and the table is still complete. */
    @Test
    void shouldNotRefitWhenBudgetIsSpent() {
        final int slots = 4;
        try (LoadHistory history = new LoadHistory(slots, 200, 0.9);
             ProphetForecaster forecaster = new ProphetForecaster(slots, 8, HOUR, 0, ProphetFitter.defaults(96), 96,
                 48, 24, 0, null)) {
            final ForecastTable table = new ForecastTable(slots, 8);
            feed(history, seasonalLoad(slots, 100, new Random(SEED)), 0, 100);
            for (int t = 0; t < 3; t++) {
                forecaster.forecast(history, Resource.INGEST_POINTS, identity(slots), slots, table);
            }
            assertThat(forecaster.refits()).isZero();
            assertThat(forecaster.fallbackForecasts()).isEqualTo(3L * slots);
        }
    }

    /**
     * An imported Prophet model pinned to a slot, with tick 0 at the model's first training hour, is served as
     * Prophet's own predict() (the R fixture), never refitted; a new partition in that slot drops it.
     */
    @Test
    void shouldServeProphetPredictWhenImportedModelIsPinned() {
        final ProphetModel model = ProphetFixture.model();
        final ProphetFixture.Table train = ProphetFixture.table("train.csv");
        final ProphetFixture.Table forecast = ProphetFixture.table("forecast.csv");
        final int horizon = 48;
        final double[] y = train.column("y");
        try (LoadHistory history = new LoadHistory(1, y.length, 0.9);
             ProphetForecaster forecaster = ProphetForecaster.defaults(1, horizon, HOUR, model.start(),
                 new IntervalCalibrator(1, horizon, 0.02, 0.02))) {
            for (final double value : y) {
                history.writeRow(0, value, 0, 0, NO_BUCKETS);
                history.completeTick();
            }
            forecaster.pin(0, model);
            final ForecastTable table = new ForecastTable(1, horizon);
            forecaster.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
            final double[] yhat = forecast.column("yhat");
            for (int h = 0; h < horizon; h++) {
                assertThat(Math.abs(table.mean(0, h) - yhat[h])).isLessThanOrEqualTo(1e-6 * Math.abs(yhat[h]));
            }
            assertThat(forecaster.refits()).isZero();
            forecaster.onNewPartition(0);
            assertThat(forecaster.isFitted(0)).isFalse();
        }
    }

    private static long steadyTickAllocation(final int slots) {
        final int horizon = 24;
        final int ticks = 5 * 24;
        final double[][] data = seasonalLoad(slots, ticks + 40, new Random(SEED));
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LoadHistory history = new LoadHistory(slots, ticks + 40, 0.9);
             ProphetForecaster forecaster = new ProphetForecaster(slots, horizon, HOUR, 0, new ProphetFitter(96,
                 ProphetFitter.defaultSeasonalities(), 25, 0.8, 0.05, 30, 1e-12), 96, 48, 1_000_000,
                 Long.MAX_VALUE / 4, new IntervalCalibrator(slots, horizon, 0.02, 0.02))) {
            final ForecastTable table = new ForecastTable(slots, horizon);
            final int[] list = identity(slots);
            feed(history, data, 0, ticks);
            forecaster.forecast(history, Resource.INGEST_POINTS, list, slots, table); // fits every slot once
            for (int t = 0; t < 20; t++) {
                feed(history, data, ticks + t, ticks + t + 1);
                forecaster.forecast(history, Resource.INGEST_POINTS, list, slots, table);
            }
            final int measured = 10;
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int t = 20; t < 20 + measured; t++) {
                feed(history, data, ticks + t, ticks + t + 1);
                forecaster.forecast(history, Resource.INGEST_POINTS, list, slots, table);
            }
            return (threads.getCurrentThreadAllocatedBytes() - before) / measured;
        }
    }

    /** Hourly load: level × (1 + daily + weekly shape) + trend + noise, different per slot. */
    static double[][] seasonalLoad(final int slots, final int ticks, final Random random) {
        final double[][] data = new double[ticks][slots];
        for (int s = 0; s < slots; s++) {
            final double level = 50 + 200 * random.nextDouble();
            final double daily = 0.2 + 0.5 * random.nextDouble();
            final double weekly = 0.3 * random.nextDouble();
            final double phase = 2 * Math.PI * random.nextDouble();
            final double trend = (random.nextDouble() - 0.5) * level / 1000;
            for (int t = 0; t < ticks; t++) {
                final double day = 2 * Math.PI * t / 24.0 + phase;
                final double week = 2 * Math.PI * t / 168.0;
                data[t][s] = level * (1 + daily * Math.sin(day) + 0.3 * daily * Math.cos(2 * day)
                    + weekly * Math.sin(week)) + trend * t + 0.02 * level * random.nextGaussian();
            }
        }
        return data;
    }

    static void feed(final LoadHistory history, final double[][] data, final int from, final int to) {
        for (int t = from; t < to; t++) {
            for (int s = 0; s < data[t].length; s++) {
                history.writeRow(s, data[t][s], 0, 0, NO_BUCKETS);
            }
            history.completeTick();
        }
    }

    static int[] identity(final int n) {
        final int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }
}
