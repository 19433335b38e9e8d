package io.presplit.storage;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A bytes-per-second budget for compaction's copying: a token bucket that lets a burst of
 * {@link #BURST_NS} worth of bytes through, then parks the copying thread until the budget has caught up.
 * <p>
 * One thread (the one copying) calls {@link #spend}; not thread-safe. Unlimited when the rate is 0.
 */
final class CompactionBudget {
    /** How far ahead of the budget the copier may run before it parks: 10 ms of budget. */
    static final long BURST_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final double NANOS_PER_SECOND = 1e9;

    private final long bytesPerSecond;
    private final BooleanSupplier isCancelled;
    /** When the bytes spent so far are paid for at the budget's rate. */
    private long paidUntilNs = Long.MIN_VALUE;

    /**
     * @param bytesPerSecond the budget; 0 for none.
     * @param isCancelled    polled while parked: true stops the wait (the copier then checks it too).
     */
    CompactionBudget(final long bytesPerSecond, final BooleanSupplier isCancelled) {
        this.bytesPerSecond = bytesPerSecond;
        this.isCancelled = isCancelled;
    }

    /** An unlimited budget. */
    static CompactionBudget unlimited() {
        return new CompactionBudget(0, () -> false);
    }

    /** Accounts {@code bytes} copied; parks until they fit in the budget (less the burst allowance). */
    void spend(final long bytes) {
        if (bytesPerSecond <= 0) {
            return;
        }
        final long nowNs = System.nanoTime();
        if (paidUntilNs == Long.MIN_VALUE || paidUntilNs - nowNs < 0) {
            paidUntilNs = nowNs;
        }
        paidUntilNs += (long) (bytes * NANOS_PER_SECOND / bytesPerSecond);
        long aheadNs = paidUntilNs - System.nanoTime() - BURST_NS;
        while (aheadNs > 0 && !isCancelled.getAsBoolean()) {
            LockSupport.parkNanos(aheadNs);
            aheadNs = paidUntilNs - System.nanoTime() - BURST_NS;
        }
    }

    /** The budget in bytes per second (0: unlimited). */
    long bytesPerSecond() {
        return bytesPerSecond;
    }
}
