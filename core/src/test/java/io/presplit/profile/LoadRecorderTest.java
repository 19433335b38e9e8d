package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.presplit.AllocationMeter;
import io.presplit.keyspace.KeySpace;
import io.presplit.memory.NativeMemory;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

class LoadRecorderTest {
    private static final int SLOTS = 8;

    /**
     * Guards against lost or double-counted increments when ticks are folded while writers keep recording (into
     * slots that go idle and busy again, so that the dirty flags decide what each fold reads): points, bytes and
     * query cost per slot, and the per-bucket points (through the vectorized fold of the 21-bit bucket fields, read
     * back from the decayed bucket loads with a decay that keeps every point) all add up exactly.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountEveryPointExactlyOnceWhenTicksAreFoldedDuringConcurrentRecording() throws Exception {
        final int writers = 3;
        final int recordsPerWriter = 400_000;
        try (LoadRecorder recorder = new LoadRecorder(writers, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, Math.nextDown(1.0))) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(recorder, history, clock, 1, () -> SLOTS);
            final CountDownLatch start = new CountDownLatch(1);
            final AtomicBoolean isDone = new AtomicBoolean();
            final Thread[] threads = new Thread[writers];
            for (int w = 0; w < writers; w++) {
                final int stripe = recorder.claimStripe();
                threads[w] = new Thread(() -> {
                    try {
                        start.await();
                    } catch (final InterruptedException ex) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int i = 0; i < recordsPerWriter; i++) {
                        recorder.recordIngest(stripe, slotOf(i), i % KeySpace.BUCKET_COUNT, 1, 10);
                        recorder.recordQuery(stripe, slotOf(i), 3);
                    }
                });
                threads[w].start();
            }
            start.countDown();
            // Each tick's rows are added up as they complete, so that the check does not depend on how many ticks the
            // writers' pace leaves in the history's retention.
            final double[][] sums = new double[SLOTS][Resource.VALUES.length];
            long tick = 0;
            while (!isDone.get()) {
                clock.update(++tick);
                profiler.doWork();
                addLatestTick(history, sums);
                isDone.set(allDead(threads));
            }
            clock.update(++tick);
            profiler.doWork();
            addLatestTick(history, sums);

            final long[] expected = new long[SLOTS];
            for (int i = 0; i < recordsPerWriter; i++) {
                expected[slotOf(i)] += writers;
            }
            for (int slot = 0; slot < SLOTS; slot++) {
                final double points = sums[slot][Resource.INGEST_POINTS.ordinal()];
                assertThat(points).as("slot %d over %d ticks", slot, tick).isEqualTo((double) expected[slot]);
                assertThat(sums[slot][Resource.INGEST_BYTES.ordinal()]).isEqualTo(points * 10);
                assertThat(sums[slot][Resource.QUERY_COST.ordinal()]).isEqualTo(points * 3);
                double bucketPoints = 0;
                for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                    bucketPoints += history.bucketLoad(slot, b);
                }
                // A decay of 1 - 2^-53 per tick loses about 10^-16 of the load per tick: nothing measurable here.
                assertThat(bucketPoints).isCloseTo(points, within(1e-3));
            }
            assertThat(profiler.bucketOverflowCount()).isZero();
        }
    }

    /**
     * The slot of a writer's {@code i}-th record: in phases of 2^14 records a writer records into a third of the
     * slots only, so that slots go idle for some ticks and are folded (and their rows written) only when dirty.
     */
    private static int slotOf(final int i) {
        final int phase = i >>> 14;
        final int slot = i % SLOTS;
        return (slot + phase) % 3 == 0 ? slot : (phase * 3) % SLOTS;
    }

    private static void addLatestTick(final LoadHistory history, final double[][] sums) {
        for (int slot = 0; slot < SLOTS; slot++) {
            if (history.length(slot) > 0) {
                for (final Resource resource : Resource.VALUES) {
                    sums[slot][resource.ordinal()] += history.value(resource, slot, 0);
                }
            }
        }
    }

