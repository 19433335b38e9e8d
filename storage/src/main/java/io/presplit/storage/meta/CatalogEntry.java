package io.presplit.storage.meta;

/**
 * One partition as the catalog records it.
 *
 * @param partitionId    the partition id (non-negative).
 * @param loadSlot       its load recorder slot.
 * @param state          prepared, live (committed, not sealed) or sealed.
 * @param createdByTxId  the transaction that created it, or -1 for the initial partition.
 * @param firstParentId  first parent, or -1.
 * @param secondParentId second parent (merge), or -1.
 * @param keyLo          first key of its inclusive range.
 * @param keyHi          last key of its inclusive range.
 * @param committedEpoch routing epoch under which it became routable, or 0 while prepared.
 * @param sealedByTxId   the transaction that sealed it, or -1.
 */
public record CatalogEntry(long partitionId, int loadSlot, State state, long createdByTxId, long firstParentId,
    long secondParentId, long keyLo, long keyHi, long committedEpoch, long sealedByTxId) {

    /** Where a partition stands. */
    public enum State {
        /** Created by a prepare; not routable. */
        PREPARED,
        /** Committed and routable. */
        LIVE,
        /** Committed, then sealed by a split or merge: read through its children's lineage. */
        SEALED
    }
}
