package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.daemon.Engine;
import io.presplit.daemon.config.DaemonConfig;
import io.presplit.forecast.PeakFactorFile;
import io.presplit.forecast.RollUpForecaster;
import io.presplit.monitor.CounterId;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
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
            runTicks(engine, engine.openWriter(), keeper, 0, 5 * HOUR);
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

    /**
     * Guards the failure contract: when the factors' file cannot be written (here a directory stands where it goes),
     * the daemon goes on with the factors in memory, counts the failure in the keeper and in the engine counter that
     * {@code /metrics} and {@code counters.dat} publish, and writes the file at the next learnt row once it can.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldCountAFailedWriteAndWriteAtTheNextRow() throws Exception {
        final DaemonConfig config = threeHoursAhead();
        final Path file = dir.resolve(PeakFactorFile.FILE_NAME);
        try (Engine engine = Engine.open(Daemon.engineConfig(config), Forecasters.create(config), START_NS);
            PeakFactorKeeper keeper = PeakFactorKeeper.open(engine)) {
            // After the start, which refuses a file it cannot read: from now on nothing can be written there.
            Files.createDirectories(file.resolve("in-the-way"));
            final PartitionWriter writer = engine.openWriter();
            runTicks(engine, writer, keeper, 0, 5 * HOUR);
            final long failures = keeper.writeFailures();
            assertThat(failures).as("one failed write per learnt row").isPositive();
            assertThat(engine.counters().counter(CounterId.PEAK_FACTOR_WRITE_FAILURES).get()).isEqualTo(failures);
            assertThat(engine.advanceTo(START_NS + 5 * HOUR * MINUTE_NS, () -> { })).as("still running").isZero();

            Files.delete(file.resolve("in-the-way"));
            Files.delete(file);
            runTicks(engine, writer, keeper, 5 * HOUR, 7 * HOUR);
            assertThat(file).as("written at the next learnt row").isRegularFile();
            assertThat(keeper.writeFailures()).isEqualTo(failures);
        }
    }

    /** Ticks {@code [from, to)} of 20 points a key, 200 in minute 17 of each hour: a row's peak far above its mean. */
    private static void runTicks(final Engine engine, final PartitionWriter writer, final PeakFactorKeeper keeper,
        final long from, final long to) {
        for (long t = from; t < to; t++) {
            final long tickStartNs = START_NS + t * MINUTE_NS;
            final int points = t % HOUR == 17 ? 200 : 20;
            for (final String key : KEYS) {
                for (int i = 0; i < points; i++) {
                    writer.write(key, tickStartNs + i, i);
                }
            }
            engine.advanceTo(tickStartNs + MINUTE_NS, keeper::onTick);
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
