package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine with a tick's fold spread over several profiler duty cycles ({@link EngineConfig#foldWordsPerCycle()}):
 * the control step runs once per completed tick, and lineage seeding only between ticks.
 */
class EngineSpreadFoldTest {
    private static final long TICK_NS = 1_000_000_000L;
    private static final long START_NS = 1_700_000_000L * 1_000_000_000L;
    /** Splits made before load arrives: 1 + SPLITS live partitions over 1 + 2 * SPLITS slots, three words of 64. */
    private static final int SPLITS = 70;
    private static final int KEYS = 200;

    @TempDir
    Path dir;

    /**
     * Guards the tick count and the rows: an engine folding one word of 64 slots per duty cycle closes as many ticks
     * as one folding each tick at once, with the same rows in every slot, and runs its control step once per tick.
     */
    @Test
    void shouldTickAsOftenAndWriteTheSameRowsWhenTheFoldIsSpread() throws Exception {
        try (Engine whole = Engine.open(config(dir.resolve("whole"), Integer.MAX_VALUE),
                new SeasonalNaiveForecaster(4), START_NS);
            Engine spread = Engine.open(config(dir.resolve("spread"), 1), new SeasonalNaiveForecaster(4), START_NS)) {
            splitIntoManySlots(whole);
            splitIntoManySlots(spread);
            assertThat(spread.partitions().highWaterSlot()).as("more than two words of 64 slots").isGreaterThan(128);
            final PartitionWriter wholeWriter = whole.openWriter();
            final PartitionWriter spreadWriter = spread.openWriter();
            final int[] wholeTicks = new int[1];
            final int[] spreadTicks = new int[1];
            int closedWhole = 0;
            int closedSpread = 0;
            for (int t = 0; t < 12; t++) {
                final long tickStartNs = START_NS + t * TICK_NS;
                for (int k = 0; k < KEYS; k++) {
                    for (int i = 0; i <= (k + t) % 5; i++) {
                        wholeWriter.write("key-" + k, tickStartNs + i, i);
                        spreadWriter.write("key-" + k, tickStartNs + i, i);
                    }
                }
                closedWhole += whole.advanceTo(tickStartNs + TICK_NS, () -> wholeTicks[0]++);
                closedSpread += spread.advanceTo(tickStartNs + TICK_NS, () -> spreadTicks[0]++);
                assertThat(spread.isFoldInProgress()).as("advanceTo returns between ticks").isFalse();
            }
            assertThat(closedSpread).isEqualTo(closedWhole).isEqualTo(12);
            assertThat(spreadTicks[0]).as("onTick once per tick").isEqualTo(wholeTicks[0]).isEqualTo(12);
            assertThat(spread.history().tickCount()).isEqualTo(whole.history().tickCount());
            final LoadHistory expected = whole.history();
            final LoadHistory actual = spread.history();
            for (int slot = 0; slot < whole.partitions().highWaterSlot(); slot++) {
                assertThat(actual.length(slot)).isEqualTo(expected.length(slot));
                for (int ago = 0; ago < expected.length(slot); ago++) {
                    for (final Resource resource : Resource.values()) {
                        assertThat(actual.value(resource, slot, ago)).as("slot %d, %d ticks ago, %s", slot, ago,
                            resource).isEqualTo(expected.value(resource, slot, ago));
                    }
                }
            }
        }
    }

