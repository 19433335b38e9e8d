package io.presplit.coordinate;

import java.util.List;

/**
 * The participant side of the split/merge two-phase commit: what the partition store implements.
 * <p>
 * All calls come from the coordinator's thread, on the cold path. Every call is idempotent for the same
 * transaction, because recovery may repeat any of them. A participant that cannot act throws
 * {@link io.presplit.PresplitException}; the coordinator counts it, aborts before the commit point and retries
 * after it.
 */
public interface PartitionParticipant {
    /**
     * Phase 1: durably create the children of {@code txn}, empty and not yet routable, each naming its parents
     * and key range.
     *
     * @return {@code true} to vote commit; {@code false} to vote abort (for instance a parent is unknown or
     * already sealed, or the split key lies outside the parent's range).
     */
    boolean prepare(Txn txn);

    /**
     * Phase 2: seal the parents at their current tails and publish a new routing epoch in which the children
     * replace them. After it returns, no write lands in a parent and no acknowledged write is lost.
     */
    void commit(Txn txn);

    /** Drops whatever {@link #prepare} created; a no-op when nothing was prepared. */
    void abort(Txn txn);

    /** The partitions that currently route writes, in key order. */
    List<PartitionView> livePartitions();

    /** The largest partition id this participant has ever created, or {@code -1}. */
    long maxPartitionId();

    /**
     * A routable partition as the control plane sees it.
     *
     * @param partitionId the partition id.
     * @param keyLo       first key of its inclusive range.
     * @param keyHi       last key of its inclusive range.
     * @param loadSlot    the load recorder slot its writes are counted in.
     */
    record PartitionView(long partitionId, long keyLo, long keyHi, int loadSlot) {
    }
}
