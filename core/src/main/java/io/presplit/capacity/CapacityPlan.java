package io.presplit.capacity;

/**
 * What one partition can take in one tick, per resource: the unit in which forecasts are judged.
 * <p>
 * In this version capacity comes from configuration: the ingest points per second that one partition sustains
 * within the ingest-latency SLO (a figure that {@code presplit calibrate} will measure on the real store), scaled
 * to the tick length. Utilization is load divided by capacity; a partition is saturated in a tick when its actual
 * utilization exceeds 1.0.
 *
 * @param ingestPointsPerTick ingest points one partition sustains in one tick.
 */
public record CapacityPlan(double ingestPointsPerTick) {

    /** Checks the plan. */
    public CapacityPlan {
        if (!(ingestPointsPerTick > 0) || Double.isInfinite(ingestPointsPerTick)) {
            throw new IllegalArgumentException(
                "capacity must be positive and finite [ingestPointsPerTick=" + ingestPointsPerTick + "]");
        }
    }

    /**
     * A plan from a sustained rate.
     *
     * @param ingestPointsPerSecond ingest points per second one partition sustains within its SLO.
     * @param tickNs                the profiler tick length in nanoseconds.
     */
    public static CapacityPlan fromRate(final double ingestPointsPerSecond, final long tickNs) {
        if (tickNs <= 0) {
            throw new IllegalArgumentException("tick length must be positive [tickNs=" + tickNs + "]");
        }
        return new CapacityPlan(ingestPointsPerSecond * tickNs / 1e9);
    }

    /** Utilization of a partition carrying {@code ingestPoints} in a tick. */
    public double utilization(final double ingestPoints) {
        return ingestPoints / ingestPointsPerTick;
    }
}