    /**
     * Guards the layout promises of the descriptor: an ingest record is one 64-byte line holding points, bytes and
     * all 16 bucket counters as 21-bit fields (three per word, the top one running on to bit 63), every word
     * naturally aligned; the query cost counters and the two kinds of dirty flags (a byte per slot) follow, each region
     * line-aligned.
     */
    @Test
    void shouldKeepAnIngestRecordInOneCacheLineWhenLaidOut() {
        assertThat(LoadRecorderDescriptor.SLOT_LENGTH).isEqualTo(64);
        assertThat(1 << LoadRecorderDescriptor.SLOT_SHIFT).isEqualTo(LoadRecorderDescriptor.SLOT_LENGTH);
        assertThat(LoadRecorderDescriptor.BYTES_OFFSET).isEqualTo(LoadRecorderDescriptor.POINTS_OFFSET + 8);
        assertThat(LoadRecorderDescriptor.BUCKET_WORDS_OFFSET % Long.BYTES).isZero();
        assertThat(LoadRecorderDescriptor.BUCKETS_PER_WORD * LoadRecorderDescriptor.BUCKET_FIELD_BITS)
            .isLessThan(Long.SIZE);
        for (int bucket = 0; bucket < KeySpace.BUCKET_COUNT; bucket++) {
            assertThat(LoadRecorderDescriptor.bucketWord(bucket)).as("bucket %d", bucket).isEqualTo(bucket / 3);
            assertThat(LoadRecorderDescriptor.bucketShift(bucket)).isEqualTo(21 * (bucket % 3));
        }
        assertThat(LoadRecorderDescriptor.bucketWordOffset(KeySpace.BUCKET_COUNT - 1) + Long.BYTES)
            .isEqualTo(LoadRecorderDescriptor.RECORD_END_OFFSET)
            .isLessThanOrEqualTo(LoadRecorderDescriptor.SLOT_LENGTH);
        assertThat(LoadRecorderDescriptor.STRIPE_PADDING).isGreaterThanOrEqualTo(128);
        assertThat(LoadRecorderDescriptor.stripeLength(1000) % LoadRecorderDescriptor.STRIPE_ALIGNMENT).isZero();
        // 10 records (640 bytes), 10 query costs rounded up to 128 bytes, two lines of one-byte dirty flags, 128
        // bytes of padding.
        assertThat(LoadRecorderDescriptor.queryCostOffset(10)).isEqualTo(640);
        assertThat(LoadRecorderDescriptor.ingestDirtyOffset(10)).isEqualTo(640 + 128);
        assertThat(LoadRecorderDescriptor.queryDirtyOffset(10)).isEqualTo(640 + 128 + 64);
        assertThat(LoadRecorderDescriptor.stripeLength(10)).isEqualTo(640 + 128 + 64 + 64 + 128);
        assertThat(LoadRecorderDescriptor.dirtyWords(64)).isEqualTo(1);
        assertThat(LoadRecorderDescriptor.dirtyWords(65)).isEqualTo(2);
        assertThat(LoadRecorderDescriptor.dirtyLength(1_048_576)).as("a byte per slot").isEqualTo(1_048_576);
        assertThat(LoadRecorderDescriptor.slotOffset(LoadRecorderDescriptor.stripeLength(10), 1, 3))
            .isEqualTo(1024 + 3 * 64);
    }

