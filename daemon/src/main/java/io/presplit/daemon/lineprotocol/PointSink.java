package io.presplit.daemon.lineprotocol;

/**
 * Receives what a {@link LineProtocolParser} accepted, in input order: one point per field of each line
 * ({@link #onPoint}), or, from a parser with a field schema ({@link LineProtocolParser#withFields}), one record per
 * line with a value per field ({@link #onRecord}).
 */
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

    /**
     * One line of a parser with a field schema: every field of the schema, in schema order. Called on the parsing
     * thread. A sink that only takes single values leaves this as it is: a parser with a schema needs a sink that
     * overrides it.
     *
     * @param seriesKey   the series key ({@code measurement[,tags]}); a view the parser reuses, valid only during
     *                    the call.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param values      one finite value per schema field; the parser's array, valid only during the call.
     * @throws UnsupportedOperationException unless overridden.
     */
    default void onRecord(final CharSequence seriesKey, final long timestampNs, final double[] values) {
        throw new UnsupportedOperationException("this sink takes one value per point; a parser with a field schema "
            + "needs a sink that takes records");
    }
}
