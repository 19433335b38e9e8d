package io.presplit.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One block of native memory owned by one component, from {@link NativeMemory#allocate}.
 * <p>
 * {@link #segment()} is an unscoped view (the global scope): accesses through it skip the liveness check that a
 * shared arena's segment pays on every access, and keep the bounds check. The price is the usual one of manual
 * memory: after {@link #close()} no thread may touch the view; owners document that their users stop first.
 */
public final class NativeRegion implements AutoCloseable {
    private final String owner;
    private final MemorySegment segment;
    private final long lengthBytes;
    private final boolean isHugePageAdvised;
    private final Arena arena;
    private final long mappedAddress;
    private final long mappedLengthBytes;
    private boolean isClosed;

    NativeRegion(
        final String owner, final MemorySegment segment, final boolean isHugePageAdvised, final Arena arena,
        final long mappedAddress, final long mappedLengthBytes) {
        this.owner = owner;
        this.segment = segment;
        this.lengthBytes = segment.byteSize();
        this.isHugePageAdvised = isHugePageAdvised;
        this.arena = arena;
        this.mappedAddress = mappedAddress;
        this.mappedLengthBytes = mappedLengthBytes;
    }

    /** The memory, zero-filled at allocation; unscoped: valid until {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    /** The owner tag given at allocation. */
    public String owner() {
        return owner;
    }

    /** Length in bytes. */
    public long lengthBytes() {
        return lengthBytes;
    }

    /** Whether the kernel was asked to back this region with transparent huge pages (and accepted the advice). */
    public boolean isHugePageAdvised() {
        return isHugePageAdvised;
    }

    /** Frees the memory. Safe to call twice. No thread may use {@link #segment()} afterwards. */
    @Override
    public synchronized void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        if (arena != null) {
            arena.close();
        } else {
            NativeMemory.unmap(mappedAddress, mappedLengthBytes);
        }
        NativeMemory.released(owner, lengthBytes);
    }
}
