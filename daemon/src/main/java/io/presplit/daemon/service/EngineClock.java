package io.presplit.daemon.service;

import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * The engine's clock in the daemon: nanoseconds since the epoch as the wall clock read at start, advanced since by
 * the monotonic clock.
 * <p>
 * Why not the wall clock itself: the engine's tick deadlines and cooldowns are instants of its clock, so a step of
 * the wall clock (NTP correcting a clock at boot, a VM resumed from a suspend or migrated) moved all of them at once.
 * Forward, the profiler caught up with a burst of empty ticks, whose zero load let merges through and entered the
 * history as rows of nothing; back, no tick came due until the wall clock had caught up again, and no split either.
 * The monotonic clock is never stepped. The time a machine spends suspended does not count on it, as the time the
 * process is down does not count in the history. Points' timestamps and alert times stay on the wall clock
 * ({@link ControlLoop#epochNanos()}). Any thread.
 */
public final class EngineClock {
    /** The daemon's engine clock, anchored when this class loads. */
    static final EngineClock DAEMON = new EngineClock(ControlLoop::epochNanos, System::nanoTime);

    private final LongSupplier monotonicNs;
    private final long anchorEpochNs;
    private final long anchorMonotonicNs;

    /**
     * A clock anchored now.
     *
     * @param epochNs     the wall clock, read once.
     * @param monotonicNs the clock that is never stepped.
     */
    EngineClock(final LongSupplier epochNs, final LongSupplier monotonicNs) {
        this.monotonicNs = monotonicNs;
        this.anchorMonotonicNs = monotonicNs.getAsLong();
        this.anchorEpochNs = epochNs.getAsLong();
    }

    /** Now on the engine's clock: the anchor's epoch time plus the monotonic time since. */
    public long nanos() {
        return anchorEpochNs + (monotonicNs.getAsLong() - anchorMonotonicNs);
    }

    @Override
    public String toString() {
        return "EngineClock[anchor=" + Instant.ofEpochSecond(0, anchorEpochNs) + "]";
    }
}
