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
 * in the kernel or on a lock: file-system work or the store's locks). It also counts the page faults the writer
 * took during each stall ({@code /proc/thread-self/stat}, minor plus major): a fault on a page of a mapped segment
 * that was not populated ahead can wait for the file system's journal.
 * <p>
 * Reading the file costs a few microseconds, so a run that attributes stalls
 * ({@code -Dpresplit.bench.attributeStalls=true}) writes slower than one that does not; its maxima are still the
 * writes' own. Single thread (the writer); not thread-safe.
 */
final class StallAttribution {
    /** A write longer than this is a stall. */
    static final long STALL_NS = 1_000_000;
    private static final Path SCHEDSTAT = Path.of("/proc/thread-self/schedstat");
    private static final Path STAT = Path.of("/proc/thread-self/stat");
    /** Fields after the command's closing parenthesis in {@code stat}: minflt is the 8th, majflt the 10th. */
    private static final int MINFLT_AFTER_COMM = 7;
    private static final int MAJFLT_AFTER_COMM = 9;

    private final ByteBuffer buffer = ByteBuffer.allocate(128);
    private final ByteBuffer statBuffer = ByteBuffer.allocate(1024);
    private FileChannel channel;
    private FileChannel statChannel;
    private long waitNs;
    private long faults;
    private long stallsWithFault;
    /** Page faults the writer took during the stall of {@link #maxNotWaitingNs}. */
    private long maxNotWaitingFaults;
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
        final long faultsBefore = faults;
        read();
        stalls++;
        stallNs += tookNs;
        final long waitingNs = Math.min(tookNs, waitNs - waitBefore);
        waitingForCpuNs += waitingNs;
        final long faulted = faults - faultsBefore;
        stallsWithFault += faulted > 0 ? 1 : 0;
        if (tookNs - waitingNs > maxNotWaitingNs) {
            maxNotWaitingNs = tookNs - waitingNs;
            maxNotWaitingFaults = faulted;
        }
        stallsWithRoll += isRolled ? 1 : 0;
        stallsWithCommit += isCommitted ? 1 : 0;
    }

    /** One line: the stalls and how much of their time was spent waiting for a CPU. */
    String summary() {
        return String.format("stalls>1ms=%d stallTime=%dus waitingForCpu=%dus (%.0f%%) offCpuOrRunning=%dus "
                + "maxNotWaitingForCpu=%dus (pageFaults=%d) stallsDuringRoll=%d stallsDuringCommit=%d "
                + "stallsWithPageFault=%d", stalls, stallNs / 1000,
            waitingForCpuNs / 1000, stallNs == 0 ? 0.0 : 100.0 * waitingForCpuNs / stallNs,
            (stallNs - waitingForCpuNs) / 1000, maxNotWaitingNs / 1000, maxNotWaitingFaults, stallsWithRoll,
            stallsWithCommit, stallsWithFault);
    }

    /** Adds another run's counts (the trial total). */
    void add(final StallAttribution other) {
        stalls += other.stalls;
        stallNs += other.stallNs;
        waitingForCpuNs += other.waitingForCpuNs;
        stallsWithRoll += other.stallsWithRoll;
        stallsWithCommit += other.stallsWithCommit;
        stallsWithFault += other.stallsWithFault;
        if (other.maxNotWaitingNs > maxNotWaitingNs) {
            maxNotWaitingNs = other.maxNotWaitingNs;
            maxNotWaitingFaults = other.maxNotWaitingFaults;
        }
    }

    /** Minor plus major page faults of the thread so far, from {@code stat}, parsed in place. */
    private long readFaults() throws IOException {
        if (statChannel == null) {
            statChannel = FileChannel.open(STAT);
        }
        statBuffer.clear();
        statChannel.read(statBuffer, 0);
        final byte[] bytes = statBuffer.array();
        int i = statBuffer.position() - 1;
        // The command may hold spaces and parentheses: the fields start after the last ')'.
        while (bytes[i] != ')') {
            i--;
        }
        i += 2;
        long total = 0;
        for (int field = 0; field <= MAJFLT_AFTER_COMM; field++) {
            long value = 0;
            for (; bytes[i] != ' '; i++) {
                value = value * 10 + bytes[i] - '0';
            }
            i++;
            if (field == MINFLT_AFTER_COMM || field == MAJFLT_AFTER_COMM) {
                total += value;
            }
        }
        return total;
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
            faults = readFaults();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
