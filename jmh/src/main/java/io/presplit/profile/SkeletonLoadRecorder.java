package io.presplit.profile;

import static io.presplit.profile.SkeletonLoadRecorderDescriptor.BUCKET_POINTS_OFFSET;
import static io.presplit.profile.SkeletonLoadRecorderDescriptor.BYTES_OFFSET;
import static io.presplit.profile.SkeletonLoadRecorderDescriptor.POINTS_OFFSET;
import static io.presplit.profile.SkeletonLoadRecorderDescriptor.QUERY_COST_OFFSET;
import static io.presplit.profile.SkeletonLoadRecorderDescriptor.STRIPE_ALIGNMENT;

import io.presplit.keyspace.KeySpace;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The walking skeleton's recorder (commit 8d2c6f2), kept verbatim as the baseline of
 * {@link LoadRecorderBenchmark}: a shared-arena segment, 160-byte slot records, 64-bit bucket counters.
 * <p>
 * Records ingest and query load per partition slot and key bucket, on the caller's thread, in a few nanoseconds.
 * <p>
 * Counters live off-heap in one stripe per writer (layout: {@link LoadRecorderDescriptor}). A writer thread
 * claims a stripe once with {@link #claimStripe()} and then is that stripe's only writer.
 * <p>
 * Assumptions the caller holds: a stripe index is used by one thread at a time; slots are below
 * {@link #slotCapacity()}; buckets are below {@link KeySpace#BUCKET_COUNT}.
 * <p>
 * Guarantees: {@code record*} take no lock and allocate nothing. Counters only grow, and each write is an opaque
 * store of a whole 64-bit value, so the profiler thread, reading with {@link #sumPoints} and friends, sees every
 * increment exactly once across successive reads (it works on differences), never a torn value.
 */
final class SkeletonLoadRecorder implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment counters;
    private final long stripeLength;
    private final int stripeCount;
    private final int slotCapacity;
    private final Arena arena;
    private final AtomicInteger claimedStripes = new AtomicInteger();

    /**
     * @param stripeCount  maximum number of writer threads.
     * @param slotCapacity number of partition slots.
     */
    SkeletonLoadRecorder(final int stripeCount, final int slotCapacity) {
        if (stripeCount < 1 || slotCapacity < 1) {
            throw new IllegalArgumentException(
                "recorder needs at least one stripe and one slot [stripeCount=" + stripeCount
                    + ", slotCapacity=" + slotCapacity + "]");
        }
        this.stripeCount = stripeCount;
        this.slotCapacity = slotCapacity;
        this.stripeLength = SkeletonLoadRecorderDescriptor.stripeLength(slotCapacity);
        this.arena = Arena.ofShared();
        this.counters = arena.allocate(stripeLength * stripeCount, STRIPE_ALIGNMENT);
    }

    /**
     * Claims a stripe for the calling writer thread. Cold path.
     *
     * @return the stripe index to pass to {@code record*}.
     * @throws IllegalStateException when every stripe is taken.
     */
    public int claimStripe() {
        final int stripe = claimedStripes.getAndIncrement();
        if (stripe >= stripeCount) {
            claimedStripes.decrementAndGet();
            throw new IllegalStateException("no free load recorder stripe [stripeCount=" + stripeCount + "]");
        }
        return stripe;
    }

    /**
     * Records ingested points. Caller: the stripe's owner thread. Allocation-free, lock-free.
     *
     * @param stripe the caller's stripe.
     * @param slot   the partition slot.
     * @param bucket the key bucket inside the partition's range.
     * @param points points written.
     * @param bytes  bytes written.
     */
    public void recordIngest(final int stripe, final int slot, final int bucket, final long points, final long bytes) {
        final MemorySegment counters = this.counters;
        final long base = SkeletonLoadRecorderDescriptor.slotOffset(stripeLength, stripe, slot);
        add(counters, base + POINTS_OFFSET, points);
        add(counters, base + BYTES_OFFSET, bytes);
        add(counters, base + BUCKET_POINTS_OFFSET + (long) bucket * Long.BYTES, points);
    }

    /**
     * Records the cost of a query: points it scanned in this partition. Caller: the stripe's owner thread.
     * Allocation-free, lock-free.
     */
    public void recordQuery(final int stripe, final int slot, final long pointsScanned) {
        final long base = SkeletonLoadRecorderDescriptor.slotOffset(stripeLength, stripe, slot);
        add(counters, base + QUERY_COST_OFFSET, pointsScanned);
    }

    /** Total points ever recorded for {@code slot}, over all stripes. Caller: the profiler thread. */
    public long sumPoints(final int slot) {
        return sum(slot, POINTS_OFFSET);
    }

    /** Total bytes ever recorded for {@code slot}, over all stripes. Caller: the profiler thread. */
    public long sumBytes(final int slot) {
        return sum(slot, BYTES_OFFSET);
    }

    /** Total query cost ever recorded for {@code slot}, over all stripes. Caller: the profiler thread. */
    public long sumQueryCost(final int slot) {
        return sum(slot, QUERY_COST_OFFSET);
    }

    /** Total points ever recorded for {@code slot} in {@code bucket}, over all stripes. */
    public long sumBucketPoints(final int slot, final int bucket) {
        return sum(slot, BUCKET_POINTS_OFFSET + bucket * Long.BYTES);
    }

    /** Number of partition slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** Number of stripes. */
    public int stripeCount() {
        return stripeCount;
    }

    /** Frees the counters. Safe to call twice; no thread may record afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private long sum(final int slot, final int fieldOffset) {
        long total = 0;
        for (int stripe = 0; stripe < stripeCount; stripe++) {
            final long offset = SkeletonLoadRecorderDescriptor.slotOffset(stripeLength, stripe, slot) + fieldOffset;
            total += (long) LONG.getOpaque(counters, offset);
        }
        return total;
    }

    private static void add(final MemorySegment counters, final long offset, final long delta) {
        // Single writer per stripe: a plain read of our own value, then an opaque store so the profiler never
        // sees a torn long. No fence is needed: the profiler works on differences and tolerates lag.
        final long current = (long) LONG.get(counters, offset);
        LONG.setOpaque(counters, offset, current + delta);
    }
}