    /**
     * Guards the 21-bit bucket counters: a counter that passes 2^21 over several ticks (carrying into its neighbour's
     * field) must still yield the exact per-tick bucket load, and its neighbours theirs, and the overflow counter must
     * stay quiet while each tick is below 2^21 points.
     */
    @Test
    void shouldFoldExactBucketLoadsWhenTheBucketCounterWraps() {
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 16, 0.5)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(recorder, history, clock, 1, () -> SLOTS);
            final int first = recorder.claimStripe();
            final int second = recorder.claimStripe();
            final long perTick = 1_500_000L;
            double expectedBucket = 0;
            double expectedNeighbour = 0;
            for (int tick = 0; tick < 4; tick++) {
                recorder.recordIngest(first, 2, 7, perTick - 3, 1);
                recorder.recordIngest(second, 2, 7, 3, 1);
                recorder.recordIngest(second, 2, 8, 5, 1);
                profiler.fold(SLOTS);
                expectedBucket = expectedBucket * 0.5 + perTick;
                expectedNeighbour = expectedNeighbour * 0.5 + 5;
                assertThat(history.value(Resource.INGEST_POINTS, 2, 0)).isEqualTo((double) perTick + 5);
                assertThat(history.bucketLoad(2, 7)).isEqualTo(expectedBucket);
                assertThat(history.bucketLoad(2, 8)).isEqualTo(expectedNeighbour);
                assertThat(history.bucketLoad(2, 6)).isZero();
            }
            assertThat(profiler.bucketOverflowCount()).isZero();
            recorder.recordIngest(first, 2, 7, 1L << 21, 1);
            profiler.fold(SLOTS);
            assertThat(profiler.bucketOverflowCount()).isEqualTo(1);
        }
    }

    /**
     * Guards the fold of the bucket words, which records add to with plain 64-bit adds: every bucket of a slot,
     * recorded from two stripes with different counts, folds to its own count although every field passes
     * 2^21 many times over these ticks and carries into its neighbour, which only differences of whole words cancel.
     */
    @Test
    void shouldFoldEveryBucketToItsOwnCountWhenRecordedFromTwoStripes() {
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 4, 0.5)) {
            final ProfilerAgent profiler =
                new ProfilerAgent(recorder, history, new CachedNanoClock(), 1, () -> SLOTS);
            final int first = recorder.claimStripe();
            final int second = recorder.claimStripe();
            // About 1.85 million points a tick (below 2^21, so exact), different in every bucket and stripe: over 24
            // ticks every field wraps, and the two stripes' fields carry when summed.
            final double[] expected = new double[KeySpace.BUCKET_COUNT];
            for (int tick = 0; tick < 24; tick++) {
                for (int bucket = 0; bucket < KeySpace.BUCKET_COUNT; bucket++) {
                    final long fromFirst = 100_000L + 1_000L * bucket + tick;
                    final long fromSecond = 7_000L + bucket;
                    recorder.recordIngest(first, 5, bucket, fromFirst, 0);
                    recorder.recordIngest(second, 5, bucket, fromSecond, 0);
                    expected[bucket] = expected[bucket] * 0.5 + fromFirst + fromSecond;
                }
                profiler.fold(SLOTS);
                for (int bucket = 0; bucket < KeySpace.BUCKET_COUNT; bucket++) {
                    // Float bucket loads (spec 004 v3): within 2^-23 / (1 - decay) of the exact decayed sum.
                    assertThat(history.bucketLoad(5, bucket)).as("tick %d, bucket %d", tick, bucket)
                        .isCloseTo(expected[bucket], within(0x1p-22 * expected[bucket]));
                }
            }
            assertThat(profiler.bucketOverflowCount()).isZero();
        }
    }

    /**
     * Guards the dirty flags: a record flags exactly its slot, and its kind, in its writer's stripe, taking the
     * flags clears them, and flags outside the mask (slots the profiler does not fold yet) stay set until a later
     * take covers them.
     */
    @Test
    void shouldFlagExactlyTheRecordedSlotsUntilTheirFlagsAreTaken() {
        try (LoadRecorder recorder = new LoadRecorder(2, 130)) {
            final int first = recorder.claimStripe();
            final int second = recorder.claimStripe();
            recorder.recordIngest(first, 3, 0, 1, 1);
            recorder.recordQuery(second, 64, 5);
            recorder.recordIngest(second, 129, 15, 1, 1);
            assertThat(recorder.dirtyWords()).isEqualTo(3);
            assertThat(recorder.takeIngestDirty(second, 0, -1L)).isZero();
            assertThat(recorder.takeIngestDirty(first, 0, -1L)).isEqualTo(1L << 3);
            assertThat(recorder.takeIngestDirty(first, 0, -1L)).isZero();
            assertThat(recorder.takeQueryDirty(first, 0, -1L)).isZero();
            assertThat(recorder.takeIngestDirty(second, 1, -1L)).as("a query flags the query bitmap only").isZero();
            assertThat(recorder.takeQueryDirty(second, 1, -1L)).isEqualTo(1L);
            assertThat(recorder.takeIngestDirty(second, 2, 1L)).isZero();
            assertThat(recorder.takeIngestDirty(second, 2, 3L)).isEqualTo(2L);
            assertThat(recorder.takeIngestDirty(second, 2, -1L)).isZero();
            // Flags in several groups of eight, taken through a mask that covers some of them.
            recorder.recordIngest(first, 1, 0, 1, 1);
            recorder.recordIngest(first, 9, 0, 1, 1);
            recorder.recordIngest(first, 63, 0, 1, 1);
            assertThat(recorder.takeIngestDirty(first, 0, (1L << 9) | (1L << 63) | (1L << 5)))
                .isEqualTo((1L << 9) | (1L << 63));
            assertThat(recorder.takeIngestDirty(first, 0, -1L)).isEqualTo(1L << 1);
        }
    }

    /** Guards against leaking the recorder's native memory: close frees it, and a second close is harmless. */
    @Test
    void shouldFreeItsNativeMemoryWhenClosedTwice() {
        final long before = NativeMemory.liveBytes(LoadRecorder.MEMORY_OWNER);
        final LoadRecorder recorder = new LoadRecorder(2, 20_000);
        assertThat(NativeMemory.liveBytes(LoadRecorder.MEMORY_OWNER))
            .as("two writer stripes, the profiler's, and its tick totals")
            .isEqualTo(before + 3 * LoadRecorderDescriptor.stripeLength(20_000)
                + 20_000L * LoadRecorderDescriptor.TICK_TOTALS_LENGTH);
        recorder.close();
        recorder.close();
        assertThat(NativeMemory.liveBytes(LoadRecorder.MEMORY_OWNER)).isEqualTo(before);
    }

    /** Guards the hot-path promise: recording allocates nothing. */
    @Test
    void shouldNotAllocateWhenRecording() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS)) {
            final int stripe = recorder.claimStripe();
            assertThat(AllocationMeter.allocatedBytes(100_000, () -> recorder.recordIngest(stripe, 3, 5, 1, 64)))
                .isZero();
            assertThat(AllocationMeter.allocatedBytes(100_000, () -> recorder.recordQuery(stripe, 3, 10)))
                .isZero();
        }
    }

    /** Guards against two threads silently sharing a single-writer stripe. */
    @Test
    void shouldRefuseAStripeWhenAllAreClaimed() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS)) {
            recorder.claimStripe();
            assertThatThrownBy(recorder::claimStripe).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stripeCount=1");
        }
    }

    private static boolean allDead(final Thread[] threads) {
        for (final Thread thread : threads) {
            if (thread.isAlive()) {
                return false;
            }
        }
        return true;
    }
}
