package io.presplit.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Single-writer counters in native memory, one stripe per writer thread, stripe {@code s} at
 * {@code s * stripeLengthBytes()} of one {@link NativeRegion} (huge pages when large).
 * <p>
 * Why an unscoped region: on the record path every access through a shared arena's segment re-checks that the
 * arena is alive, which measurably costs at a few nanoseconds a record; the region's global-scope view keeps only
 * the bounds and alignment checks. (An Agrona {@code UnsafeBuffer} per stripe was measured as well and was no
 * faster; see docs/BENCHMARKS.md.)
 * <p>
 * Assumptions: stripe {@code s} is written by one thread at a time; offsets are naturally aligned; nobody touches
 * the counters after {@link #close()}. Guarantees: {@code add*} are a plain read of the writer's own value and an
 * opaque store (never torn, no fence, no allocation); {@code get*Opaque} from any thread sees each counter's
 * stores in program order. The {@code *PlainAt} adds write plainly (measured 2-3 ns cheaper per record than three
 * opaque stores, whose compiler barriers keep the JIT from scheduling them) and rely on a following
 * {@link #setBitsReleaseAt} to publish them.
 */
public final class CounterStripes implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment memory;
    private final long stripeLengthBytes;
    private final int stripeCount;
    private final NativeRegion region;

    /**
     * @param owner             owner tag for leak accounting.
     * @param stripeCount       number of stripes, at least 1.
     * @param stripeLengthBytes bytes per stripe, a multiple of {@code alignmentBytes}.
     * @param alignmentBytes    alignment of each stripe, a power of two.
     */
    public CounterStripes(
        final String owner, final int stripeCount, final long stripeLengthBytes, final int alignmentBytes) {
        if (stripeCount < 1 || stripeLengthBytes < 1 || Integer.bitCount(alignmentBytes) != 1
            || stripeLengthBytes % alignmentBytes != 0) {
            throw new IllegalArgumentException("invalid counter stripes [owner=" + owner + ", stripeCount="
                + stripeCount + ", stripeLengthBytes=" + stripeLengthBytes + ", alignmentBytes=" + alignmentBytes
                + "]");
        }
        this.stripeCount = stripeCount;
        this.stripeLengthBytes = stripeLengthBytes;
        this.region = NativeMemory.allocate(owner, stripeLengthBytes * stripeCount, alignmentBytes);
        this.memory = region.segment();
    }

    /** Adds to a 64-bit counter of {@code stripe}: plain read, opaque write. Stripe owner only; allocation-free. */
    public void addLong(final int stripe, final long offset, final long delta) {
        final MemorySegment memory = this.memory;
        final long at = stripe * stripeLengthBytes + offset;
        LONG.setOpaque(memory, at, (long) LONG.get(memory, at) + delta);
    }

    /** Adds to a 32-bit wrapping counter of {@code stripe}: plain read, opaque write. Stripe owner only. */
    public void addInt(final int stripe, final long offset, final int delta) {
        final MemorySegment memory = this.memory;
        final long at = stripe * stripeLengthBytes + offset;
        INT.setOpaque(memory, at, (int) INT.get(memory, at) + delta);
    }

    /** Byte offset of {@code stripe} in the memory; add a field's offset in the stripe for the {@code *At} calls. */
    public long stripeBase(final int stripe) {
        return stripe * stripeLengthBytes;
    }

    /**
     * Adds to a 64-bit counter at byte offset {@code at} (from {@link #stripeBase}): plain read, plain write. Stripe
     * owner only; allocation-free. Other threads may read it only after acquiring a flag word the owner sets with
     * {@link #setBitsReleaseAt} after this write, or accept a value up to that many writes old. Never torn: an aligned
     * 64-bit store is one instruction on the 64-bit platforms the JVM runs on (HotSpot never splits it).
     */
    public void addLongPlainAt(final long at, final long delta) {
        final MemorySegment memory = this.memory;
        LONG.set(memory, at, (long) LONG.get(memory, at) + delta);
    }

    /** {@link #addLongPlainAt} for a 32-bit wrapping counter. */
    public void addIntPlainAt(final long at, final int delta) {
        final MemorySegment memory = this.memory;
        INT.set(memory, at, (int) INT.get(memory, at) + delta);
    }

    /**
     * Sets {@code bits} in a 64-bit flag word at byte offset {@code at} (from {@link #stripeBase}): plain read, then a
     * release store of the word with the bits or-ed in, so that every store the owner made before is visible to a
     * reader that takes the bits ({@link #takeBits}). Stripe owner only; allocation-free. A racing {@link #takeBits}
     * may see its cleared bits set again by this store (never lost ones: only the owner sets bits).
     */
    public void setBitsReleaseAt(final long at, final long bits) {
        final MemorySegment memory = this.memory;
        LONG.setRelease(memory, at, (long) LONG.get(memory, at) | bits);
    }

    /**
     * Clears the bits of {@code mask} in a 64-bit flag word of {@code stripe} and returns the ones that were set,
     * atomically (acquire: the owner's stores before it set them are visible after). Reader thread; a word with
     * none of the mask's bits set costs one plain read.
     */
    public long takeBits(final int stripe, final long offset, final long mask) {
        final MemorySegment memory = this.memory;
        final long at = stripe * stripeLengthBytes + offset;
        if (((long) LONG.getOpaque(memory, at) & mask) == 0) {
            return 0;
        }
        return mask == -1L ? (long) LONG.getAndSet(memory, at, 0L)
            : (long) LONG.getAndBitwiseAnd(memory, at, ~mask) & mask;
    }

    /**
     * Sets {@code bits} in a 64-bit flag word of {@code stripe} by an atomic or: a reader's way to set again bits it
     * took ({@link #takeBits}) while the owner may be setting others. Allocation-free.
     */
    public void orBits(final int stripe, final long offset, final long bits) {
        LONG.getAndBitwiseOr(memory, stripe * stripeLengthBytes + offset, bits);
    }

    /** Opaque store of a 64-bit value. The stripe's owner only (for a stripe a reader keeps for itself). */
    public void setLong(final int stripe, final long offset, final long value) {
        LONG.setOpaque(memory, stripe * stripeLengthBytes + offset, value);
    }

    /** Opaque read of a 64-bit counter. Any thread. */
    public long getLongOpaque(final int stripe, final long offset) {
        return (long) LONG.getOpaque(memory, stripe * stripeLengthBytes + offset);
    }

    /** Opaque read of a 32-bit counter. Any thread. */
    public int getIntOpaque(final int stripe, final long offset) {
        return (int) INT.getOpaque(memory, stripe * stripeLengthBytes + offset);
    }

    /**
     * The whole memory, for bulk (vector) reads by the reader thread. Unscoped: valid until {@link #close()}.
     * Plain reads of aligned {@code int}s and {@code long}s are never torn; the reader must not rely on them for
     * ordering.
     */
    public MemorySegment segment() {
        return memory;
    }

    /** Number of stripes. */
    public int stripeCount() {
        return stripeCount;
    }

    /** Bytes per stripe. */
    public long stripeLengthBytes() {
        return stripeLengthBytes;
    }

    /** Whether the kernel took the huge-page advice. */
    public boolean isHugePageAdvised() {
        return region.isHugePageAdvised();
    }

    /** Frees the memory. Safe to call twice; every writer and reader must have stopped. */
    @Override
    public void close() {
        region.close();
    }
}
