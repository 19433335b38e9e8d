package io.presplit.ring;

/**
 * Layout of a decision message on the decision ring (adjustment engine to coordinator). Native byte order; the
 * Agrona record header (length, type) precedes it. Message types: {@link #SPLIT_MSG_TYPE_ID},
 * {@link #MERGE_MSG_TYPE_ID}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |  slot (int32): split: the partition; merge: lower   offset 0  |
 * +---------------------------------------------------------------+
 * |  other slot (int32): merge: upper; split: -1        offset 4  |
 * +---------------------------------------------------------------+
 * |  split key (int64): split: first key of the upper   offset 8  |
 * |  child; merge: -1                                              |
 * +---------------------------------------------------------------+
 * </pre>
 * Written by the adjustment thread (the ring's single producer), read by the coordinator thread.
 */
public final class DecisionDescriptor {
    /** Message type of a split. */
    public static final int SPLIT_MSG_TYPE_ID = 1;
    /** Message type of a merge. */
    public static final int MERGE_MSG_TYPE_ID = 2;
    /** Offset of the (lower) slot. */
    public static final int SLOT_OFFSET = 0;
    /** Offset of the other slot. */
    public static final int OTHER_SLOT_OFFSET = SLOT_OFFSET + Integer.BYTES;
    /** Offset of the split key. */
    public static final int SPLIT_KEY_OFFSET = OTHER_SLOT_OFFSET + Integer.BYTES;
    /** Length of a decision message. */
    public static final int LENGTH = SPLIT_KEY_OFFSET + Long.BYTES;

    private DecisionDescriptor() {
    }
}
