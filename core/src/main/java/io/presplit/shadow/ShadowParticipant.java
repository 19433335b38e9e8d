package io.presplit.shadow;

import io.presplit.coordinate.PartitionParticipant;
import io.presplit.coordinate.Txn;

import java.util.List;

/**
 * The participant behind a shadow coordinator: it holds no data, votes yes to every well-formed transaction and
 * changes nothing, so that shadow decisions go through exactly the coordinator logic of the active map (delay,
 * seeding of the history, cooldowns, thrash) without touching the store.
 */
final class ShadowParticipant implements PartitionParticipant {
    private final List<PartitionView> initial;
    private final long maxPartitionId;

    ShadowParticipant(final List<PartitionView> initial, final long maxPartitionId) {
        this.initial = List.copyOf(initial);
        this.maxPartitionId = maxPartitionId;
    }

    @Override
    public boolean prepare(final Txn txn) {
        return true;
    }

    @Override
    public void commit(final Txn txn) {
        // Shadow transactions have no effect outside the shadow map.
    }

    @Override
    public void abort(final Txn txn) {
        // Nothing was prepared.
    }

    @Override
    public List<PartitionView> livePartitions() {
        return initial;
    }

    @Override
    public long maxPartitionId() {
        return maxPartitionId;
    }
}
