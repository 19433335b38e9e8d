package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** The three durability modes: what a write's return means, and what each mode costs the store. */
@ExtendWith(LeakCheck.class)
final class DurabilityTest {
    private static final long SMALL_SEGMENT_BYTES = 4 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    private static final int POINTS_PER_WRITER = 600;

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(4, 16);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards each mode end to end: two threads write across segment rolls and a split committed mid-way; after
     * close and reopen every point is there exactly once. A group commit that skipped a rolled segment or a new
     * child, or a writer stuck waiting for a force that never comes, fails here (the timeout catches the latter).
     */
    @ParameterizedTest
    @EnumSource(Durability.class)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldReadBackEveryPointAfterReopenWhenWrittenUnderEachDurability(final Durability durability)
        throws InterruptedException {
        final StoreOptions options = StoreOptions.of(durability).withSegmentLengthBytes(SMALL_SEGMENT_BYTES);
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder, options)) {
            final Thread[] writers = new Thread[2];
            for (int w = 0; w < writers.length; w++) {
                final PartitionWriter writer = store.openWriter();
                final int id = w;
                writers[w] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < POINTS_PER_WRITER; i++) {
                        writer.write("w" + id + "-s" + (i % 13), i, id * POINTS_PER_WRITER + i);
                    }
                });
            }
            assertThat(store.prepare(Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2))).isTrue();
            store.commit(Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2));
            for (final Thread writer : writers) {
                writer.join();
            }
            assertThat(store.groupCommitFailures()).isZero();
            if (durability == Durability.GROUP) {
                assertThat(store.groupCommitBatches()).isPositive();
            } else {
                assertThat(store.groupCommitBatches()).isZero();
            }
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder, options)) {
            final Set<Double> values = new HashSet<>();
            final int[] count = new int[1];
            store.scan((partitionId, record) -> {
                values.add(record.value());
                count[0]++;
            });
            assertThat(count[0]).isEqualTo(2 * POINTS_PER_WRITER);
            assertThat(values).hasSize(2 * POINTS_PER_WRITER);
        }
    }

    /**
     * Guards the acknowledgement contract of group commit when a force fails: the writer waiting on it must get a
     * clear error rather than return as if the point were durable, the failure must be counted, and later writers
     * must fail too instead of hanging.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldFailWritersAndCountWhenGroupCommitForceFails() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.GROUP).withPreallocatingSegments(false))) {
            final PartitionWriter writer = store.openWriter();
            writer.write("series", 1, 1.0);
            FileOps.failNthCall(1);
            try {
                assertThatThrownBy(() -> writer.write("series", 2, 2.0))
                    .isInstanceOf(PresplitException.class)
                    .hasMessageContaining("group commit force failed")
                    .hasMessageContaining(FileOps.INJECTED_FAILURE);
            } finally {
                FileOps.disarm();
            }
            assertThat(store.groupCommitFailures()).isEqualTo(1);
            assertThatThrownBy(() -> writer.write("series", 3, 3.0)).isInstanceOf(PresplitException.class);
        }
    }

    /** Guards option validation: a negative or absurd group delay is refused before anything is opened. */
    @Test
    void shouldRejectInvalidGroupCommitDelayWhenBuildingOptions() {
        assertThatThrownBy(() -> StoreOptions.of(Durability.GROUP).withGroupCommitMaxDelayNs(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("groupCommitMaxDelayNs=-1");
        assertThatThrownBy(() -> StoreOptions.of(Durability.GROUP).withGroupCommitMaxDelayNs(2_000_000_000L))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
