package io.presplit.storage;

import io.presplit.PresplitException;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.PartitionLog;
import io.presplit.storage.log.RecordEncoder;

import java.lang.foreign.MemorySegment;

/**
 * The write path of one ingest thread: encodes a point, routes it under the current routing snapshot, appends it
 * to the partition's log and counts it in the load recorder. A point carries one value per field of the store
 * ({@link PartitionStore#fields()}): {@link #write(CharSequence, long, double[])}, or
 * {@link #write(CharSequence, long, double)} in a one-field store.
 * <p>
 * Assumptions the caller holds: one thread uses a writer at a time (it owns the writer's load recorder stripe and
 * encoder buffer); the store is open.
 * <p>
 * Durability ({@link Durability}): under {@code SYNC} the point's pages are forced before {@link #write} returns;
 * under {@code GROUP} the write waits for the group commit batch that forces it; under {@code ASYNC} it returns
 * once the record is in the mapped pages.
 * <p>
 * Guarantees: {@link #write} allocates nothing for ASCII series keys once warm (see {@link RecordEncoder}), takes
 * no lock except when a segment fills up, and does not log. When it returns, the point is in exactly one
 * partition's log, and that partition was not sealed when the point landed: a point routed to a partition that a
 * concurrent commit sealed is re-routed under the newer snapshot (the commit publishes the snapshot before it
 * seals, so one retry suffices).
 */
public final class PartitionWriter {
    private final PartitionStore store;
    private final LoadRecorder recorder;
    private final RecordEncoder encoder;
    private final int stripe;
    /** Under {@link Durability#GROUP}, else {@code null}. */
    private final GroupCommitter groupCommitter;

    PartitionWriter(final PartitionStore store, final LoadRecorder recorder, final int stripe,
        final GroupCommitter groupCommitter) {
        this.groupCommitter = groupCommitter;
        this.encoder = new RecordEncoder(store.options().keyOrder(), store.options().fields());
        this.store = store;
        this.recorder = recorder;
        this.stripe = stripe;
    }

    /**
     * Writes one point of a one-field store. Caller: the writer's owner thread.
     *
     * @param seriesKey   the series key: 1 to 1024 UTF-8 bytes.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param value       a finite value.
     * @throws IllegalArgumentException on invalid input, or when the store has more than one field, with nothing
     *                                  written or counted; the message names what was wrong.
     * @throws PresplitException        under {@link Durability#GROUP} when the force that should cover the point
     *                                  failed or the store closed first: the point is in the log but was not
     *                                  acknowledged as durable.
     */
    public void write(final CharSequence seriesKey, final long timestampNs, final double value) {
        writeUnforced(seriesKey, timestampNs, value);
        final GroupCommitter committer = groupCommitter;
        if (committer != null) {
            committer.awaitForced(committer.ticket());
        }
    }

    /**
     * Writes one point without waiting for the group commit force: for batches, which write every point this way
     * and then call {@link #awaitForced()} once. Same contract as {@link #write} otherwise; under {@code SYNC} the
     * record is still forced before return, under {@code ASYNC} the two are the same.
     */
    public void writeUnforced(final CharSequence seriesKey, final long timestampNs, final double value) {
        append(encoder.encode(seriesKey, timestampNs, value));
    }

    /**
     * Writes one point with a value per field. Caller: the writer's owner thread. The array stays the caller's
     * (reuse it: nothing is kept, nothing is allocated).
     *
     * @param seriesKey   the series key: 1 to 1024 UTF-8 bytes.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param values      one finite value per field, in the order of {@link PartitionStore#fields()}.
     * @throws IllegalArgumentException on invalid input (a wrong number of values, a NaN or infinite value, a bad
     *                                  key or timestamp), with nothing written or counted; the message names the
     *                                  series and the field or the counts.
     * @throws PresplitException        as {@link #write(CharSequence, long, double)}.
     */
    public void write(final CharSequence seriesKey, final long timestampNs, final double[] values) {
        writeUnforced(seriesKey, timestampNs, values);
        final GroupCommitter committer = groupCommitter;
        if (committer != null) {
            committer.awaitForced(committer.ticket());
        }
    }

    /**
     * {@link #write(CharSequence, long, double[])} without waiting for the group commit force, as
     * {@link #writeUnforced(CharSequence, long, double)}.
     */
    public void writeUnforced(final CharSequence seriesKey, final long timestampNs, final double[] values) {
        append(encoder.encode(seriesKey, timestampNs, values));
    }

    /** The fields of the points this writer writes (the store's). */
    public FieldSchema fields() {
        return encoder.fields();
    }

    /** Routes and appends the record the encoder holds. */
    private void append(final int lengthBytes) {
        final RecordEncoder encoder = this.encoder;
        final long key = encoder.partitionKey();
        final MemorySegment record = encoder.record();
        final PartitionStore store = this.store;
        while (true) {
            final Partition partition = store.routingTable().route(key);
            if (partition.log().append(record, lengthBytes) == PartitionLog.APPENDED) {
                recorder.recordIngest(stripe, partition.loadSlot(), partition.bucketOf(key), 1, lengthBytes);
                return;
            }
            // Sealed by a concurrent split or merge commit: the snapshot read next already routes past it.
        }
    }

    /**
     * Under {@link Durability#GROUP}, waits until a force covered every point this writer wrote so far (one batch
     * wait for a whole request); otherwise returns at once. Caller: the writer's owner thread.
     *
     * @throws PresplitException when the force failed or the store closed first.
     */
    public void awaitForced() {
        final GroupCommitter committer = groupCommitter;
        if (committer != null) {
            committer.awaitForced(committer.ticket());
        }
    }

    /** The load recorder stripe this writer counts in. */
    public int stripe() {
        return stripe;
    }
}
