package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.keyspace.KeySpace;
import io.presplit.storage.log.PartitionHeader;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.Test;

import java.util.List;

/** Routing snapshots: lookup, tiling checks, and the next epoch after a split or merge. */
final class RoutingTableTest {
    private static final long MID = KeySpace.MAX_KEY / 2 + 1;

    /**
     * Guards the binary search at every boundary: the first and last key of each range, and the extremes of the
     * key space, must route to the partition whose inclusive range holds them (an off-by-one sends writes to a
     * neighbour, which then holds keys outside its range).
     */
    @Test
    void shouldRouteKeyToPartitionWhoseRangeHoldsIt() {
        final Partition low = partition(1, KeySpace.MIN_KEY, 99);
        final Partition middle = partition(2, 100, MID - 1);
        final Partition high = partition(3, MID, KeySpace.MAX_KEY);
        final RoutingTable table = new RoutingTable(1, List.of(high, low, middle));

        assertThat(table.route(KeySpace.MIN_KEY)).isSameAs(low);
        assertThat(table.route(99)).isSameAs(low);
        assertThat(table.route(100)).isSameAs(middle);
        assertThat(table.route(MID - 1)).isSameAs(middle);
        assertThat(table.route(MID)).isSameAs(high);
        assertThat(table.route(KeySpace.MAX_KEY)).isSameAs(high);
        assertThat(table.size()).isEqualTo(3);
        assertThat(table.partition(0)).isSameAs(low);
        assertThat(table.partition(2)).isSameAs(high);
    }

    /**
     * Guards epochs: the next snapshot routes the parent's keys to the children, while a writer still holding the
     * old snapshot keeps routing to the parent (snapshots are immutable), and a merge folds them back.
     */
    @Test
    void shouldRouteByChildrenInNextEpochWhileOldSnapshotStaysUnchanged() {
        final Partition root = partition(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        final Partition lower = partition(1, KeySpace.MIN_KEY, MID - 1);
        final Partition upper = partition(2, MID, KeySpace.MAX_KEY);
        final Partition merged = partition(3, KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        final RoutingTable first = new RoutingTable(1, List.of(root));

        final RoutingTable second = first.replace(List.of(root), List.of(lower, upper));
        final RoutingTable third = second.replace(List.of(lower, upper), List.of(merged));

        assertThat(second.epoch()).isEqualTo(2);
        assertThat(second.route(MID - 1)).isSameAs(lower);
        assertThat(second.route(MID)).isSameAs(upper);
        assertThat(first.route(MID)).isSameAs(root);
        assertThat(first.contains(root)).isTrue();
        assertThat(second.contains(root)).isFalse();
        assertThat(third.epoch()).isEqualTo(3);
        assertThat(third.route(MID)).isSameAs(merged);
    }

    /**
     * Guards the tiling invariant: a snapshot with a gap would leave keys without a partition (the search would
     * silently pick a neighbour), and one with an overlap would split a key's data across two partitions.
     */
    @Test
    void shouldRejectPartitionsWhenTheyDoNotTileTheKeySpace() {
        final Partition low = partition(1, KeySpace.MIN_KEY, 99);
        final Partition gapped = partition(2, 101, KeySpace.MAX_KEY);
        final Partition overlapping = partition(3, 50, KeySpace.MAX_KEY);
        final Partition tooShort = partition(4, 100, 200);

        assertThatThrownBy(() -> new RoutingTable(1, List.of(low, gapped)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not tile the key space");
        assertThatThrownBy(() -> new RoutingTable(1, List.of(low, overlapping)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expectedKeyLo=100");
        assertThatThrownBy(() -> new RoutingTable(1, List.of(low, tooShort)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("do not tile the key space");
        assertThatThrownBy(() -> new RoutingTable(1, List.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one partition");
        final RoutingTable whole = new RoutingTable(1, List.of(partition(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY)));
        assertThatThrownBy(() -> whole.replace(List.of(gapped), List.of()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partition is not routable");
    }

    private static Partition partition(final long id, final long keyLo, final long keyHi) {
        final PartitionHeader header = new PartitionHeader(id, (int) id, SegmentDescriptor.NONE,
            SegmentDescriptor.NONE, SegmentDescriptor.NONE, keyLo, keyHi, 1);
        return new Partition(header, null, null, null);
    }
}
