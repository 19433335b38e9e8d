package io.presplit.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Allocates owner-tagged native memory for the hot off-heap structures (recorder stripes, history columns).
 * <p>
 * On Linux, regions of at least {@link #HUGE_PAGE_BYTES} are mapped anonymously ({@code mmap}), aligned to a huge
 * page and advised {@code MADV_HUGEPAGE} before first touch, so that random access over hundreds of MiB (a million
 * partition slots) costs one TLB entry per 2 MiB instead of per 4 KiB. The advice is best effort: when the kernel
 * refuses it, the region stays on small pages and {@link #hugePageRefusals()} counts it. Every page is faulted in
 * at allocation, so no hot-path access pays a page fault. Elsewhere, and for small regions, memory comes from a shared
 * {@link Arena} (whose zero-fill touches every page too).
 * <p>
 * Every allocation is tagged by owner; {@link #liveBytes(String)} lets tests prove their owners free what they take.
 * Cold path: allocation and release only.
 */
@SuppressWarnings("restricted") // downcalls to libc and unscoped views are this class's purpose
public final class NativeMemory {
    /** Size of a transparent huge page on x86-64 and the common arm64 configuration. */
    public static final long HUGE_PAGE_BYTES = 2L * 1024 * 1024;
    /** Size of a base page on the platforms we run on; the pre-touch stride when huge pages are refused. */
    private static final long SMALL_PAGE_BYTES = 4096;

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;
    private static final long MAP_FAILED = -1L;
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final ConcurrentHashMap<String, AtomicLong> LIVE_BYTES = new ConcurrentHashMap<>();
    private static final AtomicLong HUGE_PAGE_REFUSALS = new AtomicLong();

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            final Linker linker = Linker.nativeLinker();
            final SymbolLookup libc = linker.defaultLookup();
            mmap = libc.find("mmap").map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG))).orElse(null);
            munmap = libc.find("munmap").map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG))).orElse(null);
            madvise = libc.find("madvise").map(symbol -> linker.downcallHandle(symbol, FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)))
                .orElse(null);
        }
        if (mmap == null || munmap == null || madvise == null) {
            mmap = null;
            munmap = null;
            madvise = null;
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private NativeMemory() {
    }

    /**
     * Allocates {@code lengthBytes} of zeroed native memory aligned to {@code alignmentBytes}.
     *
     * @param owner          tag for leak accounting, e.g. {@code "LoadRecorder"}.
     * @param lengthBytes    at least 1.
     * @param alignmentBytes a power of two, at most {@link #HUGE_PAGE_BYTES}.
     */
    public static NativeRegion allocate(final String owner, final long lengthBytes, final long alignmentBytes) {
        if (lengthBytes < 1 || alignmentBytes < 1 || Long.bitCount(alignmentBytes) != 1
            || alignmentBytes > HUGE_PAGE_BYTES) {
            throw new IllegalArgumentException("invalid native allocation [owner=" + owner + ", lengthBytes="
                + lengthBytes + ", alignmentBytes=" + alignmentBytes + "]");
        }
        final NativeRegion region = MMAP != null && lengthBytes >= HUGE_PAGE_BYTES
            ? mapHuge(owner, lengthBytes)
            : fromArena(owner, lengthBytes, alignmentBytes);
        LIVE_BYTES.computeIfAbsent(owner, key -> new AtomicLong()).addAndGet(lengthBytes);
        return region;
    }

    /** Bytes allocated for {@code owner} and not yet freed. */
    public static long liveBytes(final String owner) {
        final AtomicLong live = LIVE_BYTES.get(owner);
        return live == null ? 0 : live.get();
    }

    /** Times the kernel refused huge-page advice since start. */
    public static long hugePageRefusals() {
        return HUGE_PAGE_REFUSALS.get();
    }

    static void released(final String owner, final long lengthBytes) {
        LIVE_BYTES.get(owner).addAndGet(-lengthBytes);
    }

    static void unmap(final long address, final long lengthBytes) {
        final int result;
        try {
            result = (int) MUNMAP.invokeExact(address, lengthBytes);
        } catch (final Throwable ex) {
            throw new IllegalStateException("munmap failed [address=" + address + ", lengthBytes=" + lengthBytes
                + "]", ex);
        }
        if (result != 0) {
            throw new IllegalStateException("munmap failed [address=" + address + ", lengthBytes=" + lengthBytes
                + ", result=" + result + "]");
        }
    }

    private static NativeRegion fromArena(final String owner, final long lengthBytes, final long alignmentBytes) {
        final Arena arena = Arena.ofShared();
        final MemorySegment scoped = arena.allocate(lengthBytes, alignmentBytes);
        return new NativeRegion(owner, unscoped(scoped.address(), lengthBytes), false, arena, 0, 0);
    }

    private static NativeRegion mapHuge(final String owner, final long lengthBytes) {
        // Over-map by one huge page so that an aligned start exists inside the mapping; the kernel zero-fills.
        final long mappedLength = roundUp(lengthBytes, HUGE_PAGE_BYTES) + HUGE_PAGE_BYTES;
        final long mapped;
        try {
            mapped = (long) MMAP.invokeExact(0L, mappedLength, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS, -1, 0L);
        } catch (final Throwable ex) {
            throw new IllegalStateException("mmap failed [owner=" + owner + ", lengthBytes=" + lengthBytes + "]", ex);
        }
        if (mapped == MAP_FAILED || mapped == 0) {
            throw new IllegalStateException("mmap failed [owner=" + owner + ", lengthBytes=" + lengthBytes + "]");
        }
        final long start = roundUp(mapped, HUGE_PAGE_BYTES);
        final int advice;
        try {
            advice = (int) MADVISE.invokeExact(start, roundUp(lengthBytes, HUGE_PAGE_BYTES), MADV_HUGEPAGE);
        } catch (final Throwable ex) {
            unmap(mapped, mappedLength);
            throw new IllegalStateException("madvise failed [owner=" + owner + "]", ex);
        }
        if (advice != 0) {
            HUGE_PAGE_REFUSALS.incrementAndGet();
        }
        final MemorySegment segment = unscoped(start, lengthBytes);
        preTouch(segment, advice == 0 ? HUGE_PAGE_BYTES : SMALL_PAGE_BYTES);
        return new NativeRegion(owner, segment, advice == 0, null, mapped, mappedLength);
    }

    /**
     * Faults every page in now, as the arena's zero-fill does for small regions: otherwise the first record to each
     * 2 MiB of a recorder stripe pays a huge-page fault on the ingest path (about 2.5 ms each, seen by the write-stall
     * benchmark's writer). The memory is committed at allocation, which is what its owner sized it for.
     */
    private static void preTouch(final MemorySegment segment, final long pageBytes) {
        for (long offset = 0; offset < segment.byteSize(); offset += pageBytes) {
            segment.set(ValueLayout.JAVA_BYTE, offset, (byte) 0);
        }
    }

    private static MemorySegment unscoped(final long address, final long lengthBytes) {
        return MemorySegment.ofAddress(address).reinterpret(lengthBytes);
    }

    private static long roundUp(final long value, final long alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
