package io.presplit.daemon.lineprotocol;

/** Receives the points of the lines a {@link LineProtocolParser} accepted, in input order. */
@FunctionalInterface
public interface PointSink {
    /**
     * One point. Called on the parsing thread.
     *
     * @param seriesKey   the series key; a view the parser reuses, valid only during the call.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param value       a finite value.
     */
    void onPoint(CharSequence seriesKey, long timestampNs, double value);
}
