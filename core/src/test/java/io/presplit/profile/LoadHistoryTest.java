package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.presplit.AllocationMeter;
import io.presplit.keyspace.KeySpace;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

class LoadHistoryTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];

    /**
     * Guards the vectorized window aggregation against the scalar definition, over windows that wrap around the
     * ring and lengths that are not a multiple of the vector width.
     */
    @Test
    void shouldMatchScalarReferenceWhenWindowsWrapAndHaveOddLengths() {
        final long seed = System.nanoTime();
        System.out.println("LoadHistoryTest seed=" + seed);
        final Random random = new Random(seed);
        final int retained = 97;
        try (LoadHistory history = new LoadHistory(3, retained, 0.9)) {
            final double[][] written = new double[3][500];
            for (int t = 0; t < 500; t++) {
                for (int slot = 0; slot < 3; slot++) {
                    written[slot][t] = random.nextDouble() * 1000;
                    history.writeRow(slot, written[slot][t], 0, 0, NO_BUCKETS);
                }
                history.completeTick();
                for (int window = 1; window <= Math.min(t + 1, retained); window += 1 + random.nextInt(7)) {
                    final int slot = random.nextInt(3);
                    double sum = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = t - window + 1; i <= t; i++) {
                        sum += written[slot][i];
                        max = Math.max(max, written[slot][i]);
                    }
                    assertThat(history.windowSum(Resource.INGEST_POINTS, slot, window)).isCloseTo(sum, within(1e-6));
                    assertThat(history.windowMax(Resource.INGEST_POINTS, slot, window)).isEqualTo(max);
                }
            }
        }
    }

    /**
     * Guards level 0's exactness in place (spec 004 v3): slots that share eight-slot lines and 512-slot blocks
     * (three, the last partial) take load in random ticks, written in random order within a tick, with idle gaps
     * longer than the ring; every retained row and every window must equal the naive series (zero when idle), so
     * that a ring-old row left in a line, or a line zeroed after a row was written into it, shows.
     */
    @Test
    void shouldReadEveryTickExactlyWhenSparseSlotsShareLinesAndWords() {
        final long seed = System.nanoTime();
        System.out.println("LoadHistoryTest sparse-lines seed=" + seed);
        final Random random = new Random(seed);
        final int slots = 1_100;
        final int retained = 8;
        final int ticks = 120;
        final double[][] written = new double[slots][ticks];
        try (LoadHistory history = new LoadHistory(slots, retained, 0.9)) {
            history.startSlots(0, slots);
            final int[] order = new int[slots];
            for (int t = 0; t < ticks; t++) {
                int count = 0;
                for (int slot = 0; slot < slots; slot++) {
                    if (random.nextInt(8) == 0 || (t < 10 && slot % 3 == 0)) {
                        order[count++] = slot;
                    }
                }
                for (int i = count - 1; i > 0; i--) {
                    final int j = random.nextInt(i + 1);
                    final int swap = order[i];
                    order[i] = order[j];
                    order[j] = swap;
                }
                for (int i = 0; i < count; i++) {
                    final int slot = order[i];
                    written[slot][t] = 1 + random.nextInt(1000);
                    history.writeRow(slot, written[slot][t], 0, 0, NO_BUCKETS);
                }
                history.completeTick();
                final int slot = random.nextInt(slots);
                final int length = history.length(slot);
                assertThat(length).isEqualTo(Math.min(t + 1, retained));
                for (int ago = 0; ago < length; ago++) {
                    assertThat(history.value(Resource.INGEST_POINTS, slot, ago)).as("tick %d slot %d ago %d", t, slot,
                        ago).isEqualTo(written[slot][t - ago]);
                }
                for (int window = 1; window <= length; window++) {
                    double sum = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = t - window + 1; i <= t; i++) {
                        sum += written[slot][i];
                        max = Math.max(max, written[slot][i]);
                    }
                    assertThat(history.windowSum(Resource.INGEST_POINTS, slot, window)).isEqualTo(sum);
                    assertThat(history.windowMax(Resource.INGEST_POINTS, slot, window)).isEqualTo(max);
                }
            }
        }
    }

    /** Guards the stated NaN rule: a NaN in the window propagates to sum and max. */
    @Test
    void shouldPropagateNanWhenTheWindowHoldsOne() {
        try (LoadHistory history = new LoadHistory(1, 64, 0.9)) {
            for (int t = 0; t < 40; t++) {
                history.writeRow(0, t == 17 ? Double.NaN : t, 0, 0, NO_BUCKETS);
                history.completeTick();
            }
            assertThat(history.windowSum(Resource.INGEST_POINTS, 0, 40)).isNaN();
            assertThat(history.windowMax(Resource.INGEST_POINTS, 0, 40)).isNaN();
            assertThat(history.windowMax(Resource.INGEST_POINTS, 0, 20)).isEqualTo(39.0);
        }
    }

    /**
     * Guards the NaN rule inside the unrolled main loop: a NaN at any position of a span (any lane of any of the
     * block's vectors, or the tail) makes its sum and max NaN, and without it the max equals the scalar one.
     */
    @Test
    void shouldPropagateNanFromEveryPositionWhenSpansAreReducedBlockByBlock() {
        final double[] values = new double[80];
        final MemorySegment segment = MemorySegment.ofArray(values);
        for (int length = 1; length <= values.length; length++) {
            for (int i = 0; i < length; i++) {
                values[i] = (i * 37) % 101;
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < length; i++) {
                max = Math.max(max, values[i]);
            }
            assertThat(LoadHistory.span(segment, 0, length, true)).as("length %d", length).isEqualTo(max);
            for (int nan = 0; nan < length; nan++) {
                final double saved = values[nan];
                values[nan] = Double.NaN;
                assertThat(LoadHistory.span(segment, 0, length, false)).as("sum, length %d, NaN at %d", length, nan)
                    .isNaN();
                assertThat(LoadHistory.span(segment, 0, length, true)).as("max, length %d, NaN at %d", length, nan)
                    .isNaN();
                values[nan] = saved;
            }
        }
    }

    /**
     * Guards the maximum's exact path: loads are never negative, but a span holding a set sign bit (a negative
     * value, -0.0, a NaN with its sign set) at any position still gets {@link Math#max}'s answer, and such a NaN
     * propagates like any other.
     */
    @Test
    void shouldTakeTheExactMaximumWhenASpanHoldsASignBit() {
        final double[] values = new double[80];
        final MemorySegment segment = MemorySegment.ofArray(values);
        final double negativeNan = Double.longBitsToDouble(0xFFF8_0000_0000_0000L);
        for (int length = 1; length <= values.length; length++) {
            for (int at = 0; at < length; at++) {
                for (final double signed : new double[] {-3.5, -0.0, Double.NEGATIVE_INFINITY, negativeNan}) {
                    for (int i = 0; i < length; i++) {
                        values[i] = i == at ? signed : (i * 37) % 101;
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < length; i++) {
                        max = Math.max(max, values[i]);
                    }
                    // Compared as bits: NaN equals NaN, and -0.0 is told from 0.0 (both sides take Math.max's).
                    assertThat(Double.doubleToLongBits(LoadHistory.span(segment, 0, length, true)))
                        .as("length %d, %s at %d", length, signed, at).isEqualTo(Double.doubleToLongBits(max));
                }
            }
        }
        Arrays.fill(values, -2.0);
        values[41] = -1.0;
        assertThat(LoadHistory.span(segment, 0, values.length, true)).isEqualTo(-1.0);
    }

    /**
     * Guards the strided level-0 span (one line per row, the slot's lane): a NaN in the slot's lane at any row makes
     * sum and max NaN; a NaN in another slot's lane of the same lines changes nothing.
     */
    @Test
    void shouldPropagateOnlyTheOwnLanesNanWhenSpanningLines() {
        final int rows = 23;
        final int stride = LoadHistoryDescriptor.BLOCK_ROW_STRIDE / Double.BYTES;
        final double[] values = new double[rows * stride];
        final MemorySegment segment = MemorySegment.ofArray(values);
        final int lane = 5;
        for (int length = 1; length <= rows; length++) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (i * 37) % 101;
            }
            double sum = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < length; i++) {
                sum += values[i * stride + lane];
                max = Math.max(max, values[i * stride + lane]);
                values[i * stride + lane + 1] = Double.NaN;
            }
            assertThat(LoadHistory.spanLane(segment, 0, length, lane, false)).as("length %d", length)
                .isCloseTo(sum, within(1e-9));
            assertThat(LoadHistory.spanLane(segment, 0, length, lane, true)).as("length %d", length).isEqualTo(max);
            for (int nan = 0; nan < length; nan++) {
                final double saved = values[nan * stride + lane];
                values[nan * stride + lane] = Double.NaN;
                assertThat(LoadHistory.spanLane(segment, 0, length, lane, false)).isNaN();
                assertThat(LoadHistory.spanLane(segment, 0, length, lane, true)).isNaN();
                values[nan * stride + lane] = saved;
            }
        }
    }

    /** Guards lineage seeding: the children of a split sum back to the parent, tick by tick. */
    @Test
    void shouldSumChildrenBackToParentWhenSeededFromASplit() {
        try (LoadHistory history = new LoadHistory(4, 48, 0.9)) {
            final long[] buckets = new long[KeySpace.BUCKET_COUNT];
            buckets[2] = 7;
            for (int t = 0; t < 30; t++) {
                history.writeRow(0, 100 + t, 1000 + t, t, buckets);
                history.completeTick();
            }
            history.seedFromParent(1, 0, 0.25);
            history.seedFromParent(2, 0, 0.75);
            assertThat(history.length(1)).isEqualTo(30);
            for (int ago = 0; ago < 30; ago++) {
                for (final Resource r : Resource.values()) {
                    assertThat(history.value(r, 1, ago) + history.value(r, 2, ago))
                        .isCloseTo(history.value(r, 0, ago), within(1e-9));
                }
            }
            history.seedFromMerge(3, 1, 2);
            assertThat(history.windowSum(Resource.INGEST_POINTS, 3, 30))
                .isCloseTo(history.windowSum(Resource.INGEST_POINTS, 0, 30), within(1e-9));
        }
    }

    /** Guards the hot-path promise: writing rows and window queries allocate nothing. */
    @Test
    void shouldNotAllocateWhenWritingAndAggregating() {
        try (LoadHistory history = new LoadHistory(2, 256, 0.9)) {
            final long[] buckets = new long[KeySpace.BUCKET_COUNT];
            final double[] sink = new double[1];
            final long allocated = AllocationMeter.allocatedBytes(20_000, () -> {
                history.writeRow(0, 5, 6, 7, buckets);
                history.writeRow(1, 5, 6, 7, buckets);
                history.completeTick();
                sink[0] += history.windowSum(Resource.INGEST_POINTS, 0, history.length(0));
                sink[0] += history.windowMax(Resource.INGEST_POINTS, 1, history.length(1));
            });
            assertThat(allocated).isZero();
        }
    }
}
