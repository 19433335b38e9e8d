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
     * slots that go idle and busy again, so that the dirty-slot bitmap decides what each fold reads): points,
     * bytes and query cost per slot, and the per-bucket points (through the vectorized 32-bit bucket fold, read
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
     * Guards the layout promises of the descriptor: a slot record is one 128-byte line pair, every field is
     * naturally aligned, points and bytes share the first line, and the buckets fit before the padding.
     */
    @Test
    void shouldKeepASlotRecordInOneLinePairWhenLaidOut() {
        assertThat(LoadRecorderDescriptor.SLOT_LENGTH).isEqualTo(128);
        assertThat(1 << LoadRecorderDescriptor.SLOT_SHIFT).isEqualTo(LoadRecorderDescriptor.SLOT_LENGTH);
        assertThat(LoadRecorderDescriptor.BYTES_OFFSET).isEqualTo(LoadRecorderDescriptor.POINTS_OFFSET + 8);
        assertThat(LoadRecorderDescriptor.BYTES_OFFSET % Long.BYTES).isZero();
        assertThat(LoadRecorderDescriptor.QUERY_COST_OFFSET % Long.BYTES).isZero();
        assertThat(LoadRecorderDescriptor.BUCKET_POINTS_OFFSET % Integer.BYTES).isZero();
        assertThat(LoadRecorderDescriptor.bucketOffset(KeySpace.BUCKET_COUNT - 1) + Integer.BYTES)
            .isEqualTo(LoadRecorderDescriptor.PADDING_OFFSET).isLessThanOrEqualTo(LoadRecorderDescriptor.SLOT_LENGTH);
        assertThat(LoadRecorderDescriptor.BYTES_OFFSET + Long.BYTES).isLessThanOrEqualTo(64);
        assertThat(LoadRecorderDescriptor.STRIPE_PADDING).isGreaterThanOrEqualTo(128);
        assertThat(LoadRecorderDescriptor.stripeLength(1000) % LoadRecorderDescriptor.STRIPE_ALIGNMENT).isZero();
        // 10 slot records, a one-word dirty bitmap rounded up to 128 bytes, 128 bytes of padding.
        assertThat(LoadRecorderDescriptor.stripeLength(10)).isEqualTo(10L * 128 + 128 + 128);
        assertThat(LoadRecorderDescriptor.dirtyWords(64)).isEqualTo(1);
        assertThat(LoadRecorderDescriptor.dirtyWords(65)).isEqualTo(2);
        assertThat(LoadRecorderDescriptor.dirtyLength(1_048_576)).isEqualTo(1_048_576 / 8);
        assertThat(LoadRecorderDescriptor.slotOffset(LoadRecorderDescriptor.stripeLength(10), 1, 3))
            .isEqualTo(10L * 128 + 256 + 3 * 128);
    }

    /**
     * Guards the 32-bit bucket counters: a counter that wraps past 2^32 over several ticks must still yield the
     * exact per-tick bucket load, and the overflow counter must stay quiet while each tick is below 2^31 points.
     */
    @Test
    void shouldFoldExactBucketLoadsWhenTheBucketCounterWraps() {
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 16, 0.5)) {
            final CachedNanoClock clock = new CachedNanoClock();
            final ProfilerAgent profiler = new ProfilerAgent(recorder, history, clock, 1, () -> SLOTS);
            final int first = recorder.claimStripe();
            final int second = recorder.claimStripe();
            final long perTick = 1_500_000_000L;
            double expectedBucket = 0;
            for (int tick = 0; tick < 4; tick++) {
                recorder.recordIngest(first, 2, 7, perTick - 3, 1);
                recorder.recordIngest(second, 2, 7, 3, 1);
                profiler.fold(SLOTS);
                expectedBucket = expectedBucket * 0.5 + perTick;
                assertThat(history.value(Resource.INGEST_POINTS, 2, 0)).isEqualTo((double) perTick);
                assertThat(history.bucketLoad(2, 7)).isEqualTo(expectedBucket);
            }
            assertThat(profiler.bucketOverflowCount()).isZero();
            recorder.recordIngest(first, 2, 7, 1L << 31, 1);
            profiler.fold(SLOTS);
            assertThat(profiler.bucketOverflowCount()).isEqualTo(1);
        }
    }

    /**
     * Guards the dirty-slot bitmap: a record flags exactly its slot in its writer's stripe, taking the bits clears
     * them, and bits above the mask (slots the profiler does not fold yet) stay set until a later take covers them.
     */
    @Test
    void shouldFlagExactlyTheRecordedSlotsUntilTheirBitsAreTaken() {
        try (LoadRecorder recorder = new LoadRecorder(2, 130)) {
            final int first = recorder.claimStripe();
            final int second = recorder.claimStripe();
            recorder.recordIngest(first, 3, 0, 1, 1);
            recorder.recordQuery(second, 64, 5);
            recorder.recordIngest(second, 129, 15, 1, 1);
            assertThat(recorder.dirtyWords()).isEqualTo(3);
            assertThat(recorder.takeDirty(second, 0, -1L)).isZero();
            assertThat(recorder.takeDirty(first, 0, -1L)).isEqualTo(1L << 3);
            assertThat(recorder.takeDirty(first, 0, -1L)).isZero();
            assertThat(recorder.takeDirty(second, 1, -1L)).isEqualTo(1L);
            assertThat(recorder.takeDirty(second, 2, 1L)).isZero();
            assertThat(recorder.takeDirty(second, 2, 3L)).isEqualTo(2L);
            assertThat(recorder.takeDirty(second, 2, -1L)).isZero();
        }
    }

    /** Guards against leaking the recorder's native memory: close frees it, and a second close is harmless. */
    @Test
    void shouldFreeItsNativeMemoryWhenClosedTwice() {
        final long before = NativeMemory.liveBytes(LoadRecorder.MEMORY_OWNER);
        final LoadRecorder recorder = new LoadRecorder(2, 20_000);
        assertThat(NativeMemory.liveBytes(LoadRecorder.MEMORY_OWNER))
            .as("two writer stripes and the profiler's")
            .isEqualTo(before + 3 * LoadRecorderDescriptor.stripeLength(20_000));
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
