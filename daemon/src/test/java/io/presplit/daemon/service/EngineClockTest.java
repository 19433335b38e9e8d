package io.presplit.daemon.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** The engine's clock starts at the wall clock's time and then follows only the clock that is never stepped. */
class EngineClockTest {
    private static final long START_NS = 1_700_000_000_000_000_000L;

    @Test
    void shouldFollowTheMonotonicClockWhenTheWallClockSteps() {
        final AtomicLong wall = new AtomicLong(START_NS);
        final AtomicLong monotonic = new AtomicLong(42);
        final EngineClock clock = new EngineClock(wall::get, monotonic::get);
        assertThat(clock.nanos()).isEqualTo(START_NS);

        monotonic.addAndGet(TimeUnit.SECONDS.toNanos(30));
        wall.addAndGet(TimeUnit.HOURS.toNanos(1)); // NTP steps the wall clock forward, or a VM resumes
        assertThat(clock.nanos()).isEqualTo(START_NS + TimeUnit.SECONDS.toNanos(30));

        monotonic.addAndGet(TimeUnit.SECONDS.toNanos(10));
        wall.addAndGet(-TimeUnit.HOURS.toNanos(2)); // and back past where it started
        assertThat(clock.nanos()).isEqualTo(START_NS + TimeUnit.SECONDS.toNanos(40));
    }

    @Test
    void shouldStartTheDaemonsClockAtTheWallClocksTime() {
        final long before = ControlLoop.epochNanos();
        final long now = new EngineClock(ControlLoop::epochNanos, System::nanoTime).nanos();
        assertThat(now).isBetween(before, ControlLoop.epochNanos());
    }
}
