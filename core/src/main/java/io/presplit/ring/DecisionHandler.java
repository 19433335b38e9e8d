package io.presplit.ring;

/** Receives decisions read from a {@link OneToOneDecisionRing}. */
public interface DecisionHandler {
    /** A split of the partition in {@code slot} at {@code splitKey}. */
    void onSplit(int slot, long splitKey);

    /** A merge of the adjacent partitions in {@code lowerSlot} and {@code upperSlot}. */
    void onMerge(int lowerSlot, int upperSlot);
}
