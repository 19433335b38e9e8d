package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.keyspace.KeySpace;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A profiler whose thread was stalled for several ticks folds the missed ticks back to back when it runs again. The
 * rows it writes then must not put the stall's whole load into the first of them and nothing into the others: a
 * spike, then an idle stretch, is what a forecaster would extrapolate and an adjustment engine would split and merge
 * on.
 */
class ProfilerAgentStallTest {
    /** Two level-0 blocks: a dense word, sparse slots, and a second bucket phase. */
    private static final int SLOTS = 1_000;
    private static final long TICK_NS = 10;
    private static final int BUCKET_FOLD_TICKS = 8;

    @Test
    void shouldSpreadAStallsLoadEvenlyOverTheTicksThatCatchUpAndCountEveryPointOnce() {
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, 64),
                 new LoadHistory.Level(4, 8))) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(TICK_NS).slotBound(() -> SLOTS)
                .bucketFoldTicks(BUCKET_FOLD_TICKS));
            final int[] stripes = {recorder.claimStripe(), recorder.claimStripe()};
            // Ticks 1 and 2 on time: 300 points and 6 query cost a tick on slots 0..63 (a dense word), 30 on 500.
            long now = 0;
            for (int tick = 1; tick <= 2; tick++) {
                recordTick(recorder, stripes, 1);
                now += TICK_NS;
                clock.update(now);
                profiler.doWork();
            }
            assertThat(history.tickCount()).isEqualTo(2);
            assertThat(history.value(Resource.INGEST_POINTS, 5, 0)).isEqualTo(300);

            // The thread stalls: four ticks' records (ticks 3 to 6) arrive before it runs again, 3.5 ticks late.
            recordTick(recorder, stripes, 4);
            now += 4 * TICK_NS + TICK_NS / 2;
            clock.update(now);
            for (int cycle = 0; cycle < 10; cycle++) {
                profiler.doWork();
            }

            assertThat(history.tickCount()).as("the four missed ticks are closed").isEqualTo(6);
            assertThat(profiler.lateTickCount()).as("three folds began a whole tick late or more").isEqualTo(3);
            for (int ago = 0; ago < 4; ago++) {
                assertThat(history.value(Resource.INGEST_POINTS, 5, ago)).as("points %d ticks ago", ago)
                    .isEqualTo(300);
                assertThat(history.value(Resource.INGEST_BYTES, 5, ago)).isEqualTo(3_000);
                assertThat(history.value(Resource.QUERY_COST, 5, ago)).isEqualTo(6);
                assertThat(history.value(Resource.INGEST_POINTS, 500, ago)).isEqualTo(30);
            }

            // On time again: the next tick holds its own load, nothing of the stall's.
            recordTick(recorder, stripes, 1);
            now += TICK_NS / 2;
            clock.update(now);
            profiler.doWork();
            assertThat(history.tickCount()).isEqualTo(7);
            assertThat(history.value(Resource.INGEST_POINTS, 5, 0)).isEqualTo(300);
            assertThat(profiler.lateTickCount()).isEqualTo(3);
        }
    }

    /** Uneven counts: whatever the divisions leave is folded by the catch-up's last fold; nothing is lost. */
    @Test
    void shouldFoldEveryCountExactlyOnceWhateverTheStall() {
        final SplittableRandom random = new SplittableRandom(11);
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, 512))) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(TICK_NS).slotBound(() -> SLOTS).foldWordsPerCycle(3)
                .bucketFoldTicks(BUCKET_FOLD_TICKS));
            final int[] stripes = {recorder.claimStripe(), recorder.claimStripe()};
            final long[] recorded = new long[SLOTS];
            long now = 0;
            for (int round = 0; round < 40; round++) {
                final int records = random.nextInt(2_000);
                for (int i = 0; i < records; i++) {
                    final int slot = random.nextInt(SLOTS);
                    final long points = 1 + random.nextInt(7);
                    recorder.recordIngest(stripes[random.nextInt(2)], slot, random.nextInt(KeySpace.BUCKET_COUNT),
                        points, points);
                    recorded[slot] += points;
                }
                // Sometimes on time, sometimes stalled for up to twelve ticks (more than the catch-up's cap of 8).
                now += random.nextInt(4) == 0 ? TICK_NS * (1 + random.nextInt(12)) : TICK_NS;
                clock.update(now);
                for (int cycle = 0; cycle < 2_000; cycle++) {
                    profiler.doWork();
                }
            }
            // Ticks enough for every catch-up to have ended, with no new records.
            for (int tick = 0; tick < BUCKET_FOLD_TICKS; tick++) {
                now += TICK_NS;
                clock.update(now);
                for (int cycle = 0; cycle < 2_000; cycle++) {
                    profiler.doWork();
                }
            }
            assertThat(profiler.lateTickCount()).isPositive();
            final int ticks = (int) history.tickCount();
            for (int slot = 0; slot < SLOTS; slot++) {
                assertThat(history.windowSum(Resource.INGEST_POINTS, slot, ticks)).as("slot %d", slot)
                    .isEqualTo(recorded[slot]);
            }
        }
    }

    /**
     * Stalls while writers keep recording: the flags a catch-up fold sets again race with the writers' own, and the
     * remainders it leaves race with new records. Per slot the ticks still add up to exactly what was recorded.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountEveryPointExactlyOnceWhenStallsInterruptConcurrentRecording() throws Exception {
        final int writers = 2;
        final int recordsPerWriter = 300_000;
        try (LoadRecorder recorder = new LoadRecorder(writers, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, 0.5)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(TICK_NS).slotBound(() -> SLOTS).foldWordsPerCycle(2)
                .bucketFoldTicks(4));
            final ConcurrentRecording writing = new ConcurrentRecording(recorder, writers, recordsPerWriter, SLOTS,
                new CountDownLatch(0));
            final SplittableRandom random = new SplittableRandom(5);
            long now = 0;
            long added = 0;
            long onTimeTicksAfter = -1;
            while (onTimeTicksAfter < 6) {
                final boolean isRecording = writing.isRecording();
                // Now and then a stall of up to six ticks while recording; on time once the writers are done.
                now += isRecording && random.nextInt(50) == 0 ? TICK_NS * (1 + random.nextInt(6)) : 1;
                clock.update(now);
                profiler.doWork();
                if (history.tickCount() > added) {
                    added = history.tickCount();
                    writing.addLatestTick(history);
                    if (!isRecording) {
                        onTimeTicksAfter++;
                    }
                }
            }
            assertThat(profiler.lateTickCount()).isPositive();
            writing.assertEveryRecordFoldedOnce(added);
        }
    }

    /** Buckets folded every tick share their totals with the rows: a stall's load stays in one row there. */
    @Test
    void shouldKeepAStallInOneRowWhenBucketCountsAreFoldedEveryTick() {
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = LoadHistory.inMemory(SLOTS, 0.5, new LoadHistory.Level(1, 64))) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(TICK_NS).slotBound(() -> SLOTS));
            final int[] stripes = {recorder.claimStripe(), recorder.claimStripe()};
            recordTick(recorder, stripes, 3);
            clock.update(3 * TICK_NS);
            for (int cycle = 0; cycle < 10; cycle++) {
                profiler.doWork();
            }
            assertThat(history.tickCount()).isEqualTo(3);
            assertThat(profiler.lateTickCount()).isEqualTo(2);
            assertThat(history.value(Resource.INGEST_POINTS, 5, 2)).isEqualTo(900);
            assertThat(history.value(Resource.INGEST_POINTS, 5, 0)).isZero();
        }
    }

    /** {@code ticks} ticks' records: 300 points, 3,000 bytes, 6 query cost on each of slots 0..63; 30 points on 500. */
    private static void recordTick(final LoadRecorder recorder, final int[] stripes, final int ticks) {
        for (int t = 0; t < ticks; t++) {
            for (int slot = 0; slot < 64; slot++) {
                recorder.recordIngest(stripes[0], slot, slot % KeySpace.BUCKET_COUNT, 100, 1_000);
                recorder.recordIngest(stripes[1], slot, (slot + 1) % KeySpace.BUCKET_COUNT, 200, 2_000);
                recorder.recordQuery(stripes[t % 2], slot, 6);
            }
            recorder.recordIngest(stripes[1], 500, 3, 30, 300);
        }
    }
}
