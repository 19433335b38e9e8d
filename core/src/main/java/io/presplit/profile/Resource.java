package io.presplit.profile;

/** The load signals recorded per partition and tick. Capacity is expressed in the same units. */
public enum Resource {
    /** Points ingested in the tick. */
    INGEST_POINTS,
    /** Bytes ingested in the tick. */
    INGEST_BYTES,
    /** Query cost in the tick: points scanned. */
    QUERY_COST;

    /** All values, without the defensive copy of {@link #values()}. */
    static final Resource[] VALUES = values();
}
