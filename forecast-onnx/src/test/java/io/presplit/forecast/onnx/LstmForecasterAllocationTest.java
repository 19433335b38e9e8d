package io.presplit.forecast.onnx;

import com.sun.management.ThreadMXBean;
import io.presplit.forecast.ForecastTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** What a steady-state tick of the batched LSTM allocates on the Java heap. */
class LstmForecasterAllocationTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final int CALLS = 10;

    /**
     * Guards the allocation contract: after warm-up a tick allocates only ONNX Runtime's per-call result
     * bookkeeping, the same for 100 partitions as for 1,000 (a buffer or tensor re-created per tick, or any
     * per-slot object, would make it grow with the partition count).
     */
    @Test
    void shouldAllocateTheSameSmallAmountWhenPartitionsGrow() {
        final long small = bytesPerTick(100);
        final long large = bytesPerTick(1_000);
        System.out.printf("LSTM tick heap allocation: %d B at 100 partitions, %d B at 1,000%n", small, large);
        assertThat(large).isLessThan(small + 1_024);
        assertThat(large).isLessThan(16_384);
    }

    private static long bytesPerTick(final int partitions) {
        final ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (LstmForecaster lstm = LstmForecaster.openBundled();
             LoadHistory history = new LoadHistory(partitions, lstm.windowTicks(), 0.9)) {
            for (int t = 0; t < lstm.windowTicks(); t++) {
                for (int slot = 0; slot < partitions; slot++) {
                    history.writeRow(slot, 0, 0, 50 + 10 * Math.sin(t / 4.0 + slot), NO_BUCKETS);
                }
                history.completeTick();
            }
            final ForecastTable table = new ForecastTable(partitions, lstm.modelHorizon());
            final int[] slots = new int[partitions];
            for (int i = 0; i < partitions; i++) {
                slots[i] = i;
            }
            for (int i = 0; i < CALLS; i++) {
                lstm.forecast(history, Resource.QUERY_COST, slots, partitions, table);
            }
            final long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < CALLS; i++) {
                lstm.forecast(history, Resource.QUERY_COST, slots, partitions, table);
            }
            return (threads.getCurrentThreadAllocatedBytes() - before) / CALLS;
        }
    }
}
