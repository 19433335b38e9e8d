package io.presplit.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Says where a long write went, from the writing thread's scheduler statistics ({@code /proc/thread-self/schedstat}
 * on Linux, its second field: time runnable but waiting for a CPU): a stall is split into <em>waiting for a
 * CPU</em> (the machine's scheduling, not the store) and the rest: on the CPU, or off it and not runnable (blocked
 * in the kernel or on a lock: file-system work or the store's locks).
 * <p>
 * Reading the file costs a few microseconds, so a run that attributes stalls
 * ({@code -Dpresplit.bench.attributeStalls=true}) writes slower than one that does not; its maxima are still the
 * writes' own. Single thread (the writer); not thread-safe.
 */
final class StallAttribution {
    /** A write longer than this is a stall. */
    static final long STALL_NS = 1_000_000;
    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");

    private final ByteBuffer buffer = ByteBuffer.allocate(128);
    private FileChannel channel;
    private long waitNs;
    private long stalls;
    private long stallNs;
    private long waitingForCpuNs;
    private long stallsWithRoll;
    /** The largest part of one stall not spent waiting for a CPU: the worst the store (or the kernel) did. */
    private long maxNotWaitingNs;
    private long stallsWithCommit;

    /** Whether the run asked for attribution and the platform can give it. */
    static boolean isEnabled() {
        return Boolean.getBoolean("presplit.bench.attributeStalls") && Files.isReadable(SCHEDSTAT);
    }

    /** Reads the counters before a write. */
    void before() {
        read();
    }

    /** Reads them after a write of {@code tookNs}; attributes it when it is a stall. */
    void after(final long tookNs, final boolean isRolled, final boolean isCommitted) {
        if (tookNs < STALL_NS) {
            return;
        }
        final long waitBefore = waitNs;
        read();
        stalls++;
        stallNs += tookNs;
        final long waitingNs = Math.min(tookNs, waitNs - waitBefore);
        waitingForCpuNs += waitingNs;
        maxNotWaitingNs = Math.max(maxNotWaitingNs, tookNs - waitingNs);
        stallsWithRoll += isRolled ? 1 : 0;
        stallsWithCommit += isCommitted ? 1 : 0;
    }

    /** One line: the stalls and how much of their time was spent waiting for a CPU. */
    String summary() {
        return String.format("stalls>1ms=%d stallTime=%dus waitingForCpu=%dus (%.0f%%) offCpuOrRunning=%dus "
                + "maxNotWaitingForCpu=%dus stallsDuringRoll=%d stallsDuringCommit=%d", stalls, stallNs / 1000,
            waitingForCpuNs / 1000, stallNs == 0 ? 0.0 : 100.0 * waitingForCpuNs / stallNs,
            (stallNs - waitingForCpuNs) / 1000, maxNotWaitingNs / 1000, stallsWithRoll, stallsWithCommit);
    }

    /** Adds another run's counts (the trial total). */
    void add(final StallAttribution other) {
        stalls += other.stalls;
        stallNs += other.stallNs;
        waitingForCpuNs += other.waitingForCpuNs;
        stallsWithRoll += other.stallsWithRoll;
        stallsWithCommit += other.stallsWithCommit;
        maxNotWaitingNs = Math.max(maxNotWaitingNs, other.maxNotWaitingNs);
    }

    private void read() {
        try {
            if (channel == null) {
                channel = FileChannel.open(SCHEDSTAT);
            }
            buffer.clear();
            channel.read(buffer, 0);
            // The second decimal field, parsed in place: an allocation per write would add GC pauses to the run.
            final byte[] bytes = buffer.array();
            int i = 0;
            while (bytes[i] != ' ') {
                i++;
            }
            long value = 0;
            for (i++; bytes[i] >= '0' && bytes[i] <= '9'; i++) {
                value = value * 10 + bytes[i] - '0';
            }
            waitNs = value;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
