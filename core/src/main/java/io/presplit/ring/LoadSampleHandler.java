package io.presplit.ring;

/** Receives load samples drained from a {@link OneToOneLoadSampleRing}, on the consumer's thread. */
@FunctionalInterface
public interface LoadSampleHandler {
    /** One partition slot's load in one completed tick. Must not retain references; called in ring order. */
    void onSample(long tick, int slot, double points, double bytes, double queryCost);
}
