package io.presplit.storage;

import io.presplit.storage.log.RecordFlyweight;

/**
 * A record copied out of a read, for assertions.
 *
 * @param partitionId the partition whose log held it.
 * @param seriesKey   the series key.
 * @param timestampNs the timestamp.
 * @param value       the value.
 */
public record Point(long partitionId, String seriesKey, long timestampNs, double value) {
    /** Copies the record the flyweight points at. */
    public static Point of(final long partitionId, final RecordFlyweight record) {
        return new Point(partitionId, record.seriesKey(), record.timestampNs(), record.value());
    }

    /** The point without the partition that held it: what a writer wrote. */
    public Point written() {
        return new Point(-1, seriesKey, timestampNs, value);
    }

    /** A point as a writer writes it (no partition). */
    public static Point written(final String seriesKey, final long timestampNs, final double value) {
        return new Point(-1, seriesKey, timestampNs, value);
    }
}
