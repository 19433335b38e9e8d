package io.presplit.adjust;

/** Why a partition predicted over the split threshold was not split this step. */
public enum HoldReason {
    /** It was split: no hold. */
    NONE,
    /** It changed less than the cooldown ago. */
    COOLDOWN,
    /** Its load sits on one key bucket; no split point relieves it. */
    HOT_KEY,
    /** The partition limit is reached. */
    PARTITION_LIMIT,
    /** The decision channel to the coordinator is full. */
    BACKLOG;

    /** All values, without the defensive copy of {@link #values()}. */
    public static final HoldReason[] VALUES = values();
}
