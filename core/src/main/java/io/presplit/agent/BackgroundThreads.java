package io.presplit.agent;

import java.util.concurrent.locks.LockSupport;

/**
 * How a background thread is stopped (the store's group commit, preallocation and compaction threads, the daemon's
 * control loop): wake it, wait for it, keep the caller's interrupt. Cold path.
 */
public final class BackgroundThreads {
    private BackgroundThreads() {
    }

    /**
     * Wakes {@code thread} (its loop must already see that it should stop) and waits until it has ended, even if
     * the caller is interrupted meanwhile; the interrupt is restored afterwards, never lost.
     */
    public static void stopAndJoin(final Thread thread) {
        LockSupport.unpark(thread);
        boolean isInterrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (final InterruptedException e) {
                isInterrupted = true;
            }
        }
        if (isInterrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
