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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The walking skeleton end to end: a daily load cycle written through the real store, the engine splitting
 * ahead of the load, and every written point read back.
 */
class EndToEndTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final int KEYS = 64;
    private static final int DAYS = 3;
    private static final double CAPACITY = 1000;

    @TempDir
    Path dir;

    /**
     * Guards the product's promise: a partition whose load is heading over capacity is split while its load is
     * still under capacity, so that no tick saturates, and no point is lost or duplicated by the splits.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldSplitBeforeLoadCrossesCapacityAndReadEveryPointBack() throws Exception {
        final long startNs = 1_700_000_000L * 1_000_000_000L;
        final EngineConfig config = new EngineConfig(dir, 256, 1, 24 * 7, HOUR_NS, 6, new CapacityPlan(CAPACITY),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * HOUR_NS, 64, 0.9), true, 1, 24);
        final Map<String, List<long[]>> written = new HashMap<>();
        int firstSplitTick = -1;
        double loadWhenFirstSplit = 0;
        double peakTotal = 0;
        int saturatedPartitionTicks = 0;
        try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(24), startNs)) {
            final PartitionWriter writer = engine.openWriter();
            final PartitionTable partitions = engine.partitions();
            final int[] saturated = new int[1];
            final Runnable onTick = () -> {
                for (int i = 0; i < partitions.liveCount(); i++) {
                    if (engine.history().value(Resource.INGEST_POINTS, partitions.liveSlot(i), 0) > CAPACITY) {
                        saturated[0]++;
                    }
                }
            };
            for (int t = 0; t < DAYS * 24; t++) {
                final long tickStartNs = startNs + t * HOUR_NS;
                final int pointsPerKey = pointsPerKey(t);
                peakTotal = Math.max(peakTotal, (double) pointsPerKey * KEYS);
                for (int k = 0; k < KEYS; k++) {
                    final String key = "host-" + k;
                    for (int i = 0; i < pointsPerKey; i++) {
                        final long ts = tickStartNs + i * (HOUR_NS / pointsPerKey);
                        final double value = k * 1000.0 + t + i / 1000.0;
                        writer.write(key, ts, value);
                        written.computeIfAbsent(key, x -> new ArrayList<>()).add(new long[] {ts,
                            Double.doubleToLongBits(value)});
                    }
                }
                final long splitsBefore = engine.coordinator().splitsCommitted();
                engine.advanceTo(tickStartNs + HOUR_NS, onTick);
                if (firstSplitTick < 0 && engine.coordinator().splitsCommitted() > splitsBefore) {
                    firstSplitTick = t;
                    loadWhenFirstSplit = (double) pointsPerKey * KEYS;
                }
            }
            saturatedPartitionTicks = saturated[0];

            assertThat(peakTotal).as("the trace would saturate one partition").isGreaterThan(CAPACITY);
            assertThat(firstSplitTick).as("the engine split").isNotNegative();
            assertThat(loadWhenFirstSplit).as("it split while the load was still under capacity")
                .isLessThan(CAPACITY);
            assertThat(saturatedPartitionTicks).as("no partition ever saturated").isZero();
            assertThat(partitions.liveCount()).isGreaterThan(1);

            long total = 0;
            for (final Map.Entry<String, List<long[]>> entry : written.entrySet()) {
                final List<long[]> readBack = new ArrayList<>();
                engine.store().query(entry.getKey(), 0, Long.MAX_VALUE,
                    (partitionId, record) -> readBack.add(new long[] {record.timestampNs(),
                        Double.doubleToLongBits(record.value())}));
                readBack.sort((a, b) -> Long.compare(a[0], b[0]));
                assertThat(readBack).as("every point of %s, once", entry.getKey())
                    .containsExactlyElementsOf(entry.getValue());
                total += readBack.size();
            }
            final java.util.Map<String, Long> counters =
                io.presplit.monitor.MonitorCounters.read(dir.resolve(Engine.COUNTERS_FILE));
            assertThat(counters).as("counters readable from outside, matching the engine")
                .containsEntry("coordinate: splits committed", engine.coordinator().splitsCommitted())
                .containsEntry("partitions: live", (long) partitions.liveCount())
                .containsEntry("profile: ticks closed", (long) DAYS * 24);
            final long[] scanned = new long[1];
            engine.store().scan((partitionId, record) -> scanned[0]++);
            assertThat(scanned[0]).isEqualTo(total);
        }
    }

    /** A daily cycle that peaks at 18:00 and grows each day: day 1 peaks at 90% of capacity, day 3 at 150%. */
    private static int pointsPerKey(final int tick) {
        final int day = tick / 24;
        final double phase = Math.cos(2 * Math.PI * ((tick % 24) - 18) / 24.0);
        final double peak = CAPACITY * (0.9 + 0.3 * day);
        final double load = peak * (0.35 + 0.65 * (phase + 1) / 2);
        return (int) (load / KEYS);
    }
}
