package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.keyspace.KeySpace;

import java.util.concurrent.CountDownLatch;

/**
 * Writers that record while a profiler folds, and the check that per slot the folded ticks add up to exactly what
 * they recorded: every writer records {@code records} times, one point, 10 bytes and query cost 3, into the slot
 * {@link #slotOf} gives for record i.
 */
final class ConcurrentRecording {
    private final int slots;
    private final int records;
    private final Thread[] threads;
    /** Per slot and resource, the sum of the ticks added so far. */
    private final double[][] sums;

    /** Claims a stripe per writer and starts them; they record once {@code start} opens. */
    ConcurrentRecording(final LoadRecorder recorder, final int writers, final int records, final int slots,
        final CountDownLatch start) {
        this.slots = slots;
        this.records = records;
        this.threads = new Thread[writers];
        this.sums = new double[slots][Resource.VALUES.length];
        for (int w = 0; w < writers; w++) {
            final int stripe = recorder.claimStripe();
            threads[w] = new Thread(() -> {
                try {
                    start.await();
                } catch (final InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
                for (int i = 0; i < records; i++) {
                    final int slot = slotOf(i);
                    recorder.recordIngest(stripe, slot, i & (KeySpace.BUCKET_COUNT - 1), 1, 10);
                    recorder.recordQuery(stripe, slot, 3);
                }
            });
            threads[w].start();
        }
    }

    /** Whether any writer is still recording. */
    boolean isRecording() {
        for (final Thread thread : threads) {
            if (thread.isAlive()) {
                return true;
            }
        }
        return false;
    }

    /** Adds the history's latest tick to the sums. */
    void addLatestTick(final LoadHistory history) {
        for (int slot = 0; slot < slots; slot++) {
            if (history.length(slot) > 0) {
                for (final Resource resource : Resource.VALUES) {
                    sums[slot][resource.ordinal()] += history.value(resource, slot, 0);
                }
            }
        }
    }

    /** Checks that the ticks added hold every record exactly once. */
    void assertEveryRecordFoldedOnce(final long ticks) {
        final long[] expected = new long[slots];
        for (int i = 0; i < records; i++) {
            expected[slotOf(i)] += threads.length;
        }
        for (int slot = 0; slot < slots; slot++) {
            final double points = sums[slot][Resource.INGEST_POINTS.ordinal()];
            assertThat(points).as("slot %d over %d ticks", slot, ticks).isEqualTo((double) expected[slot]);
            assertThat(sums[slot][Resource.INGEST_BYTES.ordinal()]).isEqualTo(points * 10);
            assertThat(sums[slot][Resource.QUERY_COST.ordinal()]).isEqualTo(points * 3);
        }
    }

    /** The slot of record {@code i}: spread over all slots, the same for every writer. */
    private int slotOf(final int i) {
        return (int) (((i * 0x9E37_79B9L) >>> 7) % slots);
    }
}
