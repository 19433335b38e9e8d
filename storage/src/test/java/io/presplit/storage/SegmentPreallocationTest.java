package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.PartitionLog;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Next segments created ahead of their roll: the writer stall on a roll, and the files a spare leaves behind. */
@ExtendWith(LeakCheck.class)
final class SegmentPreallocationTest {
    private static final long SEGMENT_BYTES = 4 * SegmentDescriptor.MIN_SEGMENT_LENGTH;

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(2, 8);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the roll stall fix: when the spare is ready, a roll must publish it instead of creating a file under
     * the log's lock (which makes every writer that finds the segment full wait for creation and forces); the
     * points written across the roll must all be read back after reopen.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRollOntoPreCreatedSegmentWhenSpareIsReady() throws InterruptedException {
        int written = 0;
        try (PartitionStore store = open()) {
            final PartitionWriter writer = store.openWriter();
            for (int roll = 0; roll < 3; roll++) {
                // The spare is asked for when the segment is half full (the first one) or at the roll (later ones).
                while (!waitUpTo(20, () -> store.routingTable().partition(0).log().hasSpare())) {
                    writer.write("series-" + (written % 5), written, written);
                    written++;
                }
                final long rollsBefore = store.rollsWithSpare();
                while (store.rollsWithSpare() == rollsBefore) {
                    writer.write("series-" + (written % 5), written, written);
                    written++;
                }
            }
            assertThat(store.rollsWithSpare()).isEqualTo(3);
            assertThat(store.rollsWithoutSpare()).isZero();
            assertThat(store.segmentPreallocationFailures()).isZero();
        }
        try (PartitionStore store = open()) {
            final int[] count = new int[1];
            store.scan((partitionId, record) -> count[0]++);
            assertThat(count[0]).isEqualTo(written);
        }
    }

    /**
     * Guards seal against the spare: sealing a partition must remove its unused spare (a segment after a SEALED
     * one would make the chain invalid; after a commit this happens once the background thread has made the
     * parent's seal durable), and a crash between the seal and that removal, which leaves the empty spare on
     * disk, must be repaired by open, not refused.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldDeleteUnusedSpareWhenPartitionIsSealedOrFoundAfterCrash() throws IOException, InterruptedException {
        final Path spare = SegmentFiles.segment(dataDirectory, 0, 1);
        final Path saved = dataDirectory.resolveSibling(dataDirectory.getFileName() + "-spare");
        int written = 0;
        try (PartitionStore store = open()) {
            final PartitionWriter writer = store.openWriter();
            while (!waitUpTo(20, () -> store.routingTable().partition(0).log().hasSpare())) {
                writer.write("series", written, 1.0);
                written++;
            }
            assertThat(store.rollsWithSpare() + store.rollsWithoutSpare()).isZero();
            Files.copy(spare, saved);
            final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2);
            final PartitionLog parent = store.routingTable().partition(0).log();
            assertThat(store.prepare(split)).isTrue();
            store.commit(split);
            // The commit seals the parent in memory; the seal's forces and the spare's removal follow in the
            // background.
            assertThat(parent.isSealed()).isTrue();
            awaitTrue(() -> parent.isSealDurable() && !Files.exists(spare));
        }
        // The state a crash between the seal and the spare's removal leaves.
        Files.move(saved, spare, StandardCopyOption.ATOMIC_MOVE);
        try (PartitionStore store = open()) {
            assertThat(spare).doesNotExist();
            final int[] count = new int[1];
            store.scan((partitionId, record) -> count[0]++);
            assertThat(count[0]).isEqualTo(written);
            assertThat(store.livePartitions()).hasSize(2);
        }
    }

    /**
     * Guards the fresh child's first spare: a commit asks for each child's next segment before any write reaches
     * the child, so a child written at its parent's rate rolls onto a ready segment (before, the request came at
     * half of its first segment, and under a busy commit the writer made its own file: the stall's maximum).
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldPrepareEachCommittedChildsFirstSpareBeforeAnyWrite() throws InterruptedException {
        try (PartitionStore store = open()) {
            final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2);
            assertThat(store.prepare(split)).isTrue();
            store.commit(split);
            final PartitionLog lower = store.routingTable().partition(0).log();
            final PartitionLog upper = store.routingTable().partition(1).log();
            awaitTrue(() -> lower.hasSpare() && upper.hasSpare());

            final PartitionWriter writer = store.openWriter();
            int written = 0;
            while (lower.rollsWithSpare() + lower.rollsWithoutSpare() == 0
                || upper.rollsWithSpare() + upper.rollsWithoutSpare() == 0) {
                writer.write("series-" + written, written, written);
                written++;
            }
            assertThat(store.rollsWithoutSpare()).isZero();
            assertThat(store.rollsWithSpare()).isEqualTo(2);
        }
    }

    private PartitionStore open() {
        return PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(SEGMENT_BYTES));
    }

    /** Whether {@code condition} became true within {@code millis}. */
    private static boolean waitUpTo(final long millis, final BooleanSupplier condition) throws InterruptedException {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadlineNs > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    private static void awaitTrue(final BooleanSupplier condition) throws InterruptedException {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadlineNs > 0) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(1);
        }
    }
}
