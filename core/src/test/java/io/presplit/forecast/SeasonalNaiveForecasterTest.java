package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.AllocationMeter;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;

class SeasonalNaiveForecasterTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];

    /** Guards the seasonal naive definition: step h repeats the value one season earlier, wrapping by season. */
    @Test
    void shouldRepeatTheLastSeasonWhenHistoryCoversIt() {
        try (LoadHistory history = new LoadHistory(1, 64, 0.9)) {
            for (int t = 0; t < 10; t++) {
                history.writeRow(0, t, 0, 0, NO_BUCKETS);
                history.completeTick();
            }
            final ForecastTable table = new ForecastTable(1, 7);
            new SeasonalNaiveForecaster(3).forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
            // history ...7, 8, 9: season 3 repeats 7, 8, 9, 7, 8, 9, 7
            final double[] expected = {7, 8, 9, 7, 8, 9, 7};
            for (int h = 0; h < 7; h++) {
                assertThat(table.mean(0, h)).isEqualTo(expected[h]);
            }
        }
    }

    /** Guards the cold-start fallback: with less than a season of history, every step gets the last value. */
    @Test
    void shouldRepeatTheLastValueWhenHistoryIsShorterThanASeason() {
        try (LoadHistory history = new LoadHistory(1, 64, 0.9)) {
            history.writeRow(0, 4, 0, 0, NO_BUCKETS);
            history.completeTick();
            history.writeRow(0, 6, 0, 0, NO_BUCKETS);
            history.completeTick();
            final ForecastTable table = new ForecastTable(1, 5);
            new SeasonalNaiveForecaster(24).forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
            for (int h = 0; h < 5; h++) {
                assertThat(table.mean(0, h)).isEqualTo(6);
            }
            assertThat(table.peak(0)).isEqualTo(6);
        }
    }

    /** Guards the forecast tick's promise: the native forecaster allocates nothing. */
    @Test
    void shouldNotAllocateWhenForecasting() {
        try (LoadHistory history = new LoadHistory(4, 64, 0.9)) {
            for (int t = 0; t < 50; t++) {
                for (int slot = 0; slot < 4; slot++) {
                    history.writeRow(slot, t * slot, 0, 0, NO_BUCKETS);
                }
                history.completeTick();
            }
            final ForecastTable table = new ForecastTable(4, 12);
            final int[] slots = {0, 1, 2, 3};
            final Forecaster forecaster = new SeasonalNaiveForecaster(24);
            assertThat(AllocationMeter.allocatedBytes(10_000,
                () -> forecaster.forecast(history, Resource.INGEST_POINTS, slots, 4, table))).isZero();
        }
    }
}
