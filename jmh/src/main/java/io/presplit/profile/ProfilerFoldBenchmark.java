package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.NativeMemory;
import io.presplit.memory.NativeRegion;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.concurrent.CachedNanoClock;
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

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The profiler's tick: {@link ProfilerAgent#fold} over a million slots, of which a fraction took load since the
 * previous tick (both writers recorded every touched slot, so the fold reads both stripes' records for it), against
 * two floors: reading the claimed stripes once at memory bandwidth, no history work; and streaming every cache line
 * a fold of every slot must read or rewrite ({@link #lineTrafficFloor}).
 * <p>
 * Before each invocation (not timed) the writers record into a fresh random set of {@code touchedFraction} of the
 * slots; {@code touchedFraction = 1} is the worst case, every slot took load. {@code levels} is the history's shape:
 * 1 = ticks only (8 retained), 3 = ticks, minutes (60 ticks) and hours (3,600 ticks), 8 rows each.
 * {@code atRowBoundary = true} times only ticks that start a minute row, where every loaded slot closes its row: before
 * each invocation the other ticks up to it are recorded and folded, untimed (about a second each at a million slots).
 * <p>
 * Goal of the profiler issue: at most 20 ms a tick for a million partitions. Run with {@code -prof gc}: the fold
 * must allocate nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 3, jvmArgsAppend = "-Xmx2g")
@State(Scope.Benchmark)
public class ProfilerFoldBenchmark {
    private static final int ROWS_RETAINED = 8;
    /** Ticks per row of the second level. */
    private static final int MINUTE_TICKS = 60;
    private static final int TOUCHED_SETS = 8;
    private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;
    /** One cache line as a vector. */
    private static final VectorSpecies<Long> LINE = LongVector.SPECIES_512;
    private static final int LINE_BYTES = 64;
    /** Most lines per slot {@link #lineTrafficFloor} rewrites. */
    private static final int REWRITTEN_LINES_PER_SLOT = 6;

    @Param({"1048576"})
    int slots;

    @Param({"2"})
    int writers;

    @Param({"0.01", "0.1", "1"})
    double touchedFraction;

    @Param({"1", "3"})
    int levels;

    /**
     * {@link ProfilerAgent.Context#foldWordsPerCycle(int)}: the most 64-slot words one duty cycle folds. The default
     * folds a tick in one cycle; {@code 1024} (65,536 slots) spreads a million slots over 16 cycles, measured one
     * cycle per operation by {@link #dutyCycle}.
     */
    @Param({"2147483647"})
    int foldWordsPerCycle;

    /**
     * {@link ProfilerAgent.Context#bucketFoldTicks(int)}: bucket counts folded every tick (1, the default) or every
     * k ticks, each block of 512 slots in its own phase, so that a tick folds a k-th of the slots' bucket counts.
     */
    @Param({"1"})
    int bucketFoldTicks;

    /**
     * Lines per slot {@link #lineTrafficFloor} reads, changes and writes back besides the stripes' records: 6 for
     * history format 2 (the profiler's totals record, three level-0 column positions, two lines of bucket loads); 2 for
     * format 3 (the totals record and the line of float bucket loads; its level-0 writes, 3/8 of a line per slot, and
     * the slot state are left out), so that a layout's floor is measured beside the fold.
     */
    @Param({"6"})
    int rewrittenLinesPerSlot;

    /** Whether each timed fold is of a tick that starts a level-1 row (60 ticks), the rest folded untimed. */
    @Param({"false"})
    boolean atRowBoundary;

    /** Runs {@link FoldWarmUp} first, as the engine does (the first row boundary's recompilation). */
    @Param({"false"})
    boolean warmUp;

    CachedNanoClock clock;
    long nowNs;

    LoadRecorder recorder;
    LoadHistory history;
    ProfilerAgent profiler;
    int[] stripes;
    /** Precomputed random sets of touched slots, one used per invocation in turn. */
    int[][] touchedSets;
    int[] buckets;
    int invocation;
    /** Scratch for {@link #lineTrafficFloor}: {@value #REWRITTEN_LINES_PER_SLOT} lines per slot. */
    MemorySegment rewrittenLines;
    NativeRegion rewrittenRegion;

    @Setup(Level.Trial)
    public void setUp() {
        if (warmUp) {
            FoldWarmUp.runOnce(slots, levels, bucketFoldTicks);
        }
        recorder = new LoadRecorder(writers, slots);
        final LoadHistory.Level[] shape = {new LoadHistory.Level(1, ROWS_RETAINED),
            new LoadHistory.Level(MINUTE_TICKS, ROWS_RETAINED), new LoadHistory.Level(3_600, ROWS_RETAINED)};
        history = LoadHistory.inMemory(slots, 0.5, Arrays.copyOf(shape, levels));
        clock = new CachedNanoClock();
        profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder).history(history).clock(clock)
            .tickNs(1).slotBound(() -> slots).foldWordsPerCycle(foldWordsPerCycle).bucketFoldTicks(bucketFoldTicks));
        stripes = new int[writers];
        for (int w = 0; w < writers; w++) {
            stripes[w] = recorder.claimStripe();
        }
        final SplittableRandom random = new SplittableRandom(7);
        final int touched = (int) Math.round(touchedFraction * slots);
        touchedSets = new int[touchedFraction >= 1 ? 1 : TOUCHED_SETS][touched];
        for (final int[] set : touchedSets) {
            for (int i = 0; i < touched; i++) {
                set[i] = touchedFraction >= 1 ? i : random.nextInt(slots);
            }
        }
        buckets = new int[slots];
        for (int slot = 0; slot < slots; slot++) {
            buckets[slot] = random.nextInt(KeySpace.BUCKET_COUNT);
        }
        // Every slot once, so that the first measured tick is not the first touch of the history's slots.
        for (int slot = 0; slot < slots; slot++) {
            recorder.recordIngest(stripes[0], slot, buckets[slot], 1, 64);
        }
        profiler.fold(slots);
        // Native memory like the fold's (huge pages when large), so that the floor pays the same page walks.
        rewrittenRegion = NativeMemory.allocate("ProfilerFoldBenchmark",
            (long) slots * REWRITTEN_LINES_PER_SLOT * LINE_BYTES, LINE_BYTES);
        rewrittenLines = rewrittenRegion.segment();
    }

    /**
     * The load of one tick: every writer records once into each slot of the next touched set, and the clock moves to
     * the next deadline, unless a spread fold is still folding the previous tick. Not timed.
     */
    @Setup(Level.Invocation)
    public void recordOneTick() {
        if (profiler.isFoldInProgress()) {
            // The clock stays within the tick while a spread fold's cycles run: a tick that began a whole tick late
            // would start a stall's catch-up (ProfilerAgent.catchUpDivisor), which is not the fold measured here.
            return;
        }
        clock.update(++nowNs);
        if (atRowBoundary) {
            // Up to the tick before the next minute row, untimed: the timed fold is then the row's first tick.
            while (history.tickCount() % MINUTE_TICKS != 0) {
                recordTouchedSet();
                profiler.fold(slots);
                clock.update(++nowNs);
            }
        }
        recordTouchedSet();
    }

    private void recordTouchedSet() {
        final int[] set = touchedSets[invocation++ % touchedSets.length];
        for (final int stripe : stripes) {
            for (final int slot : set) {
                recorder.recordIngest(stripe, slot, buckets[slot], 1 + (slot & 7), 64);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        rewrittenRegion.close();
        history.close();
        recorder.close();
    }

    /** One profiler tick over a million slots, the touched fraction of them dirty. */
    @Benchmark
    public LoadHistory fold() {
        profiler.fold(slots);
        return history;
    }

    /**
     * One duty cycle of the profiler: with the default {@code foldWordsPerCycle} a whole tick's fold, as
     * {@link #fold}; with {@code 1024}, one sixteenth of a million slots' tick (the first cycle of a tick also begins
     * the fold). Run single-shot with many iterations: the maximum is the longest cycle.
     */
    @Benchmark
    public int dutyCycle() {
        return profiler.doWork();
    }

    /**
     * One whole tick driven through duty cycles until {@link ProfilerAgent#completedTickCount()} moves, as the
     * engine's {@code advanceTo} drives it: with the default {@code foldWordsPerCycle} one cycle, as {@link #fold};
     * with {@code 1024}, the sixteen cycles of a million slots back to back, so that the spread fold's total per tick
     * is measured beside {@link #dutyCycle}'s longest cycle. The loop is the unit measured (one tick), not a
     * repetition.
     */
    @Benchmark
    public int tickThroughDutyCycles() {
        final ProfilerAgent profiler = this.profiler;
        final long completed = profiler.completedTickCount();
        int cycles = 0;
        while (profiler.completedTickCount() == completed) {
            profiler.doWork();
            cycles++;
        }
        return cycles;
    }

    /**
     * Floor of the eager fold (every slot, every tick): the memory bandwidth of reading the claimed stripes once, as
     * {@code long}s summed with integer vector adds; nothing written, no history work. Independent of the touched
     * fraction.
     */
    @Benchmark
    public long readStripesOnly() {
        final MemorySegment memory = recorder.counters().segment();
        final long length = recorder.counters().stripeLengthBytes() * (long) writers;
        final int lanes = LONGS.length();
        LongVector acc = LongVector.zero(LONGS);
        for (long offset = 0; offset <= length - (long) lanes * Long.BYTES; offset += (long) lanes * Long.BYTES) {
            acc = acc.add(LongVector.fromMemorySegment(LONGS, memory, offset, ByteOrder.nativeOrder()));
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Floor of a fold in which every slot took load, for this layout: the cache lines such a fold must move, streamed
     * at memory bandwidth with nothing else done. Per slot, in slot order: one 64-byte line read from each writer
     * stripe, and {@code rewrittenLinesPerSlot} lines read, changed and written back in a scratch region laid out like
     * the lines the fold rewrites (by default 6, history format 2's; 2 for format 3's; the slot state, a quarter
     * line, and format 3's level-0 writes left out). Run it with {@code touchedFraction=1}; the other
     * fractions repeat the same figure.
     */
    @Benchmark
    public long lineTrafficFloor() {
        final MemorySegment stripes = recorder.counters().segment();
        final long stripeLength = recorder.counters().stripeLengthBytes();
        final MemorySegment scratch = rewrittenLines;
        final ByteOrder order = ByteOrder.nativeOrder();
        final LongVector one = LongVector.broadcast(LINE, 1);
        LongVector acc = LongVector.zero(LINE);
        for (int slot = 0; slot < slots; slot++) {
            final long recordOffset = (long) slot << LoadRecorderDescriptor.SLOT_SHIFT;
            for (int w = 0; w < writers; w++) {
                acc = acc.add(LongVector.fromMemorySegment(LINE, stripes, w * stripeLength + recordOffset, order));
            }
            final long rewritten = (long) slot * rewrittenLinesPerSlot * LINE_BYTES;
            for (int line = 0; line < rewrittenLinesPerSlot; line++) {
                final long at = rewritten + (long) line * LINE_BYTES;
                LongVector.fromMemorySegment(LINE, scratch, at, order).add(one).intoMemorySegment(scratch, at, order);
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
