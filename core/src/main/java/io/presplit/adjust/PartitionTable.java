package io.presplit.adjust;

import java.util.Arrays;

/**
 * The control plane's view of the live partitions, as structure-of-arrays indexed by load slot, plus the live
 * slots in key order. The adjustment loop reads it without allocating; the coordinator changes it on commit.
 * <p>
 * Threading: one control thread owns it (the adjustment and coordinator steps run on it).
 * <p>
 * Slots: a partition keeps its load slot for life. A retired slot is reused only after
 * {@link #SLOT_QUARANTINE_TICKS} completed ticks, so that a write counted just after its partition was sealed
 * cannot land in the history of an unrelated new partition.
 */
public final class PartitionTable {
    /** Completed ticks a retired slot waits before reuse. */
    public static final int SLOT_QUARANTINE_TICKS = 2;

    private final int slotCapacity;
    /** Completed ticks a retired slot waits before reuse. */
    private final int quarantineTicks;
    private static final HoldReason[] HOLD_REASONS = HoldReason.values();

    private final long[] partitionIds;
    private final long[] keyLos;
    private final long[] keyHis;
    private final long[] cooldownUntilNs;
    /** Until when a split waits: the cooldown, except for a split child, which may split again at once. */
    private final long[] splitHoldUntilNs;
    private final boolean[] isLive;
    /** Per slot, the ordinal of its {@link HoldReason}: a byte, so the loop's store needs no GC write barrier. */
    private final byte[] holdReasons;
    private final int[] liveByKey;
    private int liveCount;
    /** Written by the control thread, read by the profiler thread to bound its fold. */
    private volatile int highWaterSlot;
    private final int[] freeSlots;
    private final long[] freedAtTick;
    private int freeHead;
    private int freeCount;

    /** @param slotCapacity the number of load slots (the recorder's and history's slot capacity). */
    public PartitionTable(final int slotCapacity) {
        this(slotCapacity, SLOT_QUARANTINE_TICKS);
    }

    /**
     * @param slotCapacity    load slots.
     * @param quarantineTicks completed ticks a retired slot waits before reuse, at least
     *                        {@link #SLOT_QUARANTINE_TICKS}: longer when the profiler folds bucket counts every few
     *                        ticks ({@code ProfilerAgent.slotQuarantineTicks}).
     */
    public PartitionTable(final int slotCapacity, final int quarantineTicks) {
        if (slotCapacity < 1 || quarantineTicks < SLOT_QUARANTINE_TICKS) {
            throw new IllegalArgumentException("slot capacity must be positive and the quarantine at least "
                + SLOT_QUARANTINE_TICKS + " ticks [slotCapacity=" + slotCapacity + ", quarantineTicks="
                + quarantineTicks + "]");
        }
        this.slotCapacity = slotCapacity;
        this.quarantineTicks = quarantineTicks;
        this.partitionIds = new long[slotCapacity];
        this.keyLos = new long[slotCapacity];
        this.keyHis = new long[slotCapacity];
        this.cooldownUntilNs = new long[slotCapacity];
        this.splitHoldUntilNs = new long[slotCapacity];
        this.isLive = new boolean[slotCapacity];
        this.holdReasons = new byte[slotCapacity];
        Arrays.fill(holdReasons, (byte) HoldReason.NONE.ordinal());
        this.liveByKey = new int[slotCapacity];
        this.freeSlots = new int[slotCapacity];
        this.freedAtTick = new long[slotCapacity];
    }

    /** Number of live partitions. */
    public int liveCount() {
        return liveCount;
    }

    /** The slot of the {@code index}-th live partition in key order. */
    public int liveSlot(final int index) {
        return liveByKey[index];
    }

    /** The live slots in key order: entries {@code [0, liveCount())} are valid. Do not modify. */
    public int[] liveSlotsByKey() {
        return liveByKey;
    }

    /** One past the largest slot ever used: the profiler folds slots below it. */
    public int highWaterSlot() {
        return highWaterSlot;
    }

    /** Number of slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** Partition id in {@code slot}. */
    public long partitionId(final int slot) {
        return partitionIds[slot];
    }

    /** First key of the range of the partition in {@code slot}. */
    public long keyLo(final int slot) {
        return keyLos[slot];
    }

    /** Last key of the range of the partition in {@code slot}. */
    public long keyHi(final int slot) {
        return keyHis[slot];
    }

    /** Whether {@code slot} holds a live partition. */
    public boolean isLive(final int slot) {
        return isLive[slot];
    }

    /** Until when the partition in {@code slot} may not change. */
    public long cooldownUntilNs(final int slot) {
        return cooldownUntilNs[slot];
    }

    /** Sets until when the partition in {@code slot} may not change (split included). */
    public void cooldownUntilNs(final int slot, final long untilNs) {
        cooldownUntilNs[slot] = untilNs;
        splitHoldUntilNs[slot] = untilNs;
    }

    /**
     * Until when the partition in {@code slot} may not split: its cooldown, or its birth for a split child. A
     * further split of a child that is still too hot continues its parent's split rather than undoing it, so the
     * cooldown (which is there against thrash: a change undone soon after) does not hold it.
     */
    public long splitHoldUntilNs(final int slot) {
        return splitHoldUntilNs[slot];
    }

    /** Why the partition in {@code slot} was last held back from a split, or {@link HoldReason#NONE}. */
    public HoldReason holdReason(final int slot) {
        return HOLD_REASONS[holdReasons[slot]];
    }

