package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.PresplitException;
import io.presplit.coordinate.CoordinatorLog;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Fault injection at every file-system call of a split and of a merge (STYLE.md §10): for N = 1, 2, ... the Nth
 * call of the transaction fails; the store is closed as it is, reopened, the coordinator log recovered, and the
 * result checked. The loop ends at the first N the transaction completes without reaching.
 */
@ExtendWith(LeakCheck.class)
final class FaultInjectionTest {
    private static final long SEGMENT_BYTES = 4 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    private static final int POINTS = 400;
    private static final long HALF = KeySpace.MAX_KEY / 2 + 1;
    private static final Txn FIRST_SPLIT = Txn.split(1, 0, HALF, 1, 1, 2, 2);
    private static final Txn MERGE = Txn.merge(2, 1, 2, 3, 3);

    @TempDir
    private Path directory;

    @AfterEach
    void disarm() {
        FileOps.disarm();
    }

    /**
     * Guards split crash safety step by step: whichever file-system call of prepare or commit fails (directory
     * creation, segment creation, each force, the rename, the committed mark, the seal), after reopen and
     * recovery no point is lost or duplicated, the key space is tiled, no directory of an aborted prepare is left,
     * and the outcome is all or nothing: the parent alone before the commit point, both children after it.
     */
    @Test
    void shouldRecoverEveryPointWhenAnyCallOfSplitFails() {
        final int calls = loopOverEveryCall(List.of(), FIRST_SPLIT);
        assertThat(calls).as("file-system calls a split makes").isGreaterThanOrEqualTo(10);
    }

    /** As {@link #shouldRecoverEveryPointWhenAnyCallOfSplitFails()}, for a merge of the two split children. */
    @Test
    void shouldRecoverEveryPointWhenAnyCallOfMergeFails() {
        final int calls = loopOverEveryCall(List.of(FIRST_SPLIT), MERGE);
        assertThat(calls).as("file-system calls a merge makes").isGreaterThanOrEqualTo(6);
    }

    /** Runs {@code txn} once per call number until it completes without hitting the injection; returns the count. */
    private int loopOverEveryCall(final List<Txn> setup, final Txn txn) {
        for (int n = 1; ; n++) {
            final Path run = directory.resolve("run-" + n);
            final Map<Double, Integer> written = new HashMap<>();
            boolean isCommitLogged = false;
            boolean isFired;
            try (LoadRecorder recorder = new LoadRecorder(2, 8)) {
                try (PartitionStore store = open(run, recorder);
                     CoordinatorLog log = CoordinatorLog.open(run.resolve("coordinator.log"))) {
                    final PartitionWriter writer = store.openWriter();
                    write(writer, 0, POINTS / 2, written);
                    for (final Txn done : setup) {
                        assertThat(CrashChild.run(store, log, done)).isEqualTo("DONE");
                    }
                    write(writer, POINTS / 2, POINTS, written);
                    FileOps.failNthCall(n);
                    try {
                        CrashChild.run(store, log, txn);
                    } catch (final PresplitException e) {
                        assertThat(e.getMessage()).as("n=%d", n).contains(FileOps.INJECTED_FAILURE);
                    }
                    isFired = FileOps.lastInjected() != null;
                    FileOps.disarm();
                    isCommitLogged = log.transactions().stream()
                        .anyMatch(state -> state.txn().equals(txn)
                            && state.outcome() != CoordinatorLog.Outcome.BEGUN
                            && state.outcome() != CoordinatorLog.Outcome.ABORTED);
                }
                verifyRecovery(run, recorder, written, txn, isCommitLogged, "n=" + n + " " + FileOps.lastInjected());
            } catch (final IOException e) {
                throw new AssertionError(e);
            }
            if (!isFired) {
                return n - 1;
            }
        }
    }

    private static void verifyRecovery(final Path run, final LoadRecorder recorder, final Map<Double, Integer> written,
        final Txn txn, final boolean isCommitted, final String context) throws IOException {
        try (PartitionStore store = open(run, recorder);
             CoordinatorLog log = CoordinatorLog.open(run.resolve("coordinator.log"))) {
            CrashChild.recover(store, log);
            final List<PartitionView> live = store.livePartitions();
            final List<Long> liveIds = live.stream().map(PartitionView::partitionId).toList();
            final List<Long> expectedChildren = txn.kind() == Txn.Kind.SPLIT
                ? List.of(txn.firstChildId(), txn.secondChildId()) : List.of(txn.firstChildId());
            if (isCommitted) {
                assertThat(liveIds).as(context).containsAll(expectedChildren);
            } else {
                assertThat(liveIds).as(context).doesNotContainAnyElementsOf(expectedChildren);
            }
            assertThat(live.getFirst().keyLo()).as(context).isEqualTo(KeySpace.MIN_KEY);
            assertThat(live.getLast().keyHi()).as(context).isEqualTo(KeySpace.MAX_KEY);
            for (int i = 1; i < live.size(); i++) {
                assertThat(live.get(i).keyLo()).as(context).isEqualTo(live.get(i - 1).keyHi() + 1);
            }
            final Map<Double, Integer> read = new HashMap<>();
            for (final PartitionView view : live) {
                store.scanPartition(view.partitionId(), (partitionId, record) -> read.merge(record.value(), 1,
                    Integer::sum));
            }
            assertThat(read).as("every point exactly once, %s", context).isEqualTo(written);
            try (Stream<Path> directories = Files.list(run.resolve("data").resolve(
                PartitionStore.PARTITIONS_DIRECTORY))) {
                final List<Path> all = new ArrayList<>(directories.toList());
                assertThat(all).as("no orphan partition directory, %s", context)
                    .hasSize(store.committedPartitionCount());
                for (final Path partition : all) {
                    try (Stream<Path> files = Files.list(partition)) {
                        assertThat(files.filter(file -> !file.getFileName().toString().endsWith(".log")).toList())
                            .as("no leftover temporary file, %s", context).isEmpty();
                    }
                }
            }
            assertThat(log.inDoubt()).as(context).isEmpty();
            // The recovered store takes writes again.
            store.openWriter().write("after-recovery", 1, -1.0);
        }
    }

    private static PartitionStore open(final Path run, final LoadRecorder recorder) {
        return PartitionStore.open(run.resolve("data"), recorder,
            // No background segment creation: its file-system calls would make call N nondeterministic.
            StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(SEGMENT_BYTES)
                .withPreallocatingSegments(false));
    }

    private static void write(final PartitionWriter writer, final int from, final int to,
        final Map<Double, Integer> written) {
        for (int i = from; i < to; i++) {
            writer.write("series-" + (i % 31), i, i);
            written.merge((double) i, 1, Integer::sum);
        }
    }
}
