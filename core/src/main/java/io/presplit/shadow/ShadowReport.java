package io.presplit.shadow;

/**
 * How a shadow policy did beside the active one, over the same ticks and the same load.
 *
 * @param ticks                         ticks observed since the shadow started.
 * @param partitionTicks                shadow partition-ticks (its cost).
 * @param saturatedPartitionTicks       shadow partition-ticks whose estimated load exceeded capacity.
 * @param splits                        splits the shadow would have made.
 * @param merges                        merges the shadow would have made.
 * @param thrash                        shadow splits and merges that undid each other within the thrash window.
 * @param activePartitionTicks          the active map's partition-ticks over the same ticks.
 * @param activeSaturatedPartitionTicks the active map's saturated partition-ticks over the same ticks.
 */
public record ShadowReport(
    long ticks,
    long partitionTicks,
    long saturatedPartitionTicks,
    long splits,
    long merges,
    long thrash,
    long activePartitionTicks,
    long activeSaturatedPartitionTicks) {
}
