package io.presplit.profile;

import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.BYTES_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
import static io.presplit.profile.LoadRecorderDescriptor.POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.QUERY_COST_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.SLOT_SHIFT;
import static io.presplit.profile.LoadRecorderDescriptor.STRIPE_ALIGNMENT;
import static io.presplit.profile.LoadRecorderDescriptor.STRIPE_PADDING;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records ingest and query load per partition slot and key bucket, on the caller's thread, in a few nanoseconds.
 * <p>
 * Counters live off-heap in one stripe per writer (layout: {@link LoadRecorderDescriptor}; memory:
 * {@link CounterStripes}, huge pages when large, owner tag {@value #MEMORY_OWNER}). A writer thread claims a
 * stripe once with {@link #claimStripe()} and then is that stripe's only writer.
 * <p>
 * Assumptions the caller holds: a stripe index is used by one thread at a time; slots are below
 * {@link #slotCapacity()}; buckets are below {@link KeySpace#BUCKET_COUNT}; nobody records after {@link #close()}.
 * <p>
 * Guarantees: {@code record*} take no lock and allocate nothing. Counters only grow (bucket counters modulo
 * 2<sup>32</sup>), and each write is a plain store of a whole aligned value (never torn on a 64-bit JVM), so the
 * profiler thread, reading with {@link #sumPoints} and friends, sees every increment exactly once across successive
 * reads (it works on differences), never a torn value. After its counters, each record sets the slot's bit in the
 * stripe's dirty-slot bitmap with a release store, so the profiler can fold only the slots recorded since it last
 * took their bits ({@link #takeDirty}): a record whose bit the profiler took is visible to it; one whose bit it
 * missed leaves the bit set for the next tick.
 */
public final class LoadRecorder implements AutoCloseable {
    /** Owner tag of the recorder's native memory. */
    public static final String MEMORY_OWNER = "LoadRecorder";
    /** Largest slot capacity: slot record offsets are computed in {@code int}. */
    public static final int MAX_SLOT_CAPACITY = (Integer.MAX_VALUE - STRIPE_PADDING) >> SLOT_SHIFT;

    private final CounterStripes counters;
    private final int stripeCount;
    private final int slotCapacity;
    /** Offset, within a stripe, of its dirty-slot bitmap. */
    private final long dirtyOffset;
    private final AtomicInteger claimedStripes = new AtomicInteger();

    /**
     * @param stripeCount  maximum number of writer threads.
     * @param slotCapacity number of partition slots, at most {@link #MAX_SLOT_CAPACITY}.
     */
    public LoadRecorder(final int stripeCount, final int slotCapacity) {
        if (stripeCount < 1 || slotCapacity < 1 || slotCapacity > MAX_SLOT_CAPACITY) {
            throw new IllegalArgumentException(
                "recorder needs at least one stripe and one slot, at most MAX_SLOT_CAPACITY slots [stripeCount="
                    + stripeCount + ", slotCapacity=" + slotCapacity + ", maxSlotCapacity=" + MAX_SLOT_CAPACITY
                    + "]");
        }
        this.stripeCount = stripeCount;
        this.slotCapacity = slotCapacity;
        this.dirtyOffset = LoadRecorderDescriptor.dirtyOffset(slotCapacity);
        // One stripe more than writers: the profiler's, holding the totals it saw at its previous fold in the same
        // record layout, so that a slot's fold reads and writes one more 128-byte line pair on huge pages.
        this.counters = new CounterStripes(
            MEMORY_OWNER, stripeCount + 1, LoadRecorderDescriptor.stripeLength(slotCapacity), STRIPE_ALIGNMENT);
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
     * Records ingested points. Caller: the stripe's owner thread. Allocation-free, lock-free; touches one
     * 128-byte line pair and the slot's word of the dirty bitmap.
     *
     * @param stripe the caller's stripe.
     * @param slot   the partition slot.
     * @param bucket the key bucket inside the partition's range.
     * @param points points written.
     * @param bytes  bytes written.
     */
    public void recordIngest(final int stripe, final int slot, final int bucket, final long points, final long bytes) {
        final CounterStripes counters = this.counters;
        final long stripeBase = counters.stripeBase(stripe);
        final long base = stripeBase + ((long) slot << SLOT_SHIFT);
        counters.addLongPlainAt(base + POINTS_OFFSET, points);
        counters.addLongPlainAt(base + BYTES_OFFSET, bytes);
        // 32-bit wrapping bucket counter: the profiler takes differences modulo 2^32 (see the descriptor).
        counters.addIntPlainAt(base + BUCKET_POINTS_OFFSET + (bucket << 2), (int) points);
        // After the counters, a release store: the profiler that takes this bit sees them.
        counters.setBitsReleaseAt(stripeBase + dirtyOffset + ((long) (slot >>> DIRTY_WORD_SHIFT) << 3), 1L << slot);
    }

    /**
     * Records the cost of a query: points it scanned in this partition. Caller: the stripe's owner thread.
     * Allocation-free, lock-free.
     */
    public void recordQuery(final int stripe, final int slot, final long pointsScanned) {
        final CounterStripes counters = this.counters;
        final long stripeBase = counters.stripeBase(stripe);
        counters.addLongPlainAt(stripeBase + ((long) slot << SLOT_SHIFT) + QUERY_COST_OFFSET, pointsScanned);
        counters.setBitsReleaseAt(stripeBase + dirtyOffset + ((long) (slot >>> DIRTY_WORD_SHIFT) << 3), 1L << slot);
    }

    /**
     * Takes the dirty bits of slots {@code [64 word, 64 word + 64)} that {@code mask} selects from one stripe:
     * returns the bits that were set (bit i = slot 64 word + i recorded since its bit was last taken) and clears
     * them atomically; every record whose bit is returned is visible to the caller's following reads. Caller: the
     * profiler thread. Allocation-free; a clean word costs one read.
     */
    public long takeDirty(final int stripe, final int word, final long mask) {
        return counters.takeBits(stripe, dirtyOffset + ((long) word << 3), mask);
    }

    /** Number of 64-slot words in each stripe's dirty bitmap. */
    public int dirtyWords() {
        return LoadRecorderDescriptor.dirtyWords(slotCapacity);
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

    /**
     * Points recorded for {@code slot} in {@code bucket}, over all stripes, modulo 2<sup>32</sup> (the bucket
     * counters wrap; take differences with {@code (now - before) & 0xFFFF_FFFFL}). Caller: the profiler thread.
     */
    public int sumBucketPoints(final int slot, final int bucket) {
        int total = 0;
        final int offset = (slot << SLOT_SHIFT) + LoadRecorderDescriptor.bucketOffset(bucket);
        final int stripes = claimedStripes();
        for (int stripe = 0; stripe < stripes; stripe++) {
            total += counters.getIntOpaque(stripe, offset);
        }
        return total;
    }

    /** Number of partition slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /**
     * The profiler's stripe: the totals of each slot at the previous fold, in the slot record layout. Written and
     * read by the profiler thread only; never claimed by a writer.
     */
    int foldTotalsStripe() {
        return stripeCount;
    }

    /** Number of writer stripes. */
    public int stripeCount() {
        return stripeCount;
    }

    /**
     * Stripes claimed so far (stripes above it have never been written): the profiler folds only these.
     * Any thread.
     */
    public int claimedStripes() {
        return Math.min(claimedStripes.get(), stripeCount);
    }

    /** Whether the kernel took the huge-page advice for the counters. */
    public boolean isHugePageBacked() {
        return counters.isHugePageAdvised();
    }

    /**
     * Frees the counters. Safe to call twice. Callers must stop every writer and the profiler first: the memory
     * is unscoped, so a record after close touches freed memory.
     */
    @Override
    public void close() {
        counters.close();
    }

    CounterStripes counters() {
        return counters;
    }

    private long sum(final int slot, final int fieldOffset) {
        long total = 0;
        final int offset = (slot << SLOT_SHIFT) + fieldOffset;
        final int stripes = claimedStripes();
        for (int stripe = 0; stripe < stripes; stripe++) {
            total += counters.getLongOpaque(stripe, offset);
        }
        return total;
    }
}
