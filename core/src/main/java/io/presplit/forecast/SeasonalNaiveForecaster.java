package io.presplit.forecast;

import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

/**
 * Seasonal naive: the load {@code h} ticks ahead is the load one season earlier,
 * {@code y[T+h] = y[T + h - m * ceil(h / m)]} (Hyndman &amp; Athanasopoulos, FPP3 §5.2, {@code SNAIVE}).
 * <p>
 * With a season of 1 it is the naive (last value) forecast, which is the reactive baseline. A slot with less than
 * one season of history falls back to its last value. Allocation-free.
 */
public final class SeasonalNaiveForecaster implements Forecaster {
    private final int seasonTicks;
    private final String name;

    /** @param seasonTicks the season length {@code m} in ticks (1 = naive). */
    public SeasonalNaiveForecaster(final int seasonTicks) {
        if (seasonTicks < 1) {
            throw new IllegalArgumentException("season must be at least one tick [seasonTicks=" + seasonTicks + "]");
        }
        this.seasonTicks = seasonTicks;
        this.name = seasonTicks == 1 ? "naive" : "snaive" + seasonTicks;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void forecast(
        final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        table.requireTickSteps(name);
        final int horizon = table.horizon();
        final int m = seasonTicks;
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            if (history.length(slot) < m) {
                final double last = history.value(resource, slot, 0);
                for (int h = 0; h < horizon; h++) {
                    table.mean(slot, h, last);
                }
            } else {
                for (int h = 0; h < horizon; h++) {
                    // step h is h + 1 ticks ahead: the same phase one whole number of seasons back.
                    final int ahead = h + 1;
                    final int seasonsBack = (ahead + m - 1) / m;
                    table.mean(slot, h, history.value(resource, slot, seasonsBack * m - ahead));
                }
            }
        }
    }
}
