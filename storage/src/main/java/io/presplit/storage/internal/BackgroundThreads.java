package io.presplit.storage.internal;

import java.util.concurrent.locks.LockSupport;

/** The store's background threads (group commit, segment preallocation): how they are stopped. Cold path. */
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
