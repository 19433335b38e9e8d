package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.PartitionTable;
import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The engine's load history with roll-up levels: what the profiler writes, what a restart keeps. */
class EngineHistoryLevelsTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;
    private static final int TICKS = 31;
    private static final List<LoadHistory.Level> ROLL_UPS = List.of(new LoadHistory.Level(3, 8),
        new LoadHistory.Level(6, 3));

    @TempDir
    Path dir;

    /**
     * Guards the roll-ups the engine keeps: for every live partition (splits included, whose children start from
     * their share of the parent), every retained row of each roll-up level equals the naive sum of the tick rows it
     * spans, and after a restart every level's rows are the same.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldKeepRollUpsEqualToTickSumsAcrossARestart() throws Exception {
        final EngineConfig config = new EngineConfig(dir, 256, 1, 24 * 7, HOUR_NS, 6, new CapacityPlan(500),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * HOUR_NS, 64, 0.9), true, 1, 24).withHistoryRollUps(ROLL_UPS);
        final Map<Long, double[][]> before = new HashMap<>();
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), START_NS)) {
            assertThat(engine.history().levelCount()).isEqualTo(3);
            final PartitionWriter writer = engine.openWriter();
            for (int t = 0; t < TICKS; t++) {
                final long tickStartNs = START_NS + t * HOUR_NS;
                for (int k = 0; k < 16; k++) {
                    // Some keys idle in some ticks: their partitions' rows are written lazily.
                    if ((k + t) % 4 != 0) {
                        for (int i = 0; i < 20 + t * 3; i++) {
                            writer.write("host-" + k, tickStartNs + i, i);
                        }
                    }
                }
                engine.advanceTo(tickStartNs + HOUR_NS, () -> { });
            }
            final LoadHistory history = engine.history();
            final PartitionTable partitions = engine.partitions();
            assertThat(partitions.liveCount()).as("the growing load split the key space").isGreaterThan(1);
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                for (int l = 1; l < history.levelCount(); l++) {
                    final int perRow = history.ticksPerRow(l);
                    assertThat(history.length(l, slot)).isPositive();
                    for (int ago = 0; ago < history.length(l, slot); ago++) {
                        final int ticksAgo = (TICKS % perRow) + ago * perRow;
                        double naive = 0;
                        for (int t = 0; t < perRow; t++) {
                            naive += history.value(Resource.INGEST_POINTS, slot, ticksAgo + t);
                        }
                        assertThat(history.value(l, Resource.INGEST_POINTS, slot, ago))
                            .as("slot %d level %d row %d ago", slot, l, ago).isCloseTo(naive, within(1e-6));
                    }
                }
                before.put(partitions.partitionId(slot), rows(history, slot));
            }
        }
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), START_NS + TICKS * HOUR_NS)) {
            final PartitionTable partitions = engine.partitions();
            assertThat(partitions.liveCount()).isEqualTo(before.size());
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                assertThat(rows(engine.history(), slot)).as("partition %d", partitions.partitionId(slot))
                    .isDeepEqualTo(before.get(partitions.partitionId(slot)));
            }
        }
    }

    /** Guards against opening a history with other levels than it was created with: refused, both named. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRefuseAHistoryFileWhenTheConfiguredLevelsChanged() throws Exception {
        final EngineConfig config = new EngineConfig(dir, 64, 1, 24, HOUR_NS, 6, new CapacityPlan(500),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * HOUR_NS, 16, 0.9), true, 1, 24);
        Engine.open(config, new SeasonalNaiveForecaster(24), START_NS).close();
        assertThatThrownBy(() -> Engine.open(config.withHistoryRollUps(ROLL_UPS), new SeasonalNaiveForecaster(24),
            START_NS)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another shape");
    }

    private static double[][] rows(final LoadHistory history, final int slot) {
        final double[][] levels = new double[history.levelCount()][];
        for (int l = 0; l < history.levelCount(); l++) {
            levels[l] = new double[history.length(l, slot)];
            history.copySeries(l, Resource.INGEST_POINTS, slot, levels[l].length, levels[l]);
        }
        return levels;
    }
}