    /**
     * Guards exactness under concurrent recording: while an ingest thread writes, the control thread drives the
     * engine one duty cycle at a time with the fold spread over three cycles; every point lands in exactly one tick
     * of one slot, and each completed tick is reported once.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountEveryPointOnceWhenSpreadTicksAreDrivenDuringConcurrentWrites() throws Exception {
        try (Engine engine = Engine.open(config(dir, 1), new SeasonalNaiveForecaster(4), START_NS)) {
            splitIntoManySlots(engine);
            final AtomicLong written = new AtomicLong();
            final CountDownLatch ready = new CountDownLatch(1);
            final Thread ingest = new Thread(() -> {
                final PartitionWriter writer = engine.openWriter();
                ready.countDown();
                for (int i = 0; i < 60_000; i++) {
                    writer.write("key-" + (i % KEYS), START_NS + i, i);
                    written.incrementAndGet();
                }
            });
            final LoadHistory history = engine.history();
            final int slotBound = engine.partitions().highWaterSlot();
            final double[] points = new double[1];
            // Runs once per completed tick, on its rows (the run holds more ticks than the history retains).
            final Runnable addLatestTick = () -> {
                for (int slot = 0; slot < slotBound; slot++) {
                    if (history.length(slot) > 0) {
                        points[0] += history.value(Resource.INGEST_POINTS, slot, 0);
                    }
                }
            };
            ingest.start();
            ready.await();
            long nowNs = START_NS;
            int ticks = 0;
            int partialCycles = 0;
            while (ingest.isAlive()) {
                nowNs += TICK_NS / 4;
                final int result = engine.dutyCycle(nowNs, addLatestTick);
                if (result > 0) {
                    ticks += result;
                } else if (result == 0) {
                    partialCycles++;
                }
            }
            ingest.join();
            // Two more whole ticks: the first may have begun before the last writes.
            ticks += engine.advanceTo(nowNs + TICK_NS, addLatestTick);
            ticks += engine.advanceTo(nowNs + 2 * TICK_NS, addLatestTick);
            assertThat(partialCycles).as("ticks took several duty cycles").isPositive();
            assertThat((long) ticks).as("each completed tick reported once").isEqualTo(engine.history().tickCount());
            assertThat(points[0]).as("points over every slot and tick").isEqualTo((double) written.get());
        }
    }

    /**
     * Guards lineage seeding during a spread tick: a split ordered while the tick is being folded waits until the
     * tick completes, then seeds its children from the parent's history including that tick, so that the children
     * sum back to the parent tick by tick.
     */
    @Test
    void shouldSeedChildrenFromTheCompletedTickWhenASplitIsOrderedDuringASpreadFold() throws Exception {
        try (Engine engine = Engine.open(config(dir, 1), new SeasonalNaiveForecaster(4), START_NS)) {
            splitIntoManySlots(engine);
            final PartitionWriter writer = engine.openWriter();
            final PartitionTable partitions = engine.partitions();
            for (int t = 0; t < 5; t++) {
                for (int k = 0; k < KEYS; k++) {
                    writer.write("key-" + k, START_NS + t * TICK_NS + k, k);
                }
                engine.advanceTo(START_NS + (t + 1) * TICK_NS, () -> { });
            }
            for (int k = 0; k < KEYS; k++) {
                writer.write("key-" + k, START_NS + 5 * TICK_NS + k, k);
            }
            final int parent = busiestLiveSlot(engine);
            final long splitKey = middleKey(partitions, parent);
            assertThat(engine.dutyCycle(START_NS + 6 * TICK_NS, () -> { })).as("first cycle of the tick").isZero();
            assertThat(engine.isFoldInProgress()).isTrue();
            final long splitsBefore = engine.coordinator().splitsCommitted();
            engine.runBetweenTicks(() -> engine.coordinator().splitNow(parent, splitKey));
            assertThat(engine.queuedBetweenTicks()).as("queued while the tick is folded").isEqualTo(1);
            assertThat(partitions.isLive(parent)).isTrue();
            int closed = 0;
            while (engine.isFoldInProgress()) {
                closed += Math.max(0, engine.dutyCycle(START_NS + 6 * TICK_NS, () -> { }));
            }
            assertThat(closed).isEqualTo(1);
            assertThat(engine.queuedBetweenTicks()).isZero();
            assertThat(engine.coordinator().splitsCommitted()).isEqualTo(splitsBefore + 1);
            assertThat(partitions.isLive(parent)).isFalse();
            final int lower = partitions.slotContaining(splitKey - 1);
            final int upper = partitions.slotContaining(splitKey);
            final LoadHistory history = engine.history();
            assertThat(history.value(Resource.INGEST_POINTS, parent, 0)).as("the tick folded meanwhile").isPositive();
            assertThat(history.length(lower)).isEqualTo(history.length(parent));
            for (int ago = 0; ago < history.length(parent); ago++) {
                for (final Resource resource : Resource.values()) {
                    assertThat(history.value(resource, lower, ago) + history.value(resource, upper, ago))
                        .as("%d ticks ago, %s", ago, resource)
                        .isCloseTo(history.value(resource, parent, ago), within(1e-9));
                }
            }
        }
    }

    private static EngineConfig config(final Path dataDir, final int foldWordsPerCycle) {
        return new EngineConfig(dataDir, 256, 2, 64, TICK_NS, 2, new CapacityPlan(1e12),
            new AdjustmentPolicy(0.8, 0.2, 6, 2 * TICK_NS, 250, 0.9), false, 0, 24)
            .withFoldWordsPerCycle(foldWordsPerCycle);
    }

    /** Splits the widest live partition at its middle key, {@link #SPLITS} times: many slots before any load. */
    private static void splitIntoManySlots(final Engine engine) {
        final PartitionTable partitions = engine.partitions();
        for (int s = 0; s < SPLITS; s++) {
            int widest = -1;
            for (int i = 0; i < partitions.liveCount(); i++) {
                final int slot = partitions.liveSlot(i);
                if (widest < 0 || Long.compareUnsigned(partitions.keyHi(slot) - partitions.keyLo(slot),
                    partitions.keyHi(widest) - partitions.keyLo(widest)) > 0) {
                    widest = slot;
                }
            }
            final int slot = widest;
            engine.runBetweenTicks(() -> engine.coordinator().splitNow(slot, middleKey(partitions, slot)));
        }
        assertThat(partitions.liveCount()).isEqualTo(1 + SPLITS);
    }

    private static long middleKey(final PartitionTable partitions, final int slot) {
        return partitions.keyLo(slot) + ((partitions.keyHi(slot) - partitions.keyLo(slot)) >>> 1) + 1;
    }

    private static int busiestLiveSlot(final Engine engine) {
        final PartitionTable partitions = engine.partitions();
        int busiest = partitions.liveSlot(0);
        for (int i = 1; i < partitions.liveCount(); i++) {
            final int slot = partitions.liveSlot(i);
            if (engine.history().value(Resource.INGEST_POINTS, slot, 0)
                > engine.history().value(Resource.INGEST_POINTS, busiest, 0)) {
                busiest = slot;
            }
        }
        return busiest;
    }
}
