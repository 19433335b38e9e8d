package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.daemon.Engine;
import io.presplit.daemon.config.DaemonConfig;
import io.presplit.forecast.PeakFactorFile;
import io.presplit.forecast.RollUpForecaster;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The daemon's roll-up forecaster keeps its learnt peak factors across a restart of the engine. */
class PeakFactorKeeperTest {
    private static final long MINUTE_NS = TimeUnit.MINUTES.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;
    private static final int HOUR = 60;
    private static final String[] KEYS = {"host-a", "host-b"};

    @TempDir
    Path dir;

    /**
     * Guards the restart: a daemon configured for 3 hours ahead on minute ticks (hourly rows, so a roll-up) learns
     * its partitions' peak factors from five hours of load with a burst each hour; the keeper writes them as rows
     * complete; after the engine is closed and reopened on the same data directory with a new forecaster, the
     * keeper reads them back bit for bit (without it the new forecaster would start unlearnt: the history keeps row
     * sums, not the row peaks the factors learn from).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepTheLearntPeakFactorsWhenTheEngineRestarts() throws Exception {
        final DaemonConfig config = threeHoursAhead();
        final int slot;
        final double peakFactor;
        final double horizonFactor;
        try (Engine engine = Engine.open(Daemon.engineConfig(config), Forecasters.create(config), START_NS);
            PeakFactorKeeper keeper = PeakFactorKeeper.open(engine)) {
            final PartitionWriter writer = engine.openWriter();
            for (long t = 0; t < 5 * HOUR; t++) {
                final long tickStartNs = START_NS + t * MINUTE_NS;
                // 20 points a tick per key, 200 in one minute of each hour: the row's peak is far above its mean.
                final int points = t % HOUR == 17 ? 200 : 20;
                for (final String key : KEYS) {
                    for (int i = 0; i < points; i++) {
                        writer.write(key, tickStartNs + i, i);
                    }
                }
                engine.advanceTo(tickStartNs + MINUTE_NS, keeper::onTick);
            }
            final RollUpForecaster forecaster = (RollUpForecaster) engine.forecaster();
            slot = engine.partitions().liveSlot(0);
            peakFactor = forecaster.peakFactor(slot);
            horizonFactor = forecaster.horizonFactor(slot);
            assertThat(peakFactor).as("learnt from the bursts").isGreaterThan(2);
            assertThat(dir.resolve(PeakFactorFile.FILE_NAME)).as("written as rows completed").exists();
        }
        try (Engine engine = Engine.open(Daemon.engineConfig(config), Forecasters.create(config), START_NS);
            PeakFactorKeeper keeper = PeakFactorKeeper.open(engine)) {
            final RollUpForecaster forecaster = (RollUpForecaster) engine.forecaster();
            assertThat(forecaster.peakFactor(slot)).isEqualTo(peakFactor);
            assertThat(forecaster.horizonFactor(slot)).isEqualTo(horizonFactor);
            assertThat(keeper.writeFailures()).isZero();
        }
    }

    private DaemonConfig threeHoursAhead() {
        final DaemonConfig config = new DaemonConfig();
        config.dataDir = dir.toString();
        config.engine.tickMs = 60_000;
        config.engine.forecaster = "ensemble";
        config.engine.seasonTicks = HOUR;
        config.engine.horizonTicks = 3 * HOUR;
        config.engine.maxHorizonTicks = 3 * HOUR;
        config.engine.historyTicks = 240;
        config.engine.historyRollUps = List.of(new DaemonConfig.HistoryRollUp(3_600_000, 24 * 7));
        config.engine.slotCapacity = 8;
        config.engine.maxPartitions = 4;
        config.engine.capacityPointsPerSecond = 1e9;
        return config.validate();
    }
}
