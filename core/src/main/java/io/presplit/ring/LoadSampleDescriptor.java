package io.presplit.ring;

/**
 * Layout of a load sample message on the load sample ring (profiler to forecasting side): one partition slot's
 * load in one completed tick. Native byte order; the Agrona record header (length, type) precedes it. Message
 * type: {@link #SAMPLE_MSG_TYPE_ID}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |  tick (int64): the completed tick, counted from 0   offset 0  |
 * +-------------------------------+-------------------------------+
 * |  slot (int32)       offset 8  |  reserved (zero)   offset 12  |
 * +-------------------------------+-------------------------------+
 * |  ingest points in the tick (float64)                offset 16 |
 * +---------------------------------------------------------------+
 * |  ingest bytes in the tick (float64)                 offset 24 |
 * +---------------------------------------------------------------+
 * |  query cost in the tick: points scanned (float64)   offset 32 |
 * +---------------------------------------------------------------+
 * </pre>
 * Written by the profiler thread (the ring's single producer), read by the forecasting thread.
 */
public final class LoadSampleDescriptor {
    /** Message type of a load sample. */
    public static final int SAMPLE_MSG_TYPE_ID = 3;
    /** Offset of the tick. */
    public static final int TICK_OFFSET = 0;
    /** Offset of the slot. */
    public static final int SLOT_OFFSET = TICK_OFFSET + Long.BYTES;
    /** Offset of the reserved word. */
    public static final int RESERVED_OFFSET = SLOT_OFFSET + Integer.BYTES;
    /** Offset of the ingest points. */
    public static final int POINTS_OFFSET = RESERVED_OFFSET + Integer.BYTES;
    /** Offset of the ingest bytes. */
    public static final int BYTES_OFFSET = POINTS_OFFSET + Double.BYTES;
    /** Offset of the query cost. */
    public static final int QUERY_COST_OFFSET = BYTES_OFFSET + Double.BYTES;
    /** Length of a load sample message. */
    public static final int LENGTH = QUERY_COST_OFFSET + Double.BYTES;

    private LoadSampleDescriptor() {
    }
}
