package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.storage.PartitionWriter;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** The control plane as a JFR recording shows it (what `jcmd <pid> JFR.start` gives an operator). */
class JfrEventsTest {
    private static final long TICK_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;

    @TempDir
    Path dir;

    /**
     * Guards the documented events: a recording of an engine that ticks, splits and merges holds a ForecastTick and
     * an AdjustmentTick per tick, a Split and a Merge with their partitions, and the 2PC phases of each.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldRecordForecastAdjustmentSplitMergeAndPhaseEventsWhenRecordingIsOn() throws Exception {
        final Path file = dir.resolve("presplit.jfr");
        final EngineConfig config = new EngineConfig(dir.resolve("data"), 64, 1, 64, TICK_NS, 2,
            new CapacityPlan(1_000_000), new AdjustmentPolicy(0.8, 0.2, 2, 0, 8, 0.9), true, 0, 10);
        try (Recording recording = new Recording()) {
            recording.enable("presplit.ForecastTick");
            recording.enable("presplit.AdjustmentTick");
            recording.enable("presplit.Split");
            recording.enable("presplit.Merge");
            recording.enable("presplit.TxnPhase");
            recording.start();
            try (Engine engine = Engine.open(config, new SeasonalNaiveForecaster(1), START_NS)) {
                final PartitionWriter writer = engine.openWriter();
                for (int tick = 0; tick < 3; tick++) {
                    writer.write("m v", START_NS + tick * TICK_NS, tick);
                    engine.advanceTo(START_NS + (tick + 1) * TICK_NS, () -> { });
                }
                engine.coordinator().splitNow(engine.partitions().liveSlot(0), 1L << 62);
                final int[] slots = engine.partitions().liveSlotsByKey();
                engine.coordinator().mergeNow(slots[0], slots[1]);
            }
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        final var byName = events.stream().collect(Collectors.groupingBy(e -> e.getEventType().getName(),
            Collectors.toList()));
        assertThat(byName.get("presplit.ForecastTick")).hasSize(3)
            .allSatisfy(e -> assertThat(e.getString("forecaster")).isEqualTo("naive"));
        assertThat(byName.get("presplit.AdjustmentTick")).hasSize(3);
        final RecordedEvent split = byName.get("presplit.Split").getFirst();
        assertThat(split.getLong("parentId")).isZero();
        assertThat(split.getLong("splitKey")).isEqualTo(1L << 62);
        assertThat(List.of(split.getLong("lowerChildId"), split.getLong("upperChildId"))).containsExactly(1L, 2L);
        final RecordedEvent merge = byName.get("presplit.Merge").getFirst();
        assertThat(List.of(merge.getLong("lowerParentId"), merge.getLong("upperParentId"), merge.getLong("mergedId")))
            .containsExactly(1L, 2L, 3L);
        assertThat(byName.get("presplit.TxnPhase")).extracting(e -> e.getString("kind") + " " + e.getString("phase"))
            .containsExactly("SPLIT BEGIN", "SPLIT PREPARED", "SPLIT COMMIT", "SPLIT DONE", "MERGE BEGIN",
                "MERGE PREPARED", "MERGE COMMIT", "MERGE DONE");
    }
}
