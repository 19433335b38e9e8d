package io.presplit.forecast;

/**
 * Off-heap layout of a {@link ForecastTable}: one row per partition slot, each row three columns of
 * {@code stepCapacity} native-order float64 values, written and read by the control thread only.
 *
 * <pre>
 * row of slot s starts at s * rowLength(stepCapacity), rowLength = COLUMN_COUNT * stepCapacity * 8 bytes,
 * rounded up to ROW_ALIGNMENT (a whole number of cache lines, so that rows never share a line)
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |  mean[0 .. stepCapacity)   (float64)  offset MEAN_COLUMN * S*8 |
 * +---------------------------------------------------------------+
 * |  p50[0 .. stepCapacity)    (float64)  offset P50_COLUMN * S*8  |
 * +---------------------------------------------------------------+
 * |  p90[0 .. stepCapacity)    (float64)  offset P90_COLUMN * S*8  |
 * +---------------------------------------------------------------+
 * |  padding to ROW_ALIGNMENT (zero)                               |
 * +---------------------------------------------------------------+
 * </pre>
 * Step {@code k} (0-based) of every column holds the ticks the table's {@link StepSchedule} gives it at the table's
 * alignment ({@link ForecastTable#firstTick}, {@link ForecastTable#spanTicks}): in a table of tick steps, the tick
 * {@code k + 1} ticks after the latest completed one; in a row step, the ticks of (a part of) one roll-up row.
 * {@code mean} and {@code p50} are per tick (averaged over the step's ticks); {@code p90} is the 90 % quantile of the
 * predictive distribution of a one-tick step (one-sided: the load stays at or below it with probability 0.9), and of
 * a row step a bound for the largest tick inside the step.
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

    /** Length of one row in bytes, padding included, for {@code stepCapacity} steps. */
    public static long rowLength(final int stepCapacity) {
        final long raw = (long) COLUMN_COUNT * stepCapacity * VALUE_LENGTH;
        return (raw + ROW_ALIGNMENT - 1) & -ROW_ALIGNMENT;
    }

    /** Offset of a column within a row, in bytes, for {@code stepCapacity} steps. */
    public static long columnOffset(final int stepCapacity, final int column) {
        return (long) column * stepCapacity * VALUE_LENGTH;
    }
}
