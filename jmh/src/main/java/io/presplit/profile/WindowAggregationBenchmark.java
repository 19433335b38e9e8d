package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;


import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Window aggregation over one slot's whole series at one history level ({@code window} float64 = {@code 8 * window}
 * bytes per operation), slot after slot, so that a pass streams through {@code slots * window * 8} bytes: from cache
 * for the small {@code slots}, from memory for the large one. {@code level} 1 is a roll-up level (two ticks a row),
 * slot-major, where the queries run the Vector API main loop; {@code level} 0 is the tick level, tick-major in blocks
 * of 512 slots since history format 3, where a slot's window is strided and the queries are scalar loops.
 * <ul>
 *   <li>{@code vectorSum}, {@code vectorMax}: {@link LoadHistory#windowSum}/{@link LoadHistory#windowMax} at the
 *       level (the public queries: vector main loop above level 0, strided scalar loop at level 0);</li>
 *   <li>{@code scalarSum}: the scalar definition, one accumulator, over an identical column;</li>
 *   <li>{@code plainLongSum}: the memory-bandwidth reference: the same bytes summed as {@code long}s with integer
 *       vector adds (no floating-point semantics), the fastest plain read of those bytes.</li>
 * </ul>
 * GB/s = {@code 8 * window} bytes / (ns/op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 3, jvmArgsAppend = "-Xmx1g")
@State(Scope.Thread)
public class WindowAggregationBenchmark {
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Ticks per row of the roll-up level. */
    private static final int TICKS_PER_ROW = 2;

    @Param({"64", "32768"})
    int slots;

    @Param({"512"})
    int window;

    /**
     * Slots between one operation's slot and the next: 1 visits them in order; 9 (odd, so every slot is visited)
     * makes consecutive operations read different lines even where one line holds several slots' rows (level 0
     * of history format 3 keeps eight slots' rows of a tick in one line, and in order they would share it).
     */
    @Param({"1"})
    int slotStep;

    /** History level queried: 1 (roll-up rows, slot-major, vectorized) or 0 (ticks, tick-major, strided). */
    @Param({"1", "0"})
    int level;

    LoadHistory history;
    Arena arena;
    MemorySegment column;
    int slot;

    @Setup(Level.Trial)
    public void setUp() {
        // Ticks for the tick level's window, rows of two ticks for the roll-up level's, and one tick of the next row:
        // the steady state, where a roll-up level's completed rows are all in its ring. (In a row's first tick, before
        // the fold touches the slot, the newest completed row is still the slot state's open row: the window is then
        // one span shorter plus that row, measured +20-25 ns for the sum and +70-95 ns for the maximum from cache.)
        history = LoadHistory.inMemory(slots, 0.5, new LoadHistory.Level(1, window),
            new LoadHistory.Level(TICKS_PER_ROW, window));
        arena = Arena.ofShared();
        column = arena.allocate((long) slots * window * Double.BYTES, 64);
        final SplittableRandom random = new SplittableRandom(3);
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        final int ticks = TICKS_PER_ROW * window + 1;
        for (int t = 0; t < ticks; t++) {
            for (int s = 0; s < slots; s++) {
                final double points = random.nextInt(1_000);
                history.writeRow(s, points, 0, 0, buckets);
                // The scalar reference's column holds the queried level's rows, in the same order.
                final int row = level == 0 ? t - (ticks - window) : t / TICKS_PER_ROW;
                if (row >= 0 && row < window) {
                    final long at = (long) s * window + row;
                    column.setAtIndex(DOUBLE, at, (level == 0 ? 0 : column.getAtIndex(DOUBLE, at)) + points);
                }
            }
            history.completeTick();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        history.close();
        arena.close();
    }

    /** Window sum through the public query (Vector API above level 0). */
    @Benchmark
    public double vectorSum() {
        return history.windowSum(level, Resource.INGEST_POINTS, nextSlot(), window);
    }

    /** Window maximum through the public query (Vector API above level 0). */
    @Benchmark
    public double vectorMax() {
        return history.windowMax(level, Resource.INGEST_POINTS, nextSlot(), window);
    }

    /** Scalar reference: one accumulator, in order, over an identical column. */
    @Benchmark
    public double scalarSum() {
        final MemorySegment column = this.column;
        final long base = (long) nextSlot() * window;
        double sum = 0;
        for (int i = 0; i < window; i++) {
            sum += column.getAtIndex(DOUBLE, base + i);
        }
        return sum;
    }

    /** Bandwidth reference: the same bytes as longs, integer vector adds (no floating-point semantics). */
    @Benchmark
    public long plainLongSum() {
        final MemorySegment column = this.column;
        final long baseBytes = (long) nextSlot() * window * Long.BYTES;
        final int lanes = LONGS.length();
        LongVector acc = LongVector.zero(LONGS);
        int i = 0;
        for (; i <= window - lanes; i += lanes) {
            acc = acc.add(LongVector.fromMemorySegment(LONGS, column, baseBytes + (long) i * Long.BYTES, ORDER));
        }
        long sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < window; i++) {
            sum += column.get(LONG, baseBytes + (long) i * Long.BYTES);
        }
        return sum;
    }

    private int nextSlot() {
        final int next = slot + slotStep >= slots ? slot + slotStep - slots : slot + slotStep;
        slot = next;
        return next;
    }
}
