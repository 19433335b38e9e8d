package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.AllocationMeter;
import io.presplit.keyspace.KeySpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * The window aggregations stay allocation-free after their profile has been polluted: called first on spans of
 * every length class (empty, shorter than a vector, one vector, many, with odd tails), over every kind of segment
 * (native, memory-mapped, heap), for both sum and max.
 */
class LoadHistoryPollutedProfileTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final int[] SPAN_LENGTHS = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 200, 511, 512};

    @TempDir
    Path directory;

    /**
     * Guards against C2 keeping a loop-carried vector accumulator in a heap box once the loop's profile is polluted
     * (the profiler's fold did: 96 B per folded slot): a rare allocation failure of {@code LoadHistoryTest}. After
     * polluting, window sums and maxima of every length allocate nothing.
     */
    @Test
    void shouldNotAllocateWhenTheAggregationProfileIsPolluted() {
        final double[] heapValues = new double[600];
        for (int i = 0; i < heapValues.length; i++) {
            heapValues[i] = i % 13;
        }
        final MemorySegment heap = MemorySegment.ofArray(heapValues);
        // A heap segment over another array type (8-byte aligned, as the scalar tail's layout needs): with the
        // histories' native and mapped segments, the span loop's segment profile is megamorphic.
        final MemorySegment longs = MemorySegment.ofArray(new long[600]).copyFrom(heap);
        final MemorySegment[] heaps = {heap, longs};
        try (LoadHistory inMemory = new LoadHistory(2, 512, 0.9);
            LoadHistory mapped = LoadHistory.open(directory.resolve("history.dat"), 2, 0.9,
                new LoadHistory.Level(1, 256), new LoadHistory.Level(4, 64))) {
            final LoadHistory[] histories = {inMemory, mapped};
            final double[] sink = new double[1];
            for (int t = 0; t < 600; t++) {
                for (final LoadHistory history : histories) {
                    history.writeRow(0, t % 17, t, 1, NO_BUCKETS);
                    history.writeRow(1, t % 5, t, 2, NO_BUCKETS);
                    history.completeTick();
                }
            }
            // Pollute, first with windows shorter than a vector only, until C2 compiles the queries with their vector
            // loops never taken; then with spans long enough for on-stack replacement to compile the loops in mid-run
            // (an OSR entry takes a loop-carried vector from the interpreter's frame, that is, boxed).
            for (int round = 0; round < 20_000; round++) {
                sink[0] += inMemory.windowSum(Resource.INGEST_POINTS, round & 1, 1 + round % 3);
                sink[0] += mapped.windowMax(Resource.INGEST_POINTS, round & 1, 1 + round % 3);
            }
            final MemorySegment huge = MemorySegment.ofArray(new double[1 << 20]);
            for (int i = 0; i < 4; i++) {
                sink[0] += LoadHistory.span(huge, 0, 1 << 20, false) + LoadHistory.span(huge, 0, 1 << 20, true);
            }
            // Then every length class, every segment kind, both levels, sum and max, through span and the
            // public queries alike, long enough for C2 to compile the aggregations with this profile.
            for (int round = 0; round < 3_000; round++) {
                for (final int length : SPAN_LENGTHS) {
                    final MemorySegment segment = heaps[round % heaps.length];
                    final long first = (round % 8) * Double.BYTES;
                    sink[0] += Math.max(0, LoadHistory.span(segment, first, length, (round & 1) == 0));
                    for (final LoadHistory history : histories) {
                        final int window = Math.max(1, Math.min(length, history.length(0)));
                        sink[0] += history.windowSum(Resource.INGEST_POINTS, round & 1, window);
                        sink[0] += history.windowMax(Resource.INGEST_BYTES, round & 1, window);
                    }
                    sink[0] += mapped.windowSum(1, Resource.QUERY_COST, 0, Math.max(1, Math.min(length, 64)));
                    sink[0] += mapped.windowMax(1, Resource.INGEST_POINTS, 1, Math.max(1, Math.min(length, 64)));
                }
            }
            final long allocated = AllocationMeter.allocatedBytes(2_000, () -> {
                for (final int length : SPAN_LENGTHS) {
                    final int window = Math.max(1, length);
                    sink[0] += inMemory.windowSum(Resource.INGEST_POINTS, 0, window);
                    sink[0] += inMemory.windowMax(Resource.INGEST_POINTS, 1, window);
                    sink[0] += mapped.windowSum(Resource.INGEST_BYTES, 1, Math.min(window, 256));
                    sink[0] += mapped.windowMax(Resource.INGEST_BYTES, 0, Math.min(window, 256));
                    sink[0] += LoadHistory.span(heap, 0, length, false);
                    sink[0] += Math.max(0, LoadHistory.span(longs, 0, length, true));
                }
            });
            assertThat(allocated).as("bytes allocated by 2,000 rounds of polluted window queries").isZero();
            assertThat(sink[0]).isPositive();
        }
    }
}
