package io.presplit.storage;

import io.presplit.keyspace.KeySpace;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable routing snapshot: the epoch and the partitions that take writes, whose ranges tile the whole key
 * space {@code [KeySpace.MIN_KEY, KeySpace.MAX_KEY]} without gap or overlap.
 * <p>
 * The store publishes a new snapshot atomically (one volatile write) at each split or merge commit; a snapshot
 * never changes, so {@link #route} needs no lock and any thread may keep using an old snapshot.
 */
public final class RoutingTable {
    private final long epoch;
    /** {@code lowerBounds[i]} is {@code partitions[i].keyLo()}, ascending. */
    private final long[] lowerBounds;
    private final Partition[] partitions;

    /**
     * Builds a snapshot. Cold path.
     *
     * @param epoch      the routing epoch.
     * @param partitions the routable partitions, in any order.
     * @throws IllegalArgumentException when the ranges leave a gap, overlap, or do not cover the key space.
     */
    public RoutingTable(final long epoch, final List<Partition> partitions) {
        final Partition[] sorted = partitions.toArray(new Partition[0]);
        Arrays.sort(sorted, Comparator.comparingLong(Partition::keyLo));
        long expectedLo = KeySpace.MIN_KEY;
        for (int i = 0; i < sorted.length; i++) {
            final Partition partition = sorted[i];
            final boolean isLast = i == sorted.length - 1;
            if (partition.keyLo() != expectedLo || (isLast && partition.keyHi() != KeySpace.MAX_KEY)) {
                throw new IllegalArgumentException("partitions do not tile the key space [epoch=" + epoch
                    + ", partition=" + partition + ", expectedKeyLo=" + expectedLo + "]");
            }
            expectedLo = partition.keyHi() + 1;
        }
        if (sorted.length == 0) {
            throw new IllegalArgumentException("routing table needs at least one partition [epoch=" + epoch + "]");
        }
        this.epoch = epoch;
        this.partitions = sorted;
        this.lowerBounds = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            lowerBounds[i] = sorted[i].keyLo();
        }
    }

    /** The routing epoch; each commit publishes the next one. */
    public long epoch() {
        return epoch;
    }

    /**
     * The partition whose range holds {@code key}. Any thread; lock-free, allocation-free, {@code O(log n)}.
     *
     * @param key a partition key in {@code [KeySpace.MIN_KEY, KeySpace.MAX_KEY]}.
     */
    public Partition route(final long key) {
        assert key >= KeySpace.MIN_KEY : "negative partition key " + key;
        final long[] lowerBounds = this.lowerBounds;
        // Largest i with lowerBounds[i] <= key; lowerBounds[0] is MIN_KEY, so one always exists.
        int lo = 0;
        int hi = lowerBounds.length - 1;
        while (lo < hi) {
            final int mid = (lo + hi + 1) >>> 1;
            if (lowerBounds[mid] <= key) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return partitions[lo];
    }

    /** Number of partitions. */
    public int size() {
        return partitions.length;
    }

    /** The partition at {@code index} in key order. */
    public Partition partition(final int index) {
        return partitions[index];
    }

    /** Whether {@code partition} is in this snapshot. */
    public boolean contains(final Partition partition) {
        for (final Partition candidate : partitions) {
            if (candidate == partition) {
                return true;
            }
        }
        return false;
    }

    /**
     * The snapshot of the next epoch, in which {@code children} replace {@code parents}. Cold path.
     *
     * @throws IllegalArgumentException when a parent is not in this snapshot or the result does not tile the key
     * space.
     */
    public RoutingTable replace(final List<Partition> parents, final List<Partition> children) {
        final List<Partition> next = new ArrayList<>(Arrays.asList(partitions));
        for (final Partition parent : parents) {
            if (!next.remove(parent)) {
                throw new IllegalArgumentException("partition is not routable [epoch=" + epoch + ", partition="
                    + parent + "]");
            }
        }
        next.addAll(children);
        return new RoutingTable(epoch + 1, next);
    }

    @Override
    public String toString() {
        return "RoutingTable [epoch=" + epoch + ", partitions=" + Arrays.toString(partitions) + "]";
    }
}
