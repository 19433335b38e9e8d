package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.AllocationMeter;
import io.presplit.memory.NativeMemory;
import io.presplit.ring.LoadSampleDescriptor;
import io.presplit.ring.LoadSampleHandler;
import io.presplit.ring.OneToOneLoadSampleRing;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

/** The profiler's sample publishing: every sample reaches the forecasting side, or is counted as not. */
class ProfilerAgentPublishTest {
    private static final int SLOTS = 64;
    private static final int RING_BYTES = 1024;
    /** Messages a 1 KiB ring holds: a 40-byte sample plus the 8-byte record header, 8-byte aligned. */
    private static final int RING_MESSAGES = RING_BYTES / (LoadSampleDescriptor.LENGTH + 8);

    /**
     * Guards the DROP policy against silent loss: with nobody draining, the ring takes what fits and every other
     * sample is counted as dropped, so published + dropped is exactly one sample per slot that took load and tick.
     */
    @Test
    void shouldCountEveryRefusedSampleWhenDroppingOnAFullRing() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 16, 0.5);
             OneToOneLoadSampleRing ring = new OneToOneLoadSampleRing(RING_BYTES)) {
            final int stripe = recorder.claimStripe();
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(10).slotBound(() -> SLOTS).samples(ring)
                .backPressure(SampleBackPressure.DROP).publishLimit(1_000));
            for (int tick = 1; tick <= 3; tick++) {
                recordEverySlot(recorder, stripe);
                clock.update(tick * 10L);
                profiler.doWork();
                assertThat(profiler.touchedSlotCount()).isEqualTo(SLOTS);
            }
            assertThat(profiler.publishedSampleCount()).isEqualTo(RING_MESSAGES);
            assertThat(profiler.droppedSampleCount()).isEqualTo(3L * SLOTS - RING_MESSAGES);
            assertThat(ring.refusedCount()).isEqualTo(profiler.droppedSampleCount());
        }
    }

    /**
     * Guards the RETRY policy: a slow consumer loses nothing, receives one sample per slot that took load in each
     * tick, exactly once, in tick then slot order, with the values of the history, and nothing for idle slots; the
     * back-pressure it caused is counted.
     */
    @Test
    void shouldDeliverEverySampleInOrderWhenRetryingBehindASlowConsumer() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 16, 0.5);
             OneToOneLoadSampleRing ring = new OneToOneLoadSampleRing(RING_BYTES)) {
            final int stripe = recorder.claimStripe();
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(10).slotBound(() -> SLOTS).samples(ring)
                .backPressure(SampleBackPressure.RETRY).publishLimit(7));
            final List<long[]> received = new ArrayList<>();
            final LoadSampleHandler handler =
                (tick, slot, points, bytes, cost) -> received.add(new long[] {tick, slot, (long) points});
            // Each cycle records 3 slots, so a tick (10 cycles) has 30 slots with load out of 64; the consumer
            // takes 2 a cycle: a backlog of about 10 ticks builds up (within the 16 the history keeps), then the
            // clock stops and the backlog drains.
            for (int cycle = 0; cycle < 1_000; cycle++) {
                if (cycle < 300) {
                    for (int j = 0; j < 3; j++) {
                        recorder.recordIngest(stripe, (cycle * 3 + j) % SLOTS, 0, 1 + j, 1);
                    }
                }
                clock.update(Math.min(cycle + 1, 300));
                profiler.doWork();
                ring.drain(handler, 2);
            }
            assertThat(history.tickCount()).isEqualTo(30);
            assertThat(received).hasSize(30 * 30);
            for (int i = 1; i < received.size(); i++) {
                final long[] before = received.get(i - 1);
                final long[] sample = received.get(i);
                assertThat(sample[0] > before[0] || sample[0] == before[0] && sample[1] > before[1])
                    .as("sample %d after %d", i, i - 1).isTrue();
                assertThat(sample[0]).isEqualTo(i / 30);
            }
            long points = 0;
            for (final long[] sample : received) {
                points += sample[2];
            }
            assertThat(points).isEqualTo(300L * (1 + 2 + 3));
            assertThat(profiler.droppedSampleCount()).isZero();
            assertThat(profiler.backPressuredCount()).isPositive();
        }
    }

    /**
     * Guards the journal that holds samples while the ring is behind: when it overflows, the oldest samples are
     * pushed out and counted, so delivered + dropped is still one sample per slot with load and tick.
     */
    @Test
    void shouldCountSamplesPushedOutOfAFullJournal() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 16, 0.5);
             OneToOneLoadSampleRing ring = new OneToOneLoadSampleRing(RING_BYTES)) {
            final int stripe = recorder.claimStripe();
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(10).slotBound(() -> SLOTS).samples(ring)
                .backPressure(SampleBackPressure.RETRY).journalCapacity(100));
            for (int tick = 1; tick <= 4; tick++) {
                recordEverySlot(recorder, stripe);
                clock.update(tick * 10L);
                profiler.doWork();
            }
            final int[] drained = new int[1];
            for (int i = 0; i < 100; i++) {
                drained[0] += ring.drain((tick, slot, points, bytes, cost) -> { }, 1_000);
                profiler.doWork();
            }
            // A capacity of 100 rounds up to 128 samples: two ticks' worth are pushed out, less what the ring took.
            assertThat(drained[0] + profiler.droppedSampleCount()).isEqualTo(4L * SLOTS);
            assertThat(profiler.droppedSampleCount()).isEqualTo(4L * SLOTS - 128 - RING_MESSAGES);
        }
    }

    /** Guards against losing samples silently when publishing falls further behind than the history keeps. */
    @Test
    void shouldCountSamplesOlderThanTheRetentionAsDroppedWhenRetryingFallsBehind() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, 0.5);
             OneToOneLoadSampleRing ring = new OneToOneLoadSampleRing(RING_BYTES)) {
            final int stripe = recorder.claimStripe();
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(10).slotBound(() -> SLOTS).samples(ring)
                .backPressure(SampleBackPressure.RETRY));
            for (int tick = 1; tick <= 10; tick++) {
                recordEverySlot(recorder, stripe);
                clock.update(tick * 10L);
                profiler.doWork();
            }
            final int[] drained = new int[1];
            for (int i = 0; i < 100; i++) {
                drained[0] += ring.drain((tick, slot, points, bytes, cost) -> { }, 1_000);
                profiler.doWork();
            }
            assertThat(drained[0] + profiler.droppedSampleCount()).isEqualTo(10L * SLOTS);
            assertThat(profiler.droppedSampleCount()).isPositive();
        }
    }

    /**
     * Guards the hot path: a duty cycle that folds and publishes allocates nothing, for sparse slots and whole words
     * of them, including the lazy history's rarer steps (zeroing the rows of a slot idle for several ticks, flushing a
     * roll-up row), with bucket counts folded every tick and every third tick.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void shouldNotAllocateWhenFoldingAndPublishing(final int bucketFoldTicks) {
        final long before = NativeMemory.liveBytes(OneToOneLoadSampleRing.MEMORY_OWNER);
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, 16),
                 new LoadHistory.Level(4, 8));
             OneToOneLoadSampleRing ring = new OneToOneLoadSampleRing(64 * 1024)) {
            final int stripe = recorder.claimStripe();
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(1).slotBound(() -> SLOTS).samples(ring)
                .bucketFoldTicks(bucketFoldTicks));
            final long[] now = new long[1];
            final double[] sink = new double[1];
            final LoadSampleHandler handler = (tick, slot, points, bytes, cost) -> sink[0] += points;
            assertThat(AllocationMeter.allocatedBytes(2_000, () -> {
                recorder.recordIngest(stripe, 5, 3, 2, 20);
                if (now[0] % 5 == 0) {
                    // A dense word: its rows are written as whole lines.
                    recordEverySlot(recorder, stripe);
                }
                if (now[0] % 7 == 0) {
                    recorder.recordQuery(stripe, 40, 9);
                }
                clock.update(++now[0]);
                profiler.doWork();
                ring.drain(handler, 1_000);
            })).isZero();
            assertThat(profiler.droppedSampleCount()).isZero();
        }
        assertThat(NativeMemory.liveBytes(OneToOneLoadSampleRing.MEMORY_OWNER)).isEqualTo(before);
    }

    private static void recordEverySlot(final LoadRecorder recorder, final int stripe) {
        for (int slot = 0; slot < SLOTS; slot++) {
            recorder.recordIngest(stripe, slot, slot % 16, 1, 1);
        }
    }

    /** Guards configuration: a context without a history is refused with the missing setting named. */
    @Test
    void shouldRefuseAnIncompleteContextWhenConcluded() {
        assertThatThrownBy(() -> new ProfilerAgent.Context().tickNs(1).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("history=null");
    }
}
