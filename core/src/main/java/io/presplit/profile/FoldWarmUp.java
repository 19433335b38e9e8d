package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import org.agrona.concurrent.CachedNanoClock;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Folds a small scratch history of the engine's shape, roll-up row closes included, once per JVM before the engine
 * folds its own.
 * <p>
 * Why: the engine's first ticks reach none of its roll-up row boundaries (the first minute row closes at tick 60 at
 * one-second ticks), and the JIT compiles the fold during them with the close branch as an uncommon trap. At the
 * first boundary every loaded slot closes its row: the trap fires, the fold is made not entrant and recompiled
 * during that tick: 119–180 ms at a million loaded slots against 45–55 ms at later boundaries, and 48–55 ms after
 * this warm-up (docs/BENCHMARKS.md). Here rows of 4 and 16 ticks close every few folds of a few thousand slots, in
 * dense words with and without queries and in sparse slots, so that the fold's profile holds every close path
 * before it is compiled. Cold path.
 */
public final class FoldWarmUp {
    /** Four level-0 blocks: dense words and sparse slots, and a block in each bucket phase up to k = 4. */
    private static final int SLOTS = 2_048;
    /** Folds: enough for the compiler to compile the fold with the closes in its profile. */
    private static final int TICKS = 600;
    /** Slot capacity from which the warm-up runs: there the first boundary's recompilation costs milliseconds. */
    public static final int WORTHWHILE_SLOTS = 1 << 16;
    private static final AtomicBoolean IS_DONE = new AtomicBoolean();

    private FoldWarmUp() {
    }

    /**
     * Runs the warm-up for an engine of this shape, unless this JVM ran it already. It takes about a second (Vector
     * API start-up included): only worth it where the first boundary's recompilation is long, at
     * {@value #WORTHWHILE_SLOTS} slots or more; with ticks only no row ever closes.
     *
     * @param slotCapacity    the engine's load slots.
     * @param levelCount      the engine's history levels (1 to 3 are warmed; more fold like the third).
     * @param bucketFoldTicks the engine's bucket fold period.
     * @return whether this call ran it.
     */
    public static boolean runOnce(final int slotCapacity, final int levelCount, final int bucketFoldTicks) {
        if (slotCapacity < WORTHWHILE_SLOTS || levelCount < 2 || !IS_DONE.compareAndSet(false, true)) {
            return false;
        }
        final LoadHistory.Level[] levels = new LoadHistory.Level[Math.min(levelCount, 3)];
        for (int level = 0; level < levels.length; level++) {
            levels[level] = new LoadHistory.Level(1 << (2 * level), 8);
        }
        try (LoadRecorder recorder = new LoadRecorder(2, SLOTS);
             LoadHistory history = LoadHistory.inMemory(SLOTS, 0.5, levels)) {
            final ProfilerAgent profiler = new ProfilerAgent(new ProfilerAgent.Context().recorder(recorder)
                .history(history).clock(new CachedNanoClock()).tickNs(1).slotBound(() -> SLOTS)
                .bucketFoldTicks(bucketFoldTicks));
            final int[] stripes = {recorder.claimStripe(), recorder.claimStripe()};
            for (int tick = 0; tick < TICKS; tick++) {
                // Dense words without queries, dense words with a query on every slot, then sparse slots (every
                // fifth, a query on some): each of the fold's paths, with and without closes.
                for (int slot = 0; slot < SLOTS; slot += slot < SLOTS / 2 ? 1 : 5) {
                    recorder.recordIngest(stripes[slot & 1], slot, slot % KeySpace.BUCKET_COUNT, 1 + (tick & 3), 64);
                    if (slot >= SLOTS / 4 && (slot < SLOTS / 2 || (slot & 3) == 0)) {
                        recorder.recordQuery(stripes[slot & 1], slot, 8);
                    }
                }
                profiler.fold(SLOTS);
            }
        }
        return true;
    }
}
