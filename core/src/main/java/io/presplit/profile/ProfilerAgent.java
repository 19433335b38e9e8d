package io.presplit.profile;

import io.presplit.keyspace.KeySpace;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.function.IntSupplier;

/**
 * Closes each profiler tick: folds the recorder's stripes into one row per partition slot of the load history.
 * <p>
 * The recorder's counters only grow; the agent keeps the totals it saw at the previous tick and writes the
 * differences, so every recorded point lands in exactly one tick, whatever the writers do meanwhile.
 * <p>
 * Duty cycle: reads the clock once; when the tick deadline has passed, folds slots {@code [0, slotBound)} and
 * publishes the tick. Allocation-free after construction. Role name {@code presplit-profiler}.
 */
public final class ProfilerAgent implements Agent {
    private static final int COUNTERS_PER_SLOT = 3 + KeySpace.BUCKET_COUNT;

    private final LoadRecorder recorder;
    private final LoadHistory history;
    private final NanoClock clock;
    private final IntSupplier slotBound;
    private final long tickNs;
    /** Totals seen at the previous tick, per slot: points, bytes, query cost, then the buckets. Agent thread. */
    private final long[] lastTotals;
    private final long[] bucketDeltas = new long[KeySpace.BUCKET_COUNT];
    private long deadlineNs;

    /**
     * @param recorder  the ingest-path recorder.
     * @param history   where tick rows go.
     * @param clock     the profiler clock.
     * @param tickNs    the tick length.
     * @param slotBound one past the largest slot in use (read each tick).
     */
    public ProfilerAgent(
        final LoadRecorder recorder, final LoadHistory history, final NanoClock clock, final long tickNs,
        final IntSupplier slotBound) {
        if (tickNs <= 0) {
            throw new IllegalArgumentException("tick length must be positive [tickNs=" + tickNs + "]");
        }
        if (recorder.slotCapacity() != history.slotCapacity()) {
            throw new IllegalArgumentException("recorder and history disagree on slots [recorder="
                + recorder.slotCapacity() + ", history=" + history.slotCapacity() + "]");
        }
        this.recorder = recorder;
        this.history = history;
        this.clock = clock;
        this.tickNs = tickNs;
        this.slotBound = slotBound;
        this.lastTotals = new long[recorder.slotCapacity() * COUNTERS_PER_SLOT];
        this.deadlineNs = clock.nanoTime() + tickNs;
    }

    @Override
    public void onStart() {
        deadlineNs = clock.nanoTime() + tickNs;
    }

    @Override
    public int doWork() {
        final long nowNs = clock.nanoTime();
        if (nowNs - deadlineNs < 0) {
            return 0;
        }
        deadlineNs += tickNs;
        fold(slotBound.getAsInt());
        return 1;
    }

    @Override
    public String roleName() {
        return "presplit-profiler";
    }

    /** Folds slots {@code [0, slotCount)} into one history row each and publishes the tick. Agent thread. */
    public void fold(final int slotCount) {
        final LoadRecorder recorder = this.recorder;
        final long[] lastTotals = this.lastTotals;
        final long[] bucketDeltas = this.bucketDeltas;
        for (int slot = 0; slot < slotCount; slot++) {
            final int base = slot * COUNTERS_PER_SLOT;
            final long points = delta(lastTotals, base, recorder.sumPoints(slot));
            final long bytes = delta(lastTotals, base + 1, recorder.sumBytes(slot));
            final long queryCost = delta(lastTotals, base + 2, recorder.sumQueryCost(slot));
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                bucketDeltas[b] = delta(lastTotals, base + 3 + b, recorder.sumBucketPoints(slot, b));
            }
            history.writeRow(slot, points, bytes, queryCost, bucketDeltas);
        }
        history.completeTick();
    }

    private static long delta(final long[] lastTotals, final int index, final long total) {
        final long delta = total - lastTotals[index];
        lastTotals[index] = total;
        return delta;
    }
}
