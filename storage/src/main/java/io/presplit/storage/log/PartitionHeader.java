package io.presplit.storage.log;

import io.presplit.keyspace.KeySpace;

/**
 * The identity of a partition as every one of its segment headers records it: id, load slot, the transaction
 * that created it, its parents, its inclusive key range and the number of fields of its records (see
 * {@link SegmentDescriptor}).
 *
 * @param partitionId    the partition id, non-negative.
 * @param loadSlot       the load recorder slot its writes are counted in, non-negative.
 * @param createdByTxId  the split or merge transaction that created it, or {@link SegmentDescriptor#NONE}.
 * @param firstParentId  the split parent or lower merge parent, or {@link SegmentDescriptor#NONE}.
 * @param secondParentId the upper merge parent, or {@link SegmentDescriptor#NONE}.
 * @param keyLo          first key of the range.
 * @param keyHi          last key of the range.
 * @param fieldCount     values per record: the store's field count, 1 to {@link SegmentDescriptor#MAX_FIELD_COUNT}.
 */
public record PartitionHeader(
    long partitionId,
    int loadSlot,
    long createdByTxId,
    long firstParentId,
    long secondParentId,
    long keyLo,
    long keyHi,
    int fieldCount) {

    /** Checks the fields; cold path. */
    public PartitionHeader {
        if (partitionId < 0 || loadSlot < 0) {
            throw new IllegalArgumentException(
                "invalid partition identity [partitionId=" + partitionId + ", loadSlot=" + loadSlot + "]");
        }
        KeySpace.checkRange(keyLo, keyHi);
        SegmentDescriptor.checkFieldCount(fieldCount);
    }

    /** The initial partition: no parents, no creating transaction. */
    public static PartitionHeader initial(final long partitionId, final int loadSlot, final long keyLo,
        final long keyHi, final int fieldCount) {
        final long none = SegmentDescriptor.NONE;
        return new PartitionHeader(partitionId, loadSlot, none, none, none, keyLo, keyHi, fieldCount);
    }

    /** Whether the partition was created by a split or merge (and so has at least one parent). */
    public boolean hasParents() {
        return firstParentId != SegmentDescriptor.NONE;
    }
}
