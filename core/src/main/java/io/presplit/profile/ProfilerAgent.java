package io.presplit.profile;

import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.BYTES_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.QUERY_COST_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.SLOT_SHIFT;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.util.function.IntSupplier;

/**
 * Closes each profiler tick: folds the recorder's stripes into one row per partition slot of the load history.
 * <p>
 * The recorder's counters only grow; the agent keeps the totals it saw at the previous tick and writes the
 * differences, so every recorded point lands in exactly one tick, whatever the writers do meanwhile. Only the
 * stripes claimed so far are read. Bucket counters are 32-bit and wrap; their differences are exact while a slot
 * takes fewer than 2<sup>31</sup> points in a tick, and ticks that break this are counted
 * ({@link #bucketOverflowCount()}), never silent.
 * <p>
 * Duty cycle: reads the clock once; when the tick deadline has passed, folds slots {@code [0, slotBound)} and
 * publishes the tick. Allocation-free after construction. Role name {@code presplit-profiler}.
 */
public final class ProfilerAgent implements Agent {
    private static final long BUCKET_EXACT_LIMIT = 1L << 31;
    private static final long UINT_MASK = 0xFFFF_FFFFL;
    private static final int TOTALS_PER_SLOT = 3;

    private final LoadRecorder recorder;
    private final LoadHistory history;
    private final NanoClock clock;
    private final IntSupplier slotBound;
    private final long tickNs;
    /** Totals seen at the previous tick, per slot: points, bytes, query cost. Agent thread. */
    private final long[] lastTotals;
    /** Bucket totals (mod 2^32) seen at the previous tick, per slot and bucket. Agent thread. */
    private final int[] lastBucketTotals;
    private final int[] bucketSums = new int[KeySpace.BUCKET_COUNT];
    private final long[] bucketDeltas = new long[KeySpace.BUCKET_COUNT];
    private long deadlineNs;
    private volatile long bucketOverflowCount;

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
        this.lastTotals = new long[recorder.slotCapacity() * TOTALS_PER_SLOT];
        this.lastBucketTotals = new int[recorder.slotCapacity() * KeySpace.BUCKET_COUNT];
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

    /**
     * Ticks in which a slot took 2<sup>31</sup> points or more, so its 32-bit bucket differences may have lost
     * whole multiples of 2<sup>32</sup> (points and bytes stay exact). Any thread may read; the agent writes.
     */
    public long bucketOverflowCount() {
        return bucketOverflowCount;
    }

    /**
     * Folds slots {@code [0, slotCount)} into one history row each and publishes the tick. Agent thread.
     * Allocation-free; reads each claimed stripe's records in address order.
     */
    public void fold(final int slotCount) {
        final CounterStripes counters = recorder.counters();
        final int stripes = recorder.claimedStripes();
        final long[] lastTotals = this.lastTotals;
        final int[] lastBucketTotals = this.lastBucketTotals;
        final int[] bucketSums = this.bucketSums;
        final long[] bucketDeltas = this.bucketDeltas;
        final LoadHistory history = this.history;
        long overflows = 0;
        for (int slot = 0; slot < slotCount; slot++) {
            long points = 0;
            long bytes = 0;
            long queryCost = 0;
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                bucketSums[b] = 0;
            }
            for (int stripe = 0; stripe < stripes; stripe++) {
                final int base = slot << SLOT_SHIFT;
                points += counters.getLongOpaque(stripe, base + POINTS_OFFSET);
                bytes += counters.getLongOpaque(stripe, base + BYTES_OFFSET);
                queryCost += counters.getLongOpaque(stripe, base + QUERY_COST_OFFSET);
                final int bucketBase = base + BUCKET_POINTS_OFFSET;
                for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                    bucketSums[b] += counters.getIntOpaque(stripe, bucketBase + (b << 2));
                }
            }
            final int base = slot * TOTALS_PER_SLOT;
            final long pointsDelta = points - lastTotals[base];
            final long bytesDelta = bytes - lastTotals[base + 1];
            final long queryDelta = queryCost - lastTotals[base + 2];
            lastTotals[base] = points;
            lastTotals[base + 1] = bytes;
            lastTotals[base + 2] = queryCost;
            if (pointsDelta >= BUCKET_EXACT_LIMIT) {
                overflows++;
            }
            final int bucketBase = slot * KeySpace.BUCKET_COUNT;
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                bucketDeltas[b] = (bucketSums[b] - lastBucketTotals[bucketBase + b]) & UINT_MASK;
                lastBucketTotals[bucketBase + b] = bucketSums[b];
            }
            history.writeRow(slot, pointsDelta, bytesDelta, queryDelta, bucketDeltas);
        }
        if (overflows != 0) {
            bucketOverflowCount += overflows;
        }
        history.completeTick();
    }
}
