package io.presplit.coordinate;

/**
 * One split or merge transaction, as the coordinator logs it and the participants execute it. Every id and slot
 * is fixed before the transaction begins, so that redo and abort after a crash are deterministic.
 * <p>
 * A split of {@code firstParentId} at {@code splitKey} creates {@code firstChildId} over {@code [lo, splitKey - 1]}
 * and {@code secondChildId} over {@code [splitKey, hi]}. A merge of the adjacent {@code firstParentId} (lower keys)
 * and {@code secondParentId} creates {@code firstChildId} over their union. Unused fields are {@link #NONE}.
 *
 * @param txId            transaction id, unique in the coordinator log.
 * @param kind            split or merge.
 * @param firstParentId   the split partition, or the lower merged partition.
 * @param secondParentId  the upper merged partition, or {@link #NONE}.
 * @param splitKey        first key of the upper child of a split, or {@link #NONE}.
 * @param firstChildId    the lower split child, or the merged partition.
 * @param firstChildSlot  load slot of {@code firstChildId}.
 * @param secondChildId   the upper split child, or {@link #NONE}.
 * @param secondChildSlot load slot of {@code secondChildId}, or {@code -1}.
 */
public record Txn(
    long txId,
    Kind kind,
    long firstParentId,
    long secondParentId,
    long splitKey,
    long firstChildId,
    int firstChildSlot,
    long secondChildId,
    int secondChildSlot) {

    /** Value of an unused id or key field. */
    public static final long NONE = -1L;

    /** What a transaction does. */
    public enum Kind {
        /** One parent, two children. */
        SPLIT,
        /** Two adjacent parents, one child. */
        MERGE
    }

    /** A split transaction. */
    public static Txn split(
        final long txId, final long parentId, final long splitKey,
        final long lowerChildId, final int lowerChildSlot, final long upperChildId, final int upperChildSlot) {
        return new Txn(txId, Kind.SPLIT, parentId, NONE, splitKey,
            lowerChildId, lowerChildSlot, upperChildId, upperChildSlot);
    }

    /** A merge transaction. */
    public static Txn merge(
        final long txId, final long lowerParentId, final long upperParentId, final long mergedId,
        final int mergedSlot) {
        return new Txn(txId, Kind.MERGE, lowerParentId, upperParentId, NONE, mergedId, mergedSlot, NONE, -1);
    }
}
