package io.presplit.adjust;

/** Where the adjustment engine sends its decisions. Implementations on the engine's path allocate nothing. */
public interface DecisionSink {
    /**
     * Asks for a split of the partition in {@code slot} at {@code splitKey}.
     *
     * @return {@code false} when the decision could not be accepted (back-pressure).
     */
    boolean split(int slot, long splitKey);

    /**
     * Asks for a merge of the adjacent partitions in {@code lowerSlot} and {@code upperSlot}.
     *
     * @return {@code false} when the decision could not be accepted (back-pressure).
     */
    boolean merge(int lowerSlot, int upperSlot);
}
