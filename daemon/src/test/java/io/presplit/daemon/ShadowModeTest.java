package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.PartitionTable;
import io.presplit.capacity.CapacityPlan;
import io.presplit.coordinate.PartitionParticipant;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.shadow.ShadowReport;
import io.presplit.storage.PartitionWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Shadow mode: a candidate policy beside the active one, scored on the same load, never touching the store. */
class ShadowModeTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final int KEYS = 48;
    private static final double CAPACITY = 1000;

    @TempDir
    Path dir;

    /**
     * Guards the two promises of shadow mode: its decisions never reach the store (the store's partitions stay
     * exactly the active map's), and it is scored on the load that arrived: a shadow running the active policy
     * itself sees about the active map's figures, and an eager candidate (split at 40 %) pays for fewer
     * saturations with more partition-ticks.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldScoreACandidateBesideTheActiveMapWithoutTouchingTheStore() throws Exception {
        final AdjustmentPolicy activePolicy = new AdjustmentPolicy(0.8, 0.3, 6, 2 * HOUR_NS, 64, 0.9);
        final ShadowReport same = run(dir.resolve("same"), activePolicy, activePolicy);
        final ShadowReport eager = run(dir.resolve("eager"), activePolicy,
            new AdjustmentPolicy(0.4, 0.15, 6, 2 * HOUR_NS, 64, 0.9));

        System.out.println("shadow, same policy: " + same + "\nshadow, eager: " + eager);
        assertThat(same.ticks()).isEqualTo(72);
        assertThat(same.activeSaturatedPartitionTicks()).as("the trace saturates the active map sometimes")
            .isPositive();
        assertThat((double) same.partitionTicks()).as("same policy, about the same cost")
            .isBetween(0.8 * same.activePartitionTicks(), 1.2 * same.activePartitionTicks());
        assertThat(eager.partitionTicks()).isGreaterThan(same.partitionTicks());
        assertThat(eager.saturatedPartitionTicks()).isLessThanOrEqualTo(same.saturatedPartitionTicks());
        assertThat(eager.splits()).isPositive();
    }

    private ShadowReport run(final Path dataDir, final AdjustmentPolicy active, final AdjustmentPolicy candidate)
        throws Exception {
        final long startNs = 1_700_000_000L * 1_000_000_000L;
        final EngineConfig config = new EngineConfig(dataDir, 512, 1, 24 * 7, HOUR_NS, 6, new CapacityPlan(CAPACITY),
            active, true, 1, 24);
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), startNs)) {
            engine.startShadow(candidate, new SeasonalNaiveForecaster(24), 6);
            final PartitionWriter writer = engine.openWriter();
            for (int t = 0; t < 72; t++) {
                final long tickStartNs = startNs + t * HOUR_NS;
                for (int k = 0; k < KEYS; k++) {
                    final int points = pointsPerKey(t, k);
                    for (int i = 0; i < points; i++) {
                        writer.write("host-" + k, tickStartNs + i * (HOUR_NS / points), k);
                    }
                }
                engine.advanceTo(tickStartNs + HOUR_NS, () -> { });
            }
            final List<String> stored = new ArrayList<>();
            for (final PartitionParticipant.PartitionView view : engine.store().livePartitions()) {
                stored.add(view.keyLo() + ".." + view.keyHi());
            }
            final List<String> activeMap = new ArrayList<>();
            final PartitionTable partitions = engine.partitions();
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                activeMap.add(partitions.keyLo(slot) + ".." + partitions.keyHi(slot));
            }
            assertThat(stored).as("the store follows the active map only").isEqualTo(activeMap);
            return engine.shadowReport();
        }
    }

    /** A daily cycle whose peak needs about two partitions, with a few heavier keys. */
    private static int pointsPerKey(final int tick, final int key) {
        final double cycle = (1 + Math.cos(2 * Math.PI * ((tick % 24) - 15) / 24.0)) / 2;
        final double weight = key % 7 == 0 ? 3 : 1;
        return 1 + (int) (weight * 32 * cycle);
    }
}
