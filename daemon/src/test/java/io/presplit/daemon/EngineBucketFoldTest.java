package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.PartitionTable;
import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** The engine with bucket counts folded every few ticks ({@link EngineConfig#bucketFoldTicks()}). */
class EngineBucketFoldTest {
    private static final long TICK_NS = 1_000_000_000L;
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;
    private static final int PERIOD = 4;
    private static final int SPLITS = 6;
    private static final int KEYS = 200;

    @TempDir
    Path dir;

    /**
     * Guards the engine's wiring of the period: its rows are those of an engine that folds bucket counts every tick,
     * tick by tick in every slot; every loaded partition's bucket loads are filled once its block's phase has come
     * round; and retired slots wait the period and a tick before reuse.
     */
    @Test
    void shouldWriteTheSameRowsAndQuarantineSlotsLongerWhenBucketCountsAreFoldedEveryFewTicks() throws Exception {
        try (Engine everyTick = Engine.open(config(dir.resolve("every-tick"), 1), new SeasonalNaiveForecaster(4),
                START_NS);
             Engine periodic = Engine.open(config(dir.resolve("periodic"), PERIOD), new SeasonalNaiveForecaster(4),
                 START_NS)) {
            assertThat(everyTick.partitions().quarantineTicks()).isEqualTo(PartitionTable.SLOT_QUARANTINE_TICKS);
            assertThat(periodic.partitions().quarantineTicks()).isEqualTo(PERIOD + 1);
            split(everyTick);
            split(periodic);
            final PartitionWriter everyTickWriter = everyTick.openWriter();
            final PartitionWriter periodicWriter = periodic.openWriter();
            for (int t = 0; t < 3 * PERIOD; t++) {
                final long tickStartNs = START_NS + t * TICK_NS;
                // The last ticks idle: every block's phase comes round after the last counts.
                if (t < 2 * PERIOD) {
                    for (int k = 0; k < KEYS; k++) {
                        for (int i = 0; i <= (k + t) % 3; i++) {
                            everyTickWriter.write("key-" + k, tickStartNs + i, i);
                            periodicWriter.write("key-" + k, tickStartNs + i, i);
                        }
                    }
                }
                assertThat(periodic.advanceTo(tickStartNs + TICK_NS, () -> { }))
                    .isEqualTo(everyTick.advanceTo(tickStartNs + TICK_NS, () -> { })).isEqualTo(1);
                final LoadHistory expected = everyTick.history();
                final LoadHistory actual = periodic.history();
                for (int slot = 0; slot < everyTick.partitions().highWaterSlot(); slot++) {
                    assertThat(actual.length(slot)).isEqualTo(expected.length(slot));
                    for (final Resource resource : Resource.values()) {
                        if (expected.length(slot) > 0) {
                            assertThat(actual.value(resource, slot, 0)).as("tick %d, slot %d, %s", t, slot, resource)
                                .isEqualTo(expected.value(resource, slot, 0));
                        }
                    }
                }
            }
            final PartitionTable partitions = periodic.partitions();
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                double load = 0;
                for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                    load += periodic.history().bucketLoad(slot, b);
                }
                assertThat(load).as("slot %d's bucket loads", slot).isPositive();
            }
        }
    }

    private static EngineConfig config(final Path dataDir, final int bucketFoldTicks) {
        return new EngineConfig(dataDir, 256, 2, 64, TICK_NS, 2, new CapacityPlan(1e12),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * TICK_NS, 250, 0.9), false, 0, 24)
            .withBucketFoldTicks(bucketFoldTicks);
    }

    /** Splits the first live partition at its middle key, {@link #SPLITS} times, before any load. */
    private static void split(final Engine engine) {
        final PartitionTable partitions = engine.partitions();
        for (int s = 0; s < SPLITS; s++) {
            final int slot = partitions.liveSlot(0);
            final long middle = partitions.keyLo(slot) + ((partitions.keyHi(slot) - partitions.keyLo(slot)) >>> 1) + 1;
            engine.runBetweenTicks(() -> engine.coordinator().splitNow(slot, middle));
        }
        assertThat(partitions.liveCount()).isEqualTo(1 + SPLITS);
    }
}
