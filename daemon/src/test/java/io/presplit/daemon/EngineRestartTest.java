package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.PartitionTable;
import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.profile.Resource;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

class EngineRestartTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;
    private static final int TICKS = 30;

    @TempDir
    Path dir;

    /**
     * Guards the restart promise: the load history lives in the data directory and each partition keeps its load
     * slot, so after a restart every partition has the history it had, and forecasts do not start cold.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepEveryPartitionsLoadHistoryAcrossARestart() throws Exception {
        final EngineConfig config = new EngineConfig(dir, 256, 1, 24 * 7, HOUR_NS, 6, new CapacityPlan(500),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * HOUR_NS, 64, 0.9), true, 1, 24);
        final Map<Long, double[]> before = new HashMap<>();
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), START_NS)) {
            final PartitionWriter writer = engine.openWriter();
            for (int t = 0; t < TICKS; t++) {
                final long tickStartNs = START_NS + t * HOUR_NS;
                for (int k = 0; k < 16; k++) {
                    for (int i = 0; i < 20 + t * 3; i++) {
                        writer.write("host-" + k, tickStartNs + i, i);
                    }
                }
                engine.advanceTo(tickStartNs + HOUR_NS, () -> { });
            }
            final PartitionTable partitions = engine.partitions();
            assertThat(partitions.liveCount()).as("the growing load split the key space").isGreaterThan(1);
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                before.put(partitions.partitionId(slot), series(engine, slot));
            }
            assertThat(before.values()).allSatisfy(series -> assertThat(series).hasSizeGreaterThan(10));
        }

        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), START_NS + TICKS * HOUR_NS)) {
            final PartitionTable partitions = engine.partitions();
            assertThat(partitions.liveCount()).isEqualTo(before.size());
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                assertThat(series(engine, slot)).as("partition %d", partitions.partitionId(slot))
                    .containsExactly(before.get(partitions.partitionId(slot)));
            }
        }
    }

    private static double[] series(final Engine engine, final int slot) {
        final int length = engine.history().length(slot);
        final double[] values = new double[length];
        engine.history().copySeries(Resource.INGEST_POINTS, slot, length, values);
        return values;
    }
}
