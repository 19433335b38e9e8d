package io.presplit.forecast;

/**
 * Off-heap layout of a {@link ForecastTable}: one row per partition slot, each row three columns of
 * {@code maxHorizon} native-order float64 values, written and read by the control thread only.
 *
 * <pre>
 * row of slot s starts at s * rowLength(maxHorizon), rowLength = COLUMN_COUNT * maxHorizon * 8 bytes,
 * rounded up to ROW_ALIGNMENT (a whole number of cache lines, so that rows never share a line)
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |  mean[0 .. maxHorizon)   (float64)    offset MEAN_COLUMN * H*8 |
 * +---------------------------------------------------------------+
 * |  p50[0 .. maxHorizon)    (float64)    offset P50_COLUMN * H*8  |
 * +---------------------------------------------------------------+
 * |  p90[0 .. maxHorizon)    (float64)    offset P90_COLUMN * H*8  |
 * +---------------------------------------------------------------+
 * |  padding to ROW_ALIGNMENT (zero)                               |
 * +---------------------------------------------------------------+
 * </pre>
 * Step {@code h} (0-based) of every column is the tick {@code h + 1} ticks after the latest completed one.
 * {@code p50} and {@code p90} are the 50% and 90% quantiles of the predictive distribution (one-sided: the load
 * stays at or below {@code p90} with probability 0.9).
 */
public final class ForecastTableDescriptor {
    /** Column index of the point forecast (the mean). */
    public static final int MEAN_COLUMN = 0;
    /** Column index of the median. */
    public static final int P50_COLUMN = MEAN_COLUMN + 1;
    /** Column index of the 90% quantile. */
    public static final int P90_COLUMN = P50_COLUMN + 1;
    /** Number of columns per row. */
    public static final int COLUMN_COUNT = P90_COLUMN + 1;
    /** Alignment of each row, in bytes: one cache line. */
    public static final int ROW_ALIGNMENT = 64;
    /** Width of one value, in bytes. */
    public static final int VALUE_LENGTH = Double.BYTES;

    private ForecastTableDescriptor() {
    }

    /** Length of one row in bytes, padding included. */
    public static long rowLength(final int maxHorizon) {
        final long raw = (long) COLUMN_COUNT * maxHorizon * VALUE_LENGTH;
        return (raw + ROW_ALIGNMENT - 1) & -ROW_ALIGNMENT;
    }

    /** Offset of a column within a row, in bytes. */
    public static long columnOffset(final int maxHorizon, final int column) {
        return (long) column * maxHorizon * VALUE_LENGTH;
    }
}
