package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.keyspace.KeySpace;
import io.presplit.storage.PartitionWriter;
import io.presplit.storage.SplitCost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

class EngineSplitPointTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;

    @TempDir
    Path dir;

    /**
     * Guards the engine's tie-break between equally good split points: with no recent load per key bucket (data
     * written, no tick folded yet), every boundary leaves the same predicted load, and the engine asks its own store
     * what compaction would copy, taking the boundary whose larger child copies least, not the lowest one.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldSplitWhereTheStoresCompactionCopiesLeastWhenNoBoundaryCarriesLessLoad() throws Exception {
        final EngineConfig config = new EngineConfig(dir, 64, 1, 48, HOUR_NS, 6, new CapacityPlan(500),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * HOUR_NS, 64, 0.9), true, 1, 24);
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), START_NS)) {
            final PartitionWriter writer = engine.openWriter();
            for (int k = 0; k < 200; k++) {
                for (int i = 0; i < 50; i++) {
                    writer.write("host-" + k, START_NS + i, i);
                }
            }
            final int slot = engine.partitions().liveSlot(0);
            final long lo = engine.partitions().keyLo(slot);
            final long hi = engine.partitions().keyHi(slot);
            final long width = KeySpace.bucketWidth(lo, hi);
            final long[] candidates = new long[KeySpace.BUCKET_COUNT - 1];
            for (int b = 1; b < KeySpace.BUCKET_COUNT; b++) {
                candidates[b - 1] = KeySpace.bucketStart(lo, width, b);
            }
            final List<SplitCost> costs = engine.store().splitCost(engine.partitions().partitionId(slot), candidates);
            final SplitCost cheapest = costs.stream().min(Comparator.comparingLong(SplitCost::largerChildBytes))
                .orElseThrow();

            final long chosen = engine.adjustment().chooseSplitKey(engine.history(), slot, 1.0);

            assertThat(chosen).isEqualTo(cheapest.splitKey()).isNotEqualTo(candidates[0]);
            assertThat(cheapest.largerChildBytes()).isLessThan(costs.get(0).largerChildBytes());
            assertThat(engine.adjustment().splitCostFailures()).isZero();
        }
    }
}
