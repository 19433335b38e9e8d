package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.presplit.keyspace.KeySpace;
import io.presplit.ring.OneToOneLoadSampleRing;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Bucket counts folded every k ticks, each block of 512 slots in its own phase
 * ({@link ProfilerAgent.Context#bucketFoldTicks}).
 */
class ProfilerAgentBucketFoldTest {
    /** Three level-0 blocks of 512 slots, the last one partial: three bucket phases. */
    private static final int SLOTS = 1_200;
    private static final int PERIOD = 4;
    private static final double DECAY = 0.5;

    /**
     * Guards the tick rows against the bucket period: with the same records, a profiler that folds bucket counts
     * every four ticks writes the same rows at every level, and publishes the same samples, as one that folds them
     * every tick.
     */
    @Test
    void shouldWriteTheSameTickRowsAndSamplesWhenBucketCountsAreFoldedEveryFewTicks() {
        final long seed = System.nanoTime();
        final SplittableRandom random = new SplittableRandom(seed);
        try (LoadRecorder periodicRecorder = new LoadRecorder(2, SLOTS);
             LoadRecorder everyTickRecorder = new LoadRecorder(2, SLOTS);
             LoadHistory periodic = LoadHistory.inMemory(SLOTS, DECAY, new LoadHistory.Level(1, 8),
                 new LoadHistory.Level(3, 4));
             LoadHistory everyTick = LoadHistory.inMemory(SLOTS, DECAY, new LoadHistory.Level(1, 8),
                 new LoadHistory.Level(3, 4));
             OneToOneLoadSampleRing periodicRing = new OneToOneLoadSampleRing(256 * 1024);
             OneToOneLoadSampleRing everyTickRing = new OneToOneLoadSampleRing(256 * 1024)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent periodicProfiler = new ProfilerAgent(new ProfilerAgent.Context()
                .recorder(periodicRecorder).history(periodic).clock(clock).tickNs(10).slotBound(() -> SLOTS)
                .samples(periodicRing).bucketFoldTicks(PERIOD));
            final ProfilerAgent everyTickProfiler = new ProfilerAgent(new ProfilerAgent.Context()
                .recorder(everyTickRecorder).history(everyTick).clock(clock).tickNs(10).slotBound(() -> SLOTS)
                .samples(everyTickRing));
            final int[] stripes = {periodicRecorder.claimStripe(), periodicRecorder.claimStripe()};
            everyTickRecorder.claimStripe();
            everyTickRecorder.claimStripe();
            final double[][] sampled = new double[2][SLOTS];
            for (int tick = 1; tick <= 13; tick++) {
                // Some ticks dense (streamed words), some sparse (batched slots).
                final int records = tick % 3 == 0 ? 4 * SLOTS : SLOTS / 10;
                for (int i = 0; i < records; i++) {
                    final int slot = random.nextInt(SLOTS);
                    final int stripe = stripes[random.nextInt(2)];
                    final int bucket = random.nextInt(KeySpace.BUCKET_COUNT);
                    final long points = 1 + random.nextInt(100);
                    periodicRecorder.recordIngest(stripe, slot, bucket, points, 10 * points);
                    everyTickRecorder.recordIngest(stripe, slot, bucket, points, 10 * points);
                    if (i % 7 == 0) {
                        periodicRecorder.recordQuery(stripe, slot, points);
                        everyTickRecorder.recordQuery(stripe, slot, points);
                    }
                }
                clock.update(tick * 10L);
                periodicProfiler.doWork();
                everyTickProfiler.doWork();
                periodicRing.drain((t, slot, points, bytes, cost) -> sampled[0][slot] += points + bytes + cost,
                    1 << 20);
                everyTickRing.drain((t, slot, points, bytes, cost) -> sampled[1][slot] += points + bytes + cost,
                    1 << 20);
                for (int slot = 0; slot < SLOTS; slot++) {
                    for (final Resource resource : Resource.VALUES) {
                        assertThat(periodic.value(resource, slot, 0)).as("seed %d, tick %d, slot %d, %s", seed, tick,
                            slot, resource).isEqualTo(everyTick.value(resource, slot, 0));
                        if (everyTick.length(1, slot) > 0) {
                            assertThat(periodic.value(1, resource, slot, 0))
                                .isEqualTo(everyTick.value(1, resource, slot, 0));
                        }
                    }
                }
                assertThat(periodicProfiler.touchedSlotCount()).isEqualTo(everyTickProfiler.touchedSlotCount());
            }
            assertThat(sampled[0]).as("seed %d", seed).containsExactly(sampled[1]);
            assertThat(periodicProfiler.publishedSampleCount()).isEqualTo(everyTickProfiler.publishedSampleCount());
        }
    }

    /**
     * Guards what the bucket loads hold between folds: each block's are added to only in the ticks of its phase
     * (block + tick divisible by the period), with every count since its previous phase, including those of slots
     * that took no load in the phase tick itself, after decaying the loads for the whole period at once.
     */
    @Test
    void shouldAddEachBlocksBucketCountsOnlyInItsPhaseWithEveryCountSinceThePreviousOne() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 8, DECAY)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(clock).tickNs(1).slotBound(() -> SLOTS).bucketFoldTicks(PERIOD));
            final int stripe = recorder.claimStripe();
            // One slot in each block: block b folds its bucket counts in ticks t with (b + t) % PERIOD == 0.
            final int[] slots = {3, 512 + 70, 1024 + 100};
            final double[][] expected = new double[slots.length][KeySpace.BUCKET_COUNT];
            final long[][] pending = new long[slots.length][KeySpace.BUCKET_COUNT];
            final long[] asOf = new long[slots.length];
            for (int tick = 0; tick < 14; tick++) {
                for (int i = 0; i < slots.length; i++) {
                    // Load in ticks that are mostly not the block's phase tick: only pending counts reach the phase.
                    if ((tick + i) % 3 != 0) {
                        final int bucket = (tick + i) % KeySpace.BUCKET_COUNT;
                        recorder.recordIngest(stripe, slots[i], bucket, 10 + tick, 1);
                        pending[i][bucket] += 10 + tick;
                    }
                }
                profiler.fold(SLOTS);
                for (int i = 0; i < slots.length; i++) {
                    final int block = slots[i] >>> LoadHistoryDescriptor.BLOCK_SHIFT;
                    if ((block + tick) % PERIOD == 0) {
                        final double decay = Math.pow(DECAY, tick - asOf[i]);
                        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                            expected[i][b] = expected[i][b] * decay + pending[i][b];
                            pending[i][b] = 0;
                        }
                        asOf[i] = tick;
                    }
                    // Read as of the latest completed tick (this one): decayed from the as-of tick.
                    for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                        assertThat(history.bucketLoad(slots[i], b)).as("tick %d, slot %d, bucket %d", tick, slots[i], b)
                            .isCloseTo(expected[i][b] * Math.pow(DECAY, tick - asOf[i]), within(1e-4));
                    }
                }
            }
            assertThat(profiler.bucketOverflowCount()).isZero();
        }
    }

    /**
     * Guards the exactness bound of the period: a slot's bucket differences are exact below 2<sup>21</sup> points
     * per fold of its bucket counts, so two ticks of 2<sup>20</sup> points each overflow (counted once, at the phase
     * tick) when they are folded together, and not when they are folded tick by tick.
     */
    @Test
    void shouldCountABucketOverflowWhenASlotTakesTwoToThe21PointsWithinOnePeriod() {
        final long[] overflows = new long[2];
        for (final int period : new int[] {1, PERIOD}) {
            try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
                 LoadHistory history = new LoadHistory(SLOTS, 8, DECAY)) {
                final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                    .history(history).clock(new CachedNanoClock()).tickNs(1).slotBound(() -> SLOTS)
                    .bucketFoldTicks(period));
                final int stripe = recorder.claimStripe();
                for (int tick = 0; tick <= PERIOD; tick++) {
                    if (tick == 1 || tick == 2) {
                        recorder.recordIngest(stripe, 5, 3, 1L << 20, 1);
                    }
                    profiler.fold(SLOTS);
                    assertThat(history.value(Resource.INGEST_POINTS, 5, 0)).as("period %d, tick %d", period, tick)
                        .isEqualTo(tick == 1 || tick == 2 ? 1 << 20 : 0);
                }
                overflows[period == 1 ? 0 : 1] = profiler.bucketOverflowCount();
            }
        }
        assertThat(overflows).as("every tick, then every %d ticks", PERIOD).containsExactly(0, 1);
    }

    /**
     * Guards exactness while writers keep recording: every point lands in exactly one tick row, and, once the writers
     * stop and a whole period passes, in the bucket loads exactly once (a decay that rounds to 1 in float keeps the
     * loads plain sums).
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountEveryPointExactlyOnceInRowsAndBucketsWhenFoldingDuringConcurrentRecording() throws Exception {
        final int writers = 2;
        final int recordsPerWriter = 200_000;
        final double noDecay = 1 - 1e-12;
        try (LoadRecorder recorder = new LoadRecorder(writers, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 1_000, noDecay)) {
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(new CachedNanoClock()).tickNs(1).slotBound(() -> SLOTS)
                .bucketFoldTicks(3));
            final CountDownLatch start = new CountDownLatch(1);
            final long[][] bucketPoints = new long[writers][KeySpace.BUCKET_COUNT];
            final Thread[] threads = new Thread[writers];
            for (int w = 0; w < writers; w++) {
                final int stripe = recorder.claimStripe();
                final long[] mine = bucketPoints[w];
                threads[w] = new Thread(() -> {
                    final SplittableRandom random = new SplittableRandom(stripe);
                    try {
                        start.await();
                    } catch (final InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < recordsPerWriter; i++) {
                        // Slot 7 only, so that its bucket sums stay exact in float (below 2^24).
                        final int bucket = random.nextInt(KeySpace.BUCKET_COUNT);
                        final int points = 1 + random.nextInt(4);
                        recorder.recordIngest(stripe, 7, bucket, points, 2L * points);
                        mine[bucket] += points;
                    }
                });
                threads[w].start();
            }
            start.countDown();
            int ticks = 0;
            double rowPoints = 0;
            double rowBytes = 0;
            boolean isRecording = true;
            while (isRecording || ticks < 3 * 3) {
                isRecording = threads[0].isAlive() || threads[1].isAlive();
                profiler.fold(SLOTS);
                rowPoints += history.value(Resource.INGEST_POINTS, 7, 0);
                rowBytes += history.value(Resource.INGEST_BYTES, 7, 0);
                ticks = isRecording ? 0 : ticks + 1;
            }
            for (final Thread thread : threads) {
                thread.join();
            }
            long total = 0;
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                final long recorded = bucketPoints[0][b] + bucketPoints[1][b];
                total += recorded;
                assertThat(history.bucketLoad(7, b)).as("bucket %d", b).isCloseTo(recorded, within(recorded * 1e-5));
            }
            assertThat(rowPoints).isEqualTo(total);
            assertThat(rowBytes).isEqualTo(2.0 * total);
            assertThat(profiler.bucketOverflowCount()).isZero();
        }
    }

    /** Guards the configuration: a period below one tick is refused, and slot reuse waits a period and a tick. */
    @Test
    void shouldRefuseAPeriodBelowOneTickAndQuarantineSlotsForAPeriodAndATick() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 8, DECAY)) {
            assertThatThrownBy(() -> new ProfilerAgent.Context().recorder(recorder).history(history)
                .clock(new CachedNanoClock()).tickNs(1).slotBound(() -> SLOTS).bucketFoldTicks(0).conclude())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bucketFoldTicks=0");
        }
        assertThat(ProfilerAgent.slotQuarantineTicks(1)).isEqualTo(2);
        assertThat(ProfilerAgent.slotQuarantineTicks(8)).isEqualTo(9);
    }
}
