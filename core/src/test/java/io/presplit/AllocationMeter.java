package io.presplit;

import java.lang.management.ManagementFactory;

/** Measures heap bytes allocated by the calling thread, to prove hot paths allocation-free. */
public final class AllocationMeter {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static final int MIN_ROUNDS = 60;
    /** On a loaded machine the JIT may need many seconds to compile the path; a failing path waits this long. */
    private static final long MAX_NANOS = 30_000_000_000L;

    private AllocationMeter() {
    }

    /**
     * Bytes the current thread allocated while running {@code action} {@code times} times in steady state: the
     * fewest over at least {@value #MIN_ROUNDS} rounds (and up to 30 s) after two warm-up rounds, stopping at the
     * first round that allocates nothing. One-off costs (class loading, the JIT swapping in compiled code, which
     * the Vector API needs to stop boxing, and which a loaded machine delays) are not blamed on the path under
     * test; a path that allocates on every call never reaches zero.
     */
    public static long allocatedBytes(final int times, final Runnable action) {
        final long threadId = Thread.currentThread().threadId();
        long fewest = Long.MAX_VALUE;
        final long start = System.nanoTime();
        for (int round = 0; round < MIN_ROUNDS || System.nanoTime() - start < MAX_NANOS; round++) {
            final long before = THREADS.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < times; i++) {
                action.run();
            }
            final long allocated = THREADS.getThreadAllocatedBytes(threadId) - before;
            if (round >= 2) {
                fewest = Math.min(fewest, allocated);
                if (fewest == 0) {
                    break;
                }
            }
        }
        return fewest;
    }
}
