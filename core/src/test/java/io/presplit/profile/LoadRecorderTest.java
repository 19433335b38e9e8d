package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.AllocationMeter;
import io.presplit.keyspace.KeySpace;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

class LoadRecorderTest {
    private static final int SLOTS = 8;

    /** Guards against lost or double-counted increments when ticks are folded while writers keep recording. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountEveryPointExactlyOnceWhenTicksAreFoldedDuringConcurrentRecording() throws Exception {
        final int writers = 3;
        final int recordsPerWriter = 400_000;
        try (LoadRecorder recorder = new LoadRecorder(writers, SLOTS);
             LoadHistory history = new LoadHistory(SLOTS, 100_000, 0.5)) {
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
                        recorder.recordIngest(stripe, i % SLOTS, i % KeySpace.BUCKET_COUNT, 1, 10);
                    }
                });
                threads[w].start();
            }
            start.countDown();
            long tick = 0;
            while (!isDone.get()) {
                clock.update(++tick);
                profiler.doWork();
                isDone.set(allDead(threads));
            }
            clock.update(++tick);
            profiler.doWork();

            for (int slot = 0; slot < SLOTS; slot++) {
                final int length = history.length(slot);
                final double points = history.windowSum(Resource.INGEST_POINTS, slot, length);
                final double bytes = history.windowSum(Resource.INGEST_BYTES, slot, length);
                assertThat(points).isEqualTo((double) writers * recordsPerWriter / SLOTS);
                assertThat(bytes).isEqualTo(points * 10);
            }
        }
    }

    /** Guards the hot-path promise: recording allocates nothing. */
    @Test
    void shouldNotAllocateWhenRecording() {
        try (LoadRecorder recorder = new LoadRecorder(1, SLOTS)) {
            final int stripe = recorder.claimStripe();
            assertThat(AllocationMeter.allocatedBytes(100_000, () -> recorder.recordIngest(stripe, 3, 5, 1, 64)))
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