    void holdReason(final int slot, final HoldReason reason) {
        holdReasons[slot] = (byte) reason.ordinal();
    }

    /** Completed ticks a retired slot waits before a new partition takes it. */
    public int quarantineTicks() {
        return quarantineTicks;
    }

    /**
     * Takes a free slot for a new partition. Cold path.
     *
     * @param currentTick the number of completed profiler ticks.
     * @return the slot, or {@code -1} when none is free.
     */
    public int allocateSlot(final long currentTick) {
        if (freeCount > 0 && freedAtTick[freeHead] + quarantineTicks <= currentTick) {
            final int slot = freeSlots[freeHead];
            freeHead = (freeHead + 1) % slotCapacity;
            freeCount--;
            return slot;
        }
        if (highWaterSlot < slotCapacity) {
            return highWaterSlot++;
        }
        return -1;
    }

    /** Returns a slot taken by {@link #allocateSlot} but never made live (an aborted transaction). Cold path. */
    public void releaseSlot(final int slot, final long currentTick) {
        if (isLive[slot]) {
            throw new IllegalStateException("cannot release a live slot [slot=" + slot + "]");
        }
        enqueueFree(slot, currentTick);
    }

    /**
     * Makes a partition live. Cold path.
     *
     * @throws IllegalStateException if the slot is live or the range overlaps a live partition.
     */
    public void add(
        final long partitionId, final long keyLo, final long keyHi, final int slot, final long cooldownUntil) {
        add(partitionId, keyLo, keyHi, slot, cooldownUntil, cooldownUntil);
    }

    /**
     * Makes a partition live that may split before its cooldown ends (a split child). Cold path.
     *
     * @param cooldownUntil  no merge (and no split after {@code splitHoldUntil}) before this time.
     * @param splitHoldUntil no split before this time.
     * @throws IllegalStateException if the slot is live or the range overlaps a live partition.
     */
    public void add(
        final long partitionId, final long keyLo, final long keyHi, final int slot, final long cooldownUntil,
        final long splitHoldUntil) {
        if (slot < 0 || slot >= slotCapacity || isLive[slot]) {
            throw new IllegalStateException("slot not available [slot=" + slot + ", partitionId=" + partitionId + "]");
        }
        final int insertAt = insertionIndex(keyLo);
        final boolean overlapsBelow = insertAt > 0 && keyHis[liveByKey[insertAt - 1]] >= keyLo;
        final boolean overlapsAbove = insertAt < liveCount && keyLos[liveByKey[insertAt]] <= keyHi;
        if (overlapsBelow || overlapsAbove) {
            throw new IllegalStateException("partition range overlaps a live partition [partitionId=" + partitionId
                + ", keyLo=" + keyLo + ", keyHi=" + keyHi + "]");
        }
        System.arraycopy(liveByKey, insertAt, liveByKey, insertAt + 1, liveCount - insertAt);
        liveByKey[insertAt] = slot;
        liveCount++;
        partitionIds[slot] = partitionId;
        keyLos[slot] = keyLo;
        keyHis[slot] = keyHi;
        cooldownUntilNs[slot] = cooldownUntil;
        splitHoldUntilNs[slot] = splitHoldUntil;
        holdReasons[slot] = (byte) HoldReason.NONE.ordinal();
        isLive[slot] = true;
        if (slot >= highWaterSlot) {
            highWaterSlot = slot + 1;
        }
    }

    /** Retires the partition in {@code slot}; its slot becomes free after the quarantine. Cold path. */
    public void retire(final int slot, final long currentTick) {
        if (!isLive[slot]) {
            throw new IllegalStateException("slot is not live [slot=" + slot + "]");
        }
        int index = 0;
        while (liveByKey[index] != slot) {
            index++;
        }
        System.arraycopy(liveByKey, index + 1, liveByKey, index, liveCount - index - 1);
        liveCount--;
        isLive[slot] = false;
        holdReasons[slot] = (byte) HoldReason.NONE.ordinal();
        enqueueFree(slot, currentTick);
    }

    /** The live slot whose range holds {@code key}, or {@code -1}. Allocation-free (binary search). */
    public int slotContaining(final long key) {
        final int index = insertionIndex(key);
        if (index < liveCount && keyLos[liveByKey[index]] == key) {
            return liveByKey[index];
        }
        if (index > 0 && keyHis[liveByKey[index - 1]] >= key) {
            return liveByKey[index - 1];
        }
        return -1;
    }

    /** The live slot holding partition {@code partitionId}, or {@code -1}. Cold path. */
    public int slotOf(final long partitionId) {
        for (int i = 0; i < liveCount; i++) {
            if (partitionIds[liveByKey[i]] == partitionId) {
                return liveByKey[i];
            }
        }
        return -1;
    }

    /** First index in key order whose partition starts at or after {@code keyLo} (binary search). */
    private int insertionIndex(final long keyLo) {
        int low = 0;
        int high = liveCount;
        while (low < high) {
            final int mid = (low + high) >>> 1;
            if (keyLos[liveByKey[mid]] < keyLo) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private void enqueueFree(final int slot, final long currentTick) {
        final int tail = (freeHead + freeCount) % slotCapacity;
        freeSlots[tail] = slot;
        freedAtTick[tail] = currentTick;
        freeCount++;
    }
}
