package io.presplit.storage;

import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.RecordFlyweight;
import io.presplit.storage.log.RecordVisitor;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * The query path of one thread: points and aggregates over a key range and a time range, read across lineage
 * under the current routing snapshot, with the cost of each query counted as query load.
 * <p>
 * For each live partition whose range meets the key range, the reader reads its sources (sealed ancestors or their
 * compacted copy, then the partition itself) filtered to the intersection of the two ranges and to the time range;
 * sealed segments are skipped block by block through their time index. Every point is seen once: live ranges are
 * disjoint, and an ancestor's records are read only through the live partition whose range holds their key. The records
 * examined in a partition's lineage are recorded with {@link LoadRecorder#recordQuery} under that partition's
 * load slot.
 * <p>
 * Assumptions the caller holds: one thread uses a reader at a time (it owns the reader's load recorder stripe and
 * flyweight); the store is open. Guarantees: no lock; allocation-free once warm; a point written before the query
 * began and not still in flight is returned.
 */
public final class PartitionReader {
    private final PartitionStore store;
    private final LoadRecorder recorder;
    private final int stripe;
    private final RecordFlyweight flyweight = new RecordFlyweight();

    PartitionReader(final PartitionStore store, final LoadRecorder recorder, final int stripe) {
        this.store = store;
        this.recorder = recorder;
        this.stripe = stripe;
    }

    /**
     * Visits every point with a partition key in {@code [keyLo, keyHi]} and a timestamp in {@code [fromNs, toNs]}.
     * Partitions in key order; within one, lineage order, then log order.
     *
     * @return the number of records examined (the cost recorded as query load).
     * @throws IllegalArgumentException when a range is empty or a key is negative.
     */
    public long query(final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final RecordVisitor visitor) {
        checkRanges(keyLo, keyHi, fromNs, toNs);
        final WriterReaderPhaser phaser = store.readPhaser();
        final long phase = phaser.writerCriticalSectionEnter();
        try {
            return queryInPhase(keyLo, keyHi, fromNs, toNs, visitor);
        } finally {
            phaser.writerCriticalSectionExit(phase);
        }
    }

    private long queryInPhase(final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final RecordVisitor visitor) {
        final RoutingTable routing = store.routingTable();
        long examined = 0;
        final int size = routing.size();
        for (int i = 0; i < size; i++) {
            final Partition partition = routing.partition(i);
            if (partition.keyHi() < keyLo || partition.keyLo() > keyHi) {
                continue;
            }
            final long lo = Math.max(keyLo, partition.keyLo());
            final long hi = Math.min(keyHi, partition.keyHi());
            long partitionExamined = 0;
            final ReadSources sources = partition.sources();
            for (int j = 0; j < sources.size(); j++) {
                final long from = Math.max(lo, sources.keyLo(j));
                final long to = Math.min(hi, sources.keyHi(j));
                if (from <= to) {
                    partitionExamined += sources.log(j).readRange(from, to, fromNs, toNs, visitor, flyweight);
                }
            }
            recorder.recordQuery(stripe, partition.loadSlot(), partitionExamined);
            examined += partitionExamined;
        }
        return examined;
    }

    /**
     * Aggregates (count, sum, min, max, mean) the values of field {@code fieldIndex} of the points {@link #query}
     * would visit into {@code result}, which is reset first and finished before return. Resolve a field name to
     * its index once ({@code store.fields().indexOf(name)}).
     *
     * @param fieldIndex the field, an index into {@link PartitionStore#fields()}.
     * @return the number of records examined.
     * @throws IllegalArgumentException when a range is empty, a key is negative or the field index is out of range.
     */
    public long aggregate(final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final int fieldIndex, final RangeAggregate result) {
        store.fields().checkIndex(fieldIndex);
        result.reset(fieldIndex);
        final long examined = query(keyLo, keyHi, fromNs, toNs, result);
        result.finish();
        return examined;
    }

    /**
     * Aggregates the values of the named field; see {@link #aggregate(long, long, long, long, int, RangeAggregate)}.
     * Resolves the name on each call (a list search): on a hot loop, resolve it once and pass the index.
     *
     * @throws IllegalArgumentException also when no field has that name (the message names it and the fields).
     */
    public long aggregate(final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final String field, final RangeAggregate result) {
        return aggregate(keyLo, keyHi, fromNs, toNs, store.fields().indexOf(field), result);
    }

    /**
     * Aggregates the values of a one-field store's only field; see
     * {@link #aggregate(long, long, long, long, int, RangeAggregate)}.
     *
     * @throws IllegalArgumentException also when the store has several fields (name one).
     */
    public long aggregate(final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final RangeAggregate result) {
        if (store.fields().count() != 1) {
            throw new IllegalArgumentException("the store has several fields; name the field to aggregate [fields="
                + store.fields() + "]");
        }
        return aggregate(keyLo, keyHi, fromNs, toNs, 0, result);
    }

    /** The fields of the store's points: resolve a name to the index aggregates take. */
    public FieldSchema fields() {
        return store.fields();
    }

    /** The load recorder stripe this reader counts in. */
    public int stripe() {
        return stripe;
    }

    private static void checkRanges(final long keyLo, final long keyHi, final long fromNs, final long toNs) {
        if (keyLo < KeySpace.MIN_KEY || keyLo > keyHi || fromNs > toNs) {
            throw new IllegalArgumentException("invalid query range [keyLo=" + keyLo + ", keyHi=" + keyHi
                + ", fromNs=" + fromNs + ", toNs=" + toNs + "]");
        }
    }
}
