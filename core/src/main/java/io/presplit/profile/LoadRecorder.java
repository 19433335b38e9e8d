package io.presplit.profile;

import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_FIELD_MASK;
import static io.presplit.profile.LoadRecorderDescriptor.BYTES_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
import static io.presplit.profile.LoadRecorderDescriptor.POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.QUERY_COST_SHIFT;
import static io.presplit.profile.LoadRecorderDescriptor.SLOT_SHIFT;
import static io.presplit.profile.LoadRecorderDescriptor.STRIPE_ALIGNMENT;
import static io.presplit.profile.LoadRecorderDescriptor.STRIPE_PADDING;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;
import io.presplit.memory.NativeMemory;
import io.presplit.memory.NativeRegion;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records ingest and query load per partition slot and key bucket, on the caller's thread, in a few nanoseconds.
 * <p>
 * Counters live off-heap in one stripe per writer (layout: {@link LoadRecorderDescriptor}; memory:
 * {@link CounterStripes}, huge pages when large, owner tag {@value #MEMORY_OWNER}). A writer thread claims a
 * stripe once with {@link #claimStripe()} and then is that stripe's only writer. An ingest record touches one
 * 64-byte line (the slot's points, bytes and 16 bucket counters) and stores the slot's one-byte ingest dirty flag;
 * a query record adds to the slot's query cost counter and stores its query dirty flag.
 * <p>
 * Assumptions the caller holds: a stripe index is used by one thread at a time; slots are below
 * {@link #slotCapacity()}; buckets are below {@link KeySpace#BUCKET_COUNT}; nobody records after {@link #close()}.
 * Unchecked on the hot path (an {@code assert} only): a slot or bucket out of range writes another counter.
 * <p>
 * Guarantees: {@code record*} take no lock and allocate nothing. Counters only grow (bucket words modulo
 * 2<sup>64</sup>), and each write is a plain store of a whole aligned 64-bit word (never torn on a 64-bit JVM), so
 * the profiler thread, reading with {@link #sumPoints} and friends, sees every increment exactly once across
 * successive reads (it works on differences), never a torn value. After its counters, each record sets the slot's
 * ingest or query dirty flag (a byte of the stripe) to 1 with a release store, so the profiler can fold only the
 * slots recorded since it last took their flags ({@link #takeIngestDirty}, {@link #takeQueryDirty}, an atomic
 * exchange of eight flags at a time): a record whose flag the profiler took is visible to it; one whose flag it
 * missed leaves the flag set for the next tick. The flag is a store, not a read-modify-write of a shared bitmap
 * word: records of neighbouring slots never wait on each other's store (measured: the bitmap word's
 * read-modify-write cost about 2 ns a record), and a take is never undone by a writer's stale word.
 * <p>
 * <b>Mixed-size flags, and why they are safe.</b> A flag byte is written with a 1-byte release store and taken with an
 * 8-byte atomic read-modify-write of the aligned word around it ({@code getAndSet}, or {@code getAndBitwiseAnd} when
 * only some of its eight slots are folded). The Java memory model does not define accesses of different sizes to
 * overlapping memory, so correctness rests on what HotSpot emits and on the hardware's memory model, for the two
 * platforms this runs on:
 * <ul>
 * <li>What is needed: (1) a flag stored while the profiler takes its word is either read as set by the
 * read-modify-write (and folded) or left set after it (folded next tick), never overwritten unread; (2) when the take
 * reads a flag as set, the counter stores before the flag's store are visible to the profiler's next loads.
 * <li>x86-64: the release store is a plain {@code MOV} byte store (TSO keeps it after the counters' stores; the release
 * mode keeps the compiler from moving it earlier and from merging it with neighbours); the take is a {@code
 * LOCK}-prefixed instruction ({@code XCHG}, or {@code LOCK CMPXCHG} in a loop) on an aligned word that never crosses a
 * cache line. Intel SDM vol. 3A, "Effects of a LOCK Operation on Internal Processor Caches": such an operation holds
 * the line exclusively from its read to its write (cache locking), so no store of another core, of any size, to any
 * byte of the line falls between them: (1). A locked instruction is a full fence, and TSO orders the writer's stores:
 * (2). The SDM's advice to access a semaphore with identical operand sizes ("Software Controlled Bus Locking") concerns
 * bus locking of split or uncached operands, which these aligned, cacheable words never are.
 * <li>AArch64: the flag store is {@code STLRB}; the take is {@code SWPAL} for {@code getAndSet} and a
 * compare-and-swap loop ({@code CASAL}) for {@code getAndBitwiseAnd} (the JDK implements it as one), or
 * {@code LDAXR}/{@code STLXR} loops without LSE. The Armv8 memory model is defined per byte and covers mixed sizes
 * (Arm ARM B2.3; Flur et al., "Mixed-size Concurrency: ARM, POWER, C/C++11, and SC", POPL 2017): an atomic
 * read-modify-write has no write of another observer to any of its bytes between its read and its write in coherence
 * order, a compare-and-swap fails when any byte of its word changed, and a store to the reservation granule between
 * {@code LDAXR} and {@code STLXR} makes the store-exclusive fail and the loop retry: (1).
 * Release then acquire: (2).
 * </ul>
 * The profiler also peeks at a line of 64 flags with one plain vector load before taking any, and takes only the
 * groups of eight in which it saw a flag (at a tenth of the slots loaded, about four groups in ten have none); a flag
 * the peek misses is taken at the next tick (the slot's load moves to that tick, none is lost). A JMM-clean
 * alternative costs more: byte-sized atomic updates are not offered for memory segments, so clean flags would be 4 or
 * 8 bytes each, taken by one atomic instruction per dirty slot and stripe instead of one per eight (with two stripes
 * and every slot loaded, about 2.1 million locked instructions a tick instead of 262 thousand), or set by the writer
 * with an atomic instruction on a shared word (measured: even a plain read-modify-write of a shared bitmap word cost
 * about 2 ns a record).
 */
public final class LoadRecorder implements AutoCloseable {
    /** Owner tag of the recorder's native memory. */
    public static final String MEMORY_OWNER = "LoadRecorder";
    /** Largest slot capacity: ingest record offsets within a stripe stay below 2<sup>31</sup> bytes. */
    public static final int MAX_SLOT_CAPACITY = (Integer.MAX_VALUE - STRIPE_PADDING) >> SLOT_SHIFT;
    /**
     * Plain access to the counters. The unaligned layout only drops the access's alignment check: every counter
     * offset is 8-byte aligned by the layout, so each access is still one aligned 64-bit load or store.
     */
    private static final VarHandle COUNTER = ValueLayout.JAVA_LONG_UNALIGNED.varHandle();
    /** Release store of a dirty flag. */
    private static final VarHandle FLAG = ValueLayout.JAVA_BYTE.varHandle();
    /** A dirty flag's value when set. */
    private static final byte DIRTY = 1;
    /** Bit 0 of each byte of a word: where {@link #DIRTY} flags sit in a word of eight. */
    private static final long FLAG_BITS = 0x0101_0101_0101_0101L;
    /** The line of dirty flags of 64 slots, for the profiler's look before it takes. */
    private static final VectorSpecies<Long> FLAG_LINE = LongVector.SPECIES_512;

    private final CounterStripes counters;
    /** The counters' memory, for the record path. Unscoped: valid until {@link #close()}. */
    private final MemorySegment memory;
    private final long stripeLength;
    private final int stripeCount;
    private final int slotCapacity;
    /** Offset, within a stripe, of the query cost counters. */
    private final long queryCostOffset;
    /** Offset, within a stripe, of the ingest dirty flags. */
    private final long ingestDirtyOffset;
    /** Offset, within a stripe, of the query dirty flags. */
    private final long queryDirtyOffset;
    private final AtomicInteger claimedStripes = new AtomicInteger();
    /**
     * The profiler's tick totals (layout: {@link LoadRecorderDescriptor}, "fold tick totals"): each slot's points and
     * bytes at its previous fold, used when bucket counts are folded less often than every tick. Written and read by
     * the profiler thread only.
     */
    private final NativeRegion foldTickTotals;

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
        this.queryCostOffset = LoadRecorderDescriptor.queryCostOffset(slotCapacity);
        this.ingestDirtyOffset = LoadRecorderDescriptor.ingestDirtyOffset(slotCapacity);
        this.queryDirtyOffset = LoadRecorderDescriptor.queryDirtyOffset(slotCapacity);
        this.stripeLength = LoadRecorderDescriptor.stripeLength(slotCapacity);
        // One stripe more than writers: the profiler's, holding the totals it saw at its previous fold in the same
        // layout, so that a slot's fold reads and writes one more 64-byte line on huge pages.
        this.counters = new CounterStripes(MEMORY_OWNER, stripeCount + 1, stripeLength, STRIPE_ALIGNMENT);
        this.memory = counters.segment();
        this.foldTickTotals = NativeMemory.allocate(MEMORY_OWNER,
            (long) slotCapacity * LoadRecorderDescriptor.TICK_TOTALS_LENGTH, STRIPE_ALIGNMENT);
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
     * Records ingested points. Caller: the stripe's owner thread. Allocation-free, lock-free; touches the slot's
     * 64-byte ingest record and stores its ingest dirty flag.
     *
     * @param stripe the caller's stripe.
     * @param slot   the partition slot.
     * @param bucket the key bucket inside the partition's range.
     * @param points points written.
     * @param bytes  bytes written.
     */
    public void recordIngest(final int stripe, final int slot, final int bucket, final long points, final long bytes) {
        assert slot >= 0 && slot < slotCapacity && bucket >= 0 && bucket < KeySpace.BUCKET_COUNT
            : "slot or bucket out of range";
        final MemorySegment memory = this.memory;
        final long stripeBase = stripe * stripeLength;
        final long base = stripeBase + ((long) slot << SLOT_SHIFT);
        COUNTER.set(memory, base + POINTS_OFFSET, (long) COUNTER.get(memory, base + POINTS_OFFSET) + points);
        COUNTER.set(memory, base + BYTES_OFFSET, (long) COUNTER.get(memory, base + BYTES_OFFSET) + bytes);
        // A plain 64-bit add at the bucket's field: carries out of the field are harmless, because the profiler
        // decodes differences of whole words (see the descriptor), so no masks are needed here.
        final long at = base + LoadRecorderDescriptor.bucketWordOffset(bucket);
        final int shift = LoadRecorderDescriptor.bucketShift(bucket);
        COUNTER.set(memory, at, (long) COUNTER.get(memory, at) + (points << shift));
        // After the counters, a release store: the profiler that takes this flag sees them.
        FLAG.setRelease(memory, stripeBase + ingestDirtyOffset + slot, DIRTY);
    }

    /**
     * Records the cost of a query: points it scanned in this partition. Caller: the stripe's owner thread.
     * Allocation-free, lock-free; touches the slot's query cost counter and stores its query dirty flag.
     */
    public void recordQuery(final int stripe, final int slot, final long pointsScanned) {
        assert slot >= 0 && slot < slotCapacity : "slot out of range";
        final MemorySegment memory = this.memory;
        final long stripeBase = stripe * stripeLength;
        final long at = stripeBase + queryCostOffset + ((long) slot << QUERY_COST_SHIFT);
        COUNTER.set(memory, at, (long) COUNTER.get(memory, at) + pointsScanned);
        FLAG.setRelease(memory, stripeBase + queryDirtyOffset + slot, DIRTY);
    }

    /**
     * Takes the ingest dirty flags of slots {@code [64 word, 64 word + 64)} that {@code mask} selects from one
     * stripe: returns them as bits (bit i = slot 64 word + i took an ingest record since its flag was last taken)
     * and clears them atomically; every record whose flag is returned is visible to the caller's following reads.
     * Caller: the profiler thread. Allocation-free; a clean line of flags costs one vector read.
     */
    public long takeIngestDirty(final int stripe, final int word, final long mask) {
        return takeFlags(stripe, ingestDirtyOffset + ((long) word << DIRTY_WORD_SHIFT), mask);
    }

    /** {@link #takeIngestDirty} for the query dirty flags. */
    public long takeQueryDirty(final int stripe, final int word, final long mask) {
        return takeFlags(stripe, queryDirtyOffset + ((long) word << DIRTY_WORD_SHIFT), mask);
    }

    /**
     * Sets again the ingest and query dirty flags of slots {@code [64 word, 64 word + 64)} given as bits, in stripe
     * 0, by an atomic or of each group of eight that has any (the same word-sized atomic access as a take, so the
     * reasoning in the class comment holds). A stripe's owner sets flags too, always to 1, so none is lost. Caller:
     * the profiler thread, for slots whose counts it folded only in part. Allocation-free.
     */
    public void restoreDirty(final int word, final long ingest, final long query) {
        restoreFlags(ingestDirtyOffset + ((long) word << DIRTY_WORD_SHIFT), ingest);
        restoreFlags(queryDirtyOffset + ((long) word << DIRTY_WORD_SHIFT), query);
    }

    /** Number of groups of 64 slots in each stripe's dirty flags. */
    public int dirtyWords() {
        return LoadRecorderDescriptor.dirtyWords(slotCapacity);
    }

    /** Total points ever recorded for {@code slot}, over all stripes. Caller: the profiler thread. */
    public long sumPoints(final int slot) {
        return sum(((long) slot << SLOT_SHIFT) + POINTS_OFFSET);
    }

    /** Total bytes ever recorded for {@code slot}, over all stripes. Caller: the profiler thread. */
    public long sumBytes(final int slot) {
        return sum(((long) slot << SLOT_SHIFT) + BYTES_OFFSET);
    }

    /** Total query cost ever recorded for {@code slot}, over all stripes. Caller: the profiler thread. */
    public long sumQueryCost(final int slot) {
        return sum(queryCostOffset + ((long) slot << QUERY_COST_SHIFT));
    }

    /**
     * The field of {@code bucket} in {@code slot}'s bucket word summed over all stripes: its points modulo
     * 2<sup>21</sup> while the buckets below it in the same word have taken fewer than 2<sup>21</sup> points in all
     * (beyond, their carries land in this field too; the fold never reads single fields of totals, only of
     * differences of whole words, which are exact). Caller: the profiler thread; a diagnostic.
     */
    public int sumBucketPoints(final int slot, final int bucket) {
        final long word = sum(((long) slot << SLOT_SHIFT) + LoadRecorderDescriptor.bucketWordOffset(bucket));
        return (int) ((word >>> LoadRecorderDescriptor.bucketShift(bucket)) & BUCKET_FIELD_MASK);
    }

    /** Number of partition slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /**
     * The profiler's stripe: the totals of each slot at the previous fold, in the stripe layout. Written and
     * read by the profiler thread only; never claimed by a writer.
     */
    int foldTotalsStripe() {
        return stripeCount;
    }

    /**
     * The profiler's tick totals: per slot, points then bytes (int64 each) at its previous fold, for a profiler that
     * folds bucket counts less often than every tick (its totals stripe then holds each slot's totals at its previous
     * bucket fold). Written and read by the profiler thread only; zero at start.
     */
    MemorySegment foldTickTotals() {
        return foldTickTotals.segment();
    }

    /** Offset, within a stripe, of the query cost counters. */
    long queryCostOffset() {
        return queryCostOffset;
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
        foldTickTotals.close();
    }

    CounterStripes counters() {
        return counters;
    }

    /**
     * Takes the set flags among the 64 at {@code offset} (one line) that {@code mask} selects, eight per atomic
     * exchange; a plain vector read first skips a clean line, and the groups of eight it saw clear (a flag it misses
     * stays set for the next take).
     */
    private long takeFlags(final int stripe, final long offset, final long mask) {
        final long line = stripe * stripeLength + offset;
        // Bit g: the peek saw a flag set among group g's eight; a group it saw clear is not taken (no locked
        // instruction), and a flag stored since stays set for the next take.
        final long flaggedGroups = LongVector.fromMemorySegment(FLAG_LINE, memory, line, ByteOrder.nativeOrder())
            .compare(VectorOperators.NE, 0L).toLong();
        if (flaggedGroups == 0) {
            return 0;
        }
        long taken = 0;
        for (int group = 0; group < Long.BYTES; group++) {
            final int shift = group * Long.BYTES;
            final long selected = (mask >>> shift) & 0xFF;
            if (selected == 0 || (flaggedGroups >>> group & 1) == 0) {
                continue;
            }
            // One 0xFF byte per selected flag: expand puts bit i of the group at byte i's bit 0.
            final long flagMask = selected == 0xFF ? -1L : Long.expand(selected, FLAG_BITS) * 0xFF;
            final long flags = counters.takeBits(stripe, offset + shift, flagMask);
            taken |= Long.compress(flags, FLAG_BITS) << shift;
        }
        return taken;
    }

    private void restoreFlags(final long offset, final long bits) {
        for (int group = 0; group < Long.BYTES && bits >>> (group * Long.BYTES) != 0; group++) {
            final long selected = (bits >>> (group * Long.BYTES)) & 0xFF;
            if (selected != 0) {
                counters.orBits(0, offset + group * Long.BYTES, Long.expand(selected, FLAG_BITS));
            }
        }
    }

    private long sum(final long offset) {
        long total = 0;
        final int stripes = claimedStripes();
        for (int stripe = 0; stripe < stripes; stripe++) {
            total += counters.getLongOpaque(stripe, offset);
        }
        return total;
    }
}
