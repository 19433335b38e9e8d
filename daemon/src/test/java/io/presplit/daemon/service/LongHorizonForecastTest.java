package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.AllocationMeter;
import io.presplit.daemon.Engine;
import io.presplit.daemon.config.DaemonConfig;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.RollUpForecaster;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A daemon configured for a day ahead: which forecaster it builds, and what that forecaster does in the engine. */
class LongHorizonForecastTest {
    private static final long MINUTE_NS = TimeUnit.MINUTES.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;
    private static final int DAY = 1_440;
    private static final String[] KEYS = {"host-a", "host-b", "host-c", "host-d"};

    @TempDir
    Path dir;

    /**
     * Guards the rule that picks the roll-up: a day ahead on 1-minute ticks is served from the hourly rows (24
     * steps, daily season 24) after a quarter of a row (15 minutes) at tick level; the tick level then needs only
     * more history than those 15 steps, not more than a day. An hour ahead stays at tick level; so does a long
     * horizon without a roll-up level that fits twice in it, which then needs more tick history than the horizon
     * (refused, naming the key).
     */
    @Test
    void shouldServeADayAheadFromTheHourlyRowsWhenTheHorizonIsLong() {
        final DaemonConfig config = dayAhead().validate();
        assertThat(config.isRollUpHorizon()).isTrue();
        assertThat(config.rollUpLevel()).isEqualTo(1);
        assertThat(config.tickHorizonTicks()).isEqualTo(15);
        assertThat(config.rollUpSeasonRows()).isEqualTo(24);
        try (var forecaster = Forecasters.create(config)) {
            assertThat(forecaster).isInstanceOf(RollUpForecaster.class);
            assertThat(forecaster.name()).isEqualTo("ensemble+L1:ensemble");
        }

        final DaemonConfig hour = dayAhead();
        hour.engine.horizonTicks = 60;
        hour.engine.maxHorizonTicks = 60;
        hour.engine.historyTicks = 240;
        assertThat(hour.validate().isRollUpHorizon()).isFalse();
        try (var forecaster = Forecasters.create(hour)) {
            assertThat(forecaster.name()).isEqualTo("ensemble");
        }

        final DaemonConfig noRows = dayAhead();
        noRows.engine.historyRollUps = List.of();
        assertThatThrownBy(noRows::validate).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("engine.historyTicks");
    }

    /**
     * Guards the wiring end to end: the engine of a daemon configured for a day ahead on 1-minute ticks, fed three
     * days of a daily cycle, fills the whole day (15 tick steps, then one step per hour row: 40 steps at most, not
     * 1,440) with finite forecasts that follow the cycle a day ahead (a tick-level forecaster with 4 hours of ticks
     * could only extend its last steps: a flat line), with p90 at or above p50 at every step; and its tick, forecast
     * from the rows included, allocates nothing in steady state.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldForecastADayAheadFromTheRollUpAndNotAllocateWhenTicking() throws Exception {
        final DaemonConfig config = dayAhead();
        config.dataDir = dir.toString();
        config.validate();
        try (Engine engine = Engine.open(Daemon.engineConfig(config), Forecasters.create(config), START_NS)) {
            engine.forecasts().horizon(DAY);
            final PartitionWriter writer = engine.openWriter();
            final long[] tick = {0};
            final Runnable oneTick = () -> {
                final long t = tick[0]++;
                final long tickStartNs = START_NS + t * MINUTE_NS;
                final int points = points(t);
                for (final String key : KEYS) {
                    for (int i = 0; i < points; i++) {
                        writer.write(key, tickStartNs + i, i);
                    }
                }
                engine.advanceTo(tickStartNs + MINUTE_NS, () -> { });
            };
            for (int t = 0; t < 3 * DAY; t++) {
                oneTick.run();
            }
            assertThat(engine.forecaster()).isInstanceOf(RollUpForecaster.class);
            final ForecastTable table = engine.forecasts();
            // the engine's table has the forecaster's steps: 15 minutes of ticks, then one step per hour row (24,
            // or 25 when the day ahead starts inside a row), covering the day tick by tick
            assertThat(table.isTickSteps()).isFalse();
            assertThat(table.stepCapacity()).isEqualTo(15 + 24 + 1).isEqualTo(config.forecastTableSteps());
            int covered = 0;
            for (int k = 0; k < table.steps(); k++) {
                assertThat(table.firstTick(k)).isEqualTo(covered + 1);
                covered += table.spanTicks(k);
            }
            assertThat(covered).isEqualTo(DAY);
            assertThat(engine.partitions().liveCount()).isPositive();
            for (int i = 0; i < engine.partitions().liveCount(); i++) {
                final int slot = engine.partitions().liveSlot(i);
                double low = Double.POSITIVE_INFINITY;
                double high = Double.NEGATIVE_INFINITY;
                for (int h = 0; h < table.steps(); h++) {
                    assertThat(table.mean(slot, h)).as("slot %d step %d", slot, h).isFinite();
                    assertThat(table.p90(slot, h)).as("slot %d step %d", slot, h).isFinite()
                        .isGreaterThanOrEqualTo(table.p50(slot, h));
                    low = Math.min(low, table.mean(slot, h));
                    high = Math.max(high, table.mean(slot, h));
                }
                // the load's daily swing is 2 x 30 points a tick per key: the rows' forecast must carry most of it
                assertThat(high - low).as("slot %d daily swing", slot).isGreaterThan(30);
            }
            // the admin view still shows one value per tick ahead: each row step's bound over its ticks
            final EngineSnapshot snapshot = new SnapshotBuilder(engine, 10).build();
            final EngineSnapshot.PartitionState shown = snapshot.partitions().get(0);
            assertThat(shown.forecast()).hasSize(DAY);
            for (int h = 1; h <= DAY; h++) {
                assertThat(shown.forecast()[h - 1]).isEqualTo(table.p90(shown.slot(), table.stepAt(h)));
            }
            final long allocated = AllocationMeter.allocatedBytes(60, oneTick);
            assertThat(allocated).as("bytes per 60 ticks in steady state").isZero();
        }
    }

    private static DaemonConfig dayAhead() {
        final DaemonConfig config = new DaemonConfig();
        config.engine.tickMs = 60_000;
        config.engine.forecaster = "ensemble";
        config.engine.seasonTicks = 60;
        config.engine.horizonTicks = DAY;
        config.engine.maxHorizonTicks = DAY;
        config.engine.historyTicks = 240;
        config.engine.historyRollUps = List.of(new DaemonConfig.HistoryRollUp(3_600_000, 24 * 7));
        config.engine.slotCapacity = 16;
        config.engine.maxPartitions = 8;
        config.engine.capacityPointsPerSecond = 1e9;
        return config;
    }

    /** Points per key in tick {@code t}: a daily cycle of 40 ± 30 with a small hourly ripple. */
    private static int points(final long t) {
        return (int) Math.round(40 + 30 * Math.sin(2 * Math.PI * t / DAY) + 3 * Math.sin(2 * Math.PI * t / 60));
    }
}
