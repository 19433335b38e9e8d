package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.keyspace.KeySpace;
import io.presplit.ring.LoadSampleHandler;
import io.presplit.ring.OneToOneLoadSampleRing;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** A tick's fold spread over several duty cycles ({@link ProfilerAgent.Context#foldWordsPerCycle(int)}). */
class ProfilerAgentSlicedFoldTest {
    /** Four words of 64 slots, the last one partial. */
    private static final int SLOTS = 230;
    private static final int WORDS = 4;

    /**
     * Guards the sliced fold against changing what a tick holds: with the same records, a profiler that folds one
     * word per duty cycle writes the same rows, bucket loads and samples as one that folds the tick at once; the
     * tick completes (and its samples go out) only with its last word, and no duty cycle folds more than its limit.
     */
    @Test
    void shouldWriteTheRowsOfAWholeFoldWhenATickIsFoldedOneWordPerDutyCycle() {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        try (LoadRecorder slicedRecorder = new LoadRecorder(2, SLOTS);
             LoadRecorder wholeRecorder = new LoadRecorder(2, SLOTS);
             LoadHistory sliced = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, 8),
                 new LoadHistory.Level(3, 4));
             LoadHistory whole = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, 8),
                 new LoadHistory.Level(3, 4));
             OneToOneLoadSampleRing ring = new OneToOneLoadSampleRing(64 * 1024)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent slicing = new ProfilerAgent(new ProfilerAgent.Context().recorder(slicedRecorder)
                .history(sliced).clock(clock).tickNs(10).slotBound(() -> SLOTS).samples(ring).foldWordsPerCycle(1));
            final ProfilerAgent folding = new ProfilerAgent(wholeRecorder, whole, clock, 10, () -> SLOTS);
            final int[] stripes = {slicedRecorder.claimStripe(), slicedRecorder.claimStripe()};
            wholeRecorder.claimStripe();
            wholeRecorder.claimStripe();
            final double[] sampledPoints = new double[SLOTS];
            final LoadSampleHandler handler = (tick, slot, points, bytes, cost) -> sampledPoints[slot] += points;
            final double[] rowPoints = new double[SLOTS];
            // One sample per slot folded in a tick, published when the tick completes.
            long samplesOfCompletedTicks = 0;
            for (int tick = 1; tick <= 12; tick++) {
                // A random third of the slots, some several times, from both stripes, ingest and query.
                for (int i = 0; i < SLOTS; i++) {
                    final int slot = random.nextInt(SLOTS);
                    final int stripe = stripes[random.nextInt(2)];
                    final int bucket = random.nextInt(KeySpace.BUCKET_COUNT);
                    final long points = 1 + random.nextInt(100);
                    slicedRecorder.recordIngest(stripe, slot, bucket, points, 10 * points);
                    wholeRecorder.recordIngest(stripe, slot, bucket, points, 10 * points);
                    if (i % 5 == 0) {
                        slicedRecorder.recordQuery(stripe, slot, points);
                        wholeRecorder.recordQuery(stripe, slot, points);
                    }
                }
                clock.update(tick * 10L);
                folding.fold(SLOTS);
                for (int cycle = 1; cycle <= WORDS; cycle++) {
                    assertThat(slicing.doWork()).as("seed %d, tick %d, cycle %d", seed, tick, cycle).isPositive();
                    assertThat(slicing.isFoldInProgress()).isEqualTo(cycle < WORDS);
                    assertThat(sliced.tickCount()).isEqualTo(cycle < WORDS ? tick - 1 : tick);
                    assertThat(slicing.completedTickCount()).as("the tick-completed signal, cycle %d", cycle)
                        .isEqualTo(cycle < WORDS ? tick - 1 : tick);
                    ring.drain(handler, 10_000);
                    if (cycle < WORDS) {
                        assertThat(slicing.publishedSampleCount()).as("no sample before the tick completes")
                            .isEqualTo(samplesOfCompletedTicks);
                    }
                }
                assertThat(slicing.doWork()).as("nothing more until the next deadline").isZero();
                for (int slot = 0; slot < SLOTS; slot++) {
                    for (final Resource resource : Resource.VALUES) {
                        assertThat(sliced.value(resource, slot, 0)).as("seed %d, tick %d, slot %d, %s", seed, tick,
                            slot, resource).isEqualTo(whole.value(resource, slot, 0));
                    }
                    assertThat(sliced.length(1, slot)).isEqualTo(whole.length(1, slot));
                    if (whole.length(1, slot) > 0) {
                        assertThat(sliced.value(1, Resource.INGEST_POINTS, slot, 0))
                            .isEqualTo(whole.value(1, Resource.INGEST_POINTS, slot, 0));
                    }
                    for (int bucket = 0; bucket < KeySpace.BUCKET_COUNT; bucket++) {
                        assertThat(sliced.bucketLoad(slot, bucket)).isEqualTo(whole.bucketLoad(slot, bucket));
                    }
                    rowPoints[slot] += whole.value(Resource.INGEST_POINTS, slot, 0);
                }
                assertThat(slicing.touchedSlotCount()).isEqualTo(folding.touchedSlotCount());
                samplesOfCompletedTicks += folding.touchedSlotCount();
                assertThat(slicing.publishedSampleCount()).isEqualTo(samplesOfCompletedTicks);
            }
            assertThat(sampledPoints).as("seed %d", seed).containsExactly(rowPoints);
            assertThat(slicing.droppedSampleCount()).isZero();
        }
    }

    /**
     * Guards exactness with the fold spread over duty cycles while writers keep recording: a slot's records between
     * two of its folds land in one tick, so per slot the ticks add up to exactly what was recorded, for ingest
     * points, bytes and query cost.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountEveryPointExactlyOnceWhenSlicedTicksAreFoldedDuringConcurrentRecording() throws Exception {
        final int writers = 2;
        final int recordsPerWriter = 300_000;
        try (LoadRecorder recorder = new LoadRecorder(writers, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, 0.5)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(1).slotBound(() -> SLOTS).foldWordsPerCycle(1));
            final CountDownLatch start = new CountDownLatch(1);
            final ConcurrentRecording writing = new ConcurrentRecording(recorder, writers, recordsPerWriter, SLOTS,
                start);
            start.countDown();
            long now = 0;
            long added = 0;
            boolean isRecording = true;
            // After the writers finish, two more whole ticks: the first may have begun before their last records.
            long ticksAfter = -1;
            while (ticksAfter < 2) {
                clock.update(++now);
                profiler.doWork();
                if (history.tickCount() > added) {
                    added = history.tickCount();
                    writing.addLatestTick(history);
                    if (!isRecording) {
                        ticksAfter++;
                    }
                }
                if (isRecording && !writing.isRecording()) {
                    isRecording = false;
                    ticksAfter = profiler.isFoldInProgress() ? -1 : 0;
                }
            }
            writing.assertEveryRecordFoldedOnce(added);
        }
    }

    /**
     * Guards {@link ProfilerAgent#fold} during a spread fold: it completes the tick in progress (its remaining words,
     * under the slot bound the tick began with) rather than starting another, so that a caller folding by hand
     * neither skips nor splits a tick.
     */
    @Test
    void shouldCompleteTheTickInProgressWhenFoldIsCalledDuringASpreadFold() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, 0.5)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(10).slotBound(() -> SLOTS).foldWordsPerCycle(1));
            final int stripe = recorder.claimStripe();
            for (int slot = 0; slot < SLOTS; slot++) {
                recorder.recordIngest(stripe, slot, slot % KeySpace.BUCKET_COUNT, slot + 1, 1);
            }
            clock.update(10);
            profiler.doWork();
            assertThat(profiler.isFoldInProgress()).isTrue();
            assertThat(history.tickCount()).isZero();
            profiler.fold(SLOTS);
            assertThat(profiler.isFoldInProgress()).isFalse();
            assertThat(history.tickCount()).isEqualTo(1);
            assertThat(profiler.touchedSlotCount()).isEqualTo(SLOTS);
            for (int slot = 0; slot < SLOTS; slot++) {
                assertThat(history.value(Resource.INGEST_POINTS, slot, 0)).as("slot %d", slot).isEqualTo(slot + 1.0);
            }
            assertThat(profiler.doWork()).as("the next deadline has not passed").isZero();
        }
    }

    /** Guards configuration: a fold limit below one word per cycle is refused with the setting named. */
    @Test
    void shouldRefuseAFoldLimitBelowOneWordWhenConcluded() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, 0.5)) {
            assertThatThrownBy(() -> new ProfilerAgent.Context().recorder(recorder).history(history)
                .clock(new CachedNanoClock()).tickNs(1).slotBound(() -> SLOTS).foldWordsPerCycle(0).conclude())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("foldWordsPerCycle=0");
        }
    }
}
