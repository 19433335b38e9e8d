package io.presplit.profile;

/** What the profiler does when the load sample ring is full. Either way the event is counted, never silent. */
public enum SampleBackPressure {
    /** Drop the refused sample, count it ({@link ProfilerAgent#droppedSampleCount()}) and go on. */
    DROP,
    /**
     * Stop publishing for this duty cycle and retry the same sample in the next one (counted:
     * {@link ProfilerAgent#backPressuredCount()}). Ticks keep being folded on time; samples older than the history's
     * retention can no longer be read and are then dropped and counted.
     */
    RETRY
}
