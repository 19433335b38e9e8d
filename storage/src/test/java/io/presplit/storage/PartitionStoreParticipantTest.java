package io.presplit.storage;

import static io.presplit.storage.PartitionStoreTest.writeSeries;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.PartitionLog;
import io.presplit.storage.log.RecordEncoder;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The store as two-phase-commit participant: split, merge, abort, idempotence, votes and recovery. */
@ExtendWith(LeakCheck.class)
final class PartitionStoreParticipantTest {
    /** First key of the upper half of the key space. */
    private static final long HALF = KeySpace.MAX_KEY / 2 + 1;
    private static final Txn SPLIT = Txn.split(1, 0, HALF, 1, 1, 2, 2);
    private static final Txn MERGE = Txn.merge(2, 1, 2, 3, 3);

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(4, 8);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the split's effect on writes: after commit the routing epoch moves on, the children replace the
     * parent with the ranges and slots the transaction named, new points land in the child that owns their key
     * and are counted in its slot, and points written before stay in the parent. A writer holding the old
     * snapshot would still see the parent, which is why the parent is sealed.
     */
    @Test
    void shouldRouteWritesToChildrenWhenSplitCommits() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            writeSeries(writer, 40, 5);
            final RoutingTable before = store.routingTable();

            assertThat(store.prepare(SPLIT)).isTrue();
            assertThat(store.livePartitions()).hasSize(1);
            store.commit(SPLIT);
            writeSeries(writer, 40, 5);

            assertThat(store.livePartitions()).containsExactly(
                new PartitionView(1, KeySpace.MIN_KEY, HALF - 1, 1), new PartitionView(2, HALF, KeySpace.MAX_KEY, 2));
            assertThat(store.routingTable().epoch()).isEqualTo(before.epoch() + 1);
            assertThat(before.route(HALF).id()).isZero();
            assertThat(store.routingTable().route(HALF).id()).isEqualTo(2);
            assertThat(store.maxPartitionId()).isEqualTo(2);
            final Points points = new Points();
            store.scan(points);
            assertThat(points.all()).hasSize(400);
            final long lowerCount = points.all().stream()
                .filter(point -> point.partitionId() == 1)
                .peek(point -> assertThat(KeySpace.partitionKey(point.seriesKey())).isLessThan(HALF))
                .count();
            final long upperCount = points.all().stream()
                .filter(point -> point.partitionId() == 2)
                .peek(point -> assertThat(KeySpace.partitionKey(point.seriesKey())).isGreaterThanOrEqualTo(HALF))
                .count();
            assertThat(lowerCount + upperCount).isEqualTo(200);
            assertThat(points.all().stream().filter(point -> point.partitionId() == 0).count()).isEqualTo(200);
            assertThat(recorder.sumPoints(0)).isEqualTo(200);
            assertThat(recorder.sumPoints(1)).isEqualTo(lowerCount);
            assertThat(recorder.sumPoints(2)).isEqualTo(upperCount);
        }
    }

    /**
     * Guards the log-structured handoff: a split moves no data, so reading a child must include the parent's
     * sealed records in the child's range (and none outside it), and a series query must return every point
     * across the split exactly once, oldest (the parent's) first.
     */
    @Test
    void shouldReadParentDataInChildRangeWhenSplitCommitted() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            final List<Point> written = new ArrayList<>(writeSeries(writer, 40, 5));
            store.prepare(SPLIT);
            store.commit(SPLIT);
            written.addAll(writeSeries(writer, 40, 5));

            final Points lower = new Points();
            final Points upper = new Points();
            store.scanPartition(1, lower);
            store.scanPartition(2, upper);

            assertThat(lower.all()).allSatisfy(
                point -> assertThat(KeySpace.partitionKey(point.seriesKey())).isLessThan(HALF));
            assertThat(upper.all()).allSatisfy(
                point -> assertThat(KeySpace.partitionKey(point.seriesKey())).isGreaterThanOrEqualTo(HALF));
            final List<Point> union = new ArrayList<>(lower.written());
            union.addAll(upper.written());
            assertThat(union).containsExactlyInAnyOrderElementsOf(written);
            assertThat(lower.all()).anySatisfy(point -> assertThat(point.partitionId()).isZero());
            final Points series = new Points();
            store.query("series-7", 0, Long.MAX_VALUE, series);
            assertThat(series.written()).containsExactlyElementsOf(
                written.stream().filter(point -> point.seriesKey().equals("series-7")).toList());
        }
    }

    /**
     * Guards the merge, the mirror of the split: the merged partition replaces both parents, reads of it see
     * both parents' data and the grandparent's once (the siblings share it, so a naive lineage walk would read it
     * twice), and a full scan still sees every point once.
     */
    @Test
    void shouldReadEveryPointOnceWhenSiblingsMerge() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            final List<Point> written = new ArrayList<>(writeSeries(writer, 30, 3));
            store.prepare(SPLIT);
            store.commit(SPLIT);
            written.addAll(writeSeries(writer, 30, 3));

            assertThat(store.prepare(MERGE)).isTrue();
            store.commit(MERGE);
            written.addAll(writeSeries(writer, 30, 3));

            assertThat(store.livePartitions())
                .containsExactly(new PartitionView(3, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 3));
            assertThat(store.routingTable().epoch()).isEqualTo(3);
            final Points merged = new Points();
            store.scanPartition(3, merged);
            assertThat(merged.written()).containsExactlyInAnyOrderElementsOf(written);
            final Points all = new Points();
            store.scan(all);
            assertThat(all.written()).containsExactlyInAnyOrderElementsOf(written);
            final Points series = new Points();
            store.query("series-11", 0, Long.MAX_VALUE, series);
            assertThat(series.written()).containsExactlyElementsOf(
                written.stream().filter(point -> point.seriesKey().equals("series-11")).toList());
            assertThat(store.routingTable().route(0).lineage()).extracting(Partition::id)
                .containsExactly(0L, 1L, 2L, 3L);
        }
    }

    /**
     * Guards abort: the prepared children must disappear from disk and memory, routing must not change, and the
     * same transaction may be prepared again afterwards.
     */
    @Test
    void shouldLeaveNoChildDirectoryWhenAborted() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.prepare(SPLIT)).isTrue();
            assertThat(partitionDirectory(1)).isDirectory();
            assertThat(partitionDirectory(2)).isDirectory();

            store.abort(SPLIT);

            assertThat(partitionDirectory(1)).doesNotExist();
            assertThat(partitionDirectory(2)).doesNotExist();
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(0L);
            assertThat(store.routingTable().epoch()).isEqualTo(1);
            store.openWriter().write("cpu", 1, 1);
            assertThat(store.prepare(SPLIT)).isTrue();
        }
    }

    /**
     * Guards idempotence, which recovery relies on: repeating prepare votes the same and creates nothing new,
     * repeating commit publishes no further epoch and loses nothing, and abort of a transaction that prepared
     * nothing here is a no-op, even a malformed one (whose prepare threw) naming live partitions as children:
     * the coordinator aborts after any prepare failure and must not be stuck, nor delete what is not its own.
     */
    @Test
    void shouldChangeNothingWhenPrepareCommitOrAbortRepeats() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            final List<Point> written = new ArrayList<>(writeSeries(writer, 10, 2));

            assertThat(store.prepare(SPLIT)).isTrue();
            assertThat(store.prepare(SPLIT)).isTrue();
            store.commit(SPLIT);
            store.commit(SPLIT);
            assertThat(store.prepare(SPLIT)).isTrue();
            written.addAll(writeSeries(writer, 10, 2));
            store.abort(Txn.split(9, 1, HALF / 2, 7, 4, 8, 5));
            store.abort(Txn.split(9, 1, HALF / 2, 7, 4, 8, 5));
            store.abort(Txn.split(10, 1, HALF / 2, 1, 99, 2, 100));

            assertThat(store.routingTable().epoch()).isEqualTo(2);
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 2L);
            final Points points = new Points();
            store.scan(points);
            assertThat(points.written()).containsExactlyInAnyOrderElementsOf(written);
        }
    }

    /**
     * Guards the votes: prepare must vote abort, and create nothing, when the transaction cannot apply here: an
     * unknown parent, a sealed parent, a split key outside (lo, hi], merge parents that are not adjacent (or in
     * the wrong order), a parent with prepared children of another transaction, or a child id in use.
     */
    @Test
    void shouldVoteAbortAndCreateNothingWhenTransactionCannotApply() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.prepare(SPLIT);
            store.commit(SPLIT);
            final long quarter = HALF + HALF / 2;
            final Txn splitUpper = Txn.split(3, 2, quarter, 3, 3, 4, 4);
            store.prepare(splitUpper);
            store.commit(splitUpper);
            // Live now: 1 [0, HALF-1], 3 [HALF, quarter-1], 4 [quarter, MAX].

            assertThat(store.prepare(Txn.split(10, 42, 5, 10, 5, 11, 6))).as("unknown parent").isFalse();
            assertThat(store.prepare(Txn.split(10, 0, 5, 10, 5, 11, 6))).as("sealed parent").isFalse();
            assertThat(store.prepare(Txn.split(10, 1, 0, 10, 5, 11, 6))).as("split key = lo").isFalse();
            assertThat(store.prepare(Txn.split(10, 1, HALF, 10, 5, 11, 6))).as("split key > hi").isFalse();
            assertThat(store.prepare(Txn.merge(10, 1, 4, 10, 5))).as("not adjacent").isFalse();
            assertThat(store.prepare(Txn.merge(10, 3, 1, 10, 5))).as("wrong order").isFalse();
            assertThat(store.prepare(Txn.split(10, 1, 100, 3, 5, 11, 6))).as("child id in use").isFalse();
            assertThat(partitionDirectory(10)).doesNotExist();
            assertThat(partitionDirectory(11)).doesNotExist();

            assertThat(store.prepare(Txn.split(20, 1, HALF - 1, 20, 5, 21, 6))).as("split key = hi").isTrue();
            assertThat(store.prepare(Txn.merge(30, 1, 3, 30, 7))).as("pending children").isFalse();
            assertThat(partitionDirectory(30)).doesNotExist();
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 3L, 4L);
        }
    }

    /** Guards misuse: committing what was never prepared, and aborting what was committed, fail loudly. */
    @Test
    void shouldThrowWhenCommittingUnpreparedOrAbortingCommitted() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThatThrownBy(() -> store.commit(SPLIT)).isInstanceOf(PresplitException.class)
                .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo("TXN_NOT_PREPARED"));
            store.prepare(SPLIT);
            store.commit(SPLIT);
            assertThatThrownBy(() -> store.abort(SPLIT)).isInstanceOf(PresplitException.class)
                .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo("TXN_COMMITTED"));
            assertThatThrownBy(() -> store.prepare(Txn.split(5, 1, 10, 1, 1, 6, 6)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
            assertThatThrownBy(() -> store.prepare(Txn.split(5, 1, 10, 5, 1, 6, 99)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("load slot outside the recorder");
        }
    }

    /**
     * Guards restart after a split and a merge: the partitions, their lineage and the routing must come back from
     * the segment headers alone, so that every point is still found by scan and by series query.
     */
    @Test
    void shouldRestoreRoutingAndLineageWhenReopenedAfterSplitAndMerge() {
        final List<Point> written = new ArrayList<>();
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            written.addAll(writeSeries(writer, 20, 2));
            store.prepare(SPLIT);
            store.commit(SPLIT);
            written.addAll(writeSeries(writer, 20, 2));
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 2L);
            assertThat(store.maxPartitionId()).isEqualTo(2);
            final PartitionWriter writer = store.openWriter();
            written.addAll(writeSeries(writer, 20, 2));
            store.prepare(MERGE);
            store.commit(MERGE);
            written.addAll(writeSeries(writer, 20, 2));
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.livePartitions())
                .containsExactly(new PartitionView(3, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 3));
            final Points all = new Points();
            store.scan(all);
            assertThat(all.written()).containsExactlyInAnyOrderElementsOf(written);
            final Points series = new Points();
            store.query("series-5", 0, Long.MAX_VALUE, series);
            assertThat(series.written()).containsExactlyElementsOf(
                written.stream().filter(point -> point.seriesKey().equals("series-5")).toList());
        }
    }

    /**
     * Guards the in-doubt state across a restart: children prepared but not committed must come back as prepared
     * (not routable, parent still live), so that the coordinator's recovery can still commit or abort them.
     */
    @Test
    void shouldKeepPreparedChildrenInDoubtWhenReopenedBeforeCommit() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.prepare(SPLIT);
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(0L);
            assertThat(store.maxPartitionId()).isEqualTo(2);
            assertThat(store.prepare(SPLIT)).isTrue();
            store.commit(SPLIT);
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 2L);
        }
        final Txn splitLower = Txn.split(2, 1, HALF / 2, 5, 5, 6, 6);
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.prepare(splitLower);
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.abort(splitLower);
            assertThat(partitionDirectory(5)).doesNotExist();
            assertThat(partitionDirectory(6)).doesNotExist();
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 2L);
        }
    }

    /**
     * Guards recovery of a commit cut short by a crash after its commit point (a child marked committed) but
     * before the parent was sealed: the reopen must finish it, sealing the parent with the transaction's id, or
     * the children would hold data while the parent still took writes for the same keys.
     */
    @Test
    void shouldFinishCommitWhenReopenedAfterCrashInsideCommit() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            writeSeries(store.openWriter(), 5, 1);
            store.prepare(SPLIT);
        }
        SegmentFiles.writeLong(SegmentFiles.segment(dataDirectory, 1, 0), SegmentDescriptor.COMMITTED_OFFSET, 1);

        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 2L);
            store.commit(SPLIT);
            assertThat(store.routingTable().epoch()).isEqualTo(1);
            final Points points = new Points();
            store.scan(points);
            assertThat(points.all()).hasSize(5);
        }
        final Path parent = SegmentFiles.segment(dataDirectory, 0, 0);
        assertThat(SegmentFiles.readLong(parent, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_SEALED);
        assertThat(SegmentFiles.readLong(parent, SegmentDescriptor.SEALED_BY_TX_ID_OFFSET)).isEqualTo(SPLIT.txId());
        assertThat(SegmentFiles.readLong(SegmentFiles.segment(dataDirectory, 2, 0), SegmentDescriptor.COMMITTED_OFFSET))
            .isEqualTo(1);
    }

    /**
     * Guards recovery of a torn prepare: a child directory without a complete segment (a crash before the rename)
     * must be removed on open rather than fail it, since the coordinator will redo or abort the prepare.
     */
    @Test
    void shouldDeleteTornChildDirectoryWhenReopened() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.openWriter().write("cpu", 1, 1);
        }
        Files.createDirectories(partitionDirectory(9));
        Files.write(partitionDirectory(9).resolve(SegmentDescriptor.segmentTempFileName(0)), new byte[64]);

        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(partitionDirectory(9)).doesNotExist();
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(0L);
        }
    }

    /**
     * Guards the commit's deferred seal: when commit returns, the parent takes no write (a writer holding the old
     * routing snapshot gets SEALED and re-routes) although its header may still read OPEN on disk; the background
     * thread then makes the seal durable, naming the transaction.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldStopParentWritesAtCommitAndSealItOnDiskInBackground() throws IOException, InterruptedException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            writeSeries(writer, 5, 1);
            final PartitionLog parent = store.routingTable().partition(0).log();
            assertThat(store.prepare(SPLIT)).isTrue();
            store.commit(SPLIT);
            assertThat(parent.isSealed()).isTrue();
            final RecordEncoder encoder = new RecordEncoder();
            final int length = encoder.encode("late", 1, 1);
            assertThat(parent.append(encoder.record(), length)).isEqualTo(PartitionLog.SEALED);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!parent.isSealDurable()) {
                assertThat(System.nanoTime() - deadlineNs).as("background seal within 20 s").isNegative();
                Thread.sleep(1);
            }
            final Path segment = SegmentFiles.segment(dataDirectory, 0, 0);
            assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
                .isEqualTo(SegmentDescriptor.STATE_SEALED);
            assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEALED_BY_TX_ID_OFFSET))
                .isEqualTo(SPLIT.txId());
        }
    }

    /**
     * Guards prepares from blank partition directories: with the background worker's blanks ready, a split's
     * children are made by renaming them (no file created on the prepare's path), and they hold their points
     * across a reopen like any child; a reopen deletes blanks an earlier run left unused.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldMakeChildrenFromBlankDirectoriesAndDropLeftoverBlanksOnReopen()
        throws IOException, InterruptedException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            writeSeries(writer, 5, 1);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (store.readyBlanks() < PartitionStore.BLANK_TARGET) {
                assertThat(System.nanoTime() - deadlineNs).as("blanks ready within 20 s").isNegative();
                Thread.sleep(1);
            }
            assertThat(store.prepare(SPLIT)).isTrue();
            assertThat(store.childrenFromBlanks()).isEqualTo(2);
            store.commit(SPLIT);
            for (int i = 0; i < 10; i++) {
                writer.write("after-" + i, 100 + i, i);
            }
        }
        final Path leftover = dataDirectory.resolve(PartitionStore.BLANKS_DIRECTORY).resolve("spare-77");
        Files.createDirectories(leftover);
        Files.write(leftover.resolve(SegmentDescriptor.segmentFileName(0)), new byte[64]);

        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(leftover).doesNotExist();
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(1L, 2L);
            final Points points = new Points();
            store.scan(points);
            assertThat(points.all()).hasSize(5 + 10);
            assertThat(points.all()).extracting(Point::seriesKey).contains("after-0", "after-9");
        }
    }

    /**
     * Guards recovery of the state a crash leaves between a merge's commit point (the merged child's mark forced)
     * and the background seal of both parents: the reopen must seal both parents with the merge's id and route
     * the merged child alone, with every point once.
     */
    @Test
    void shouldSealBothParentsWhenReopenedAfterMergeCommitBeforeBackgroundSeal() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withPreallocatingSegments(false))) {
            writeSeries(store.openWriter(), 5, 1);
            assertThat(store.prepare(SPLIT)).isTrue();
            store.commit(SPLIT);
            writeSeries(store.openWriter(), 7, 2);
            assertThat(store.prepare(MERGE)).isTrue();
        }
        final Path merged = SegmentFiles.segment(dataDirectory, 3, 0);
        SegmentFiles.writeLong(merged, SegmentDescriptor.COMMITTED_EPOCH_OFFSET, 3);
        SegmentFiles.writeLong(merged, SegmentDescriptor.COMMITTED_OFFSET, 1);

        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(3L);
            assertThat(store.routingTable().epoch()).isEqualTo(3);
            store.commit(MERGE);
            final Points points = new Points();
            store.scan(points);
            assertThat(points.all()).hasSize(5 + 7 * 2);
        }
        for (final long parentId : List.of(1L, 2L)) {
            final Path parent = SegmentFiles.segment(dataDirectory, parentId, 0);
            assertThat(SegmentFiles.readLong(parent, SegmentDescriptor.SEAL_STATE_OFFSET))
                .isEqualTo(SegmentDescriptor.STATE_SEALED);
            assertThat(SegmentFiles.readLong(parent, SegmentDescriptor.SEALED_BY_TX_ID_OFFSET))
                .isEqualTo(MERGE.txId());
        }
    }

    /**
     * Guards recovery of a prepare whose batched forces never ran before the machine stopped: the child's segment
     * file exists with nothing on disk (all zero, or empty). Open must delete it as a torn prepare, not refuse the
     * store, since the coordinator will abort the prepare (or a redo commit finds the child missing and fails).
     */
    @Test
    void shouldDeleteChildWhoseCreationNeverReachedDiskWhenReopened() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.openWriter().write("cpu", 1, 1);
        }
        Files.createDirectories(partitionDirectory(9));
        Files.write(partitionDirectory(9).resolve(SegmentDescriptor.segmentFileName(0)),
            new byte[(int) SegmentDescriptor.MIN_SEGMENT_LENGTH]);
        Files.createDirectories(partitionDirectory(10));
        Files.write(partitionDirectory(10).resolve(SegmentDescriptor.segmentFileName(0)), new byte[0]);

        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(partitionDirectory(9)).doesNotExist();
            assertThat(partitionDirectory(10)).doesNotExist();
            assertThat(store.livePartitions()).extracting(PartitionView::partitionId).containsExactly(0L);
        }
    }

    /**
     * Guards the limit of that rule: a segment 0 whose header is zero but which holds other bytes may be a
     * committed partition that lost its header page; open must refuse with a clear error, never delete data.
     */
    @Test
    void shouldRefuseZeroHeaderSegmentThatHoldsData() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.openWriter().write("cpu", 1, 1);
        }
        final byte[] bytes = new byte[(int) SegmentDescriptor.MIN_SEGMENT_LENGTH];
        bytes[SegmentDescriptor.HEADER_LENGTH + 5] = 1;
        Files.createDirectories(partitionDirectory(9));
        Files.write(partitionDirectory(9).resolve(SegmentDescriptor.segmentFileName(0)), bytes);

        assertThatThrownBy(() -> PartitionStore.open(dataDirectory, recorder).close())
            .isInstanceOf(PresplitException.class)
            .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo(FileOps.STORAGE_CORRUPT))
            .hasMessageContaining("not a segment file of a known version");
    }

    private Path partitionDirectory(final long partitionId) {
        return dataDirectory.resolve(PartitionStore.PARTITIONS_DIRECTORY).resolve(Long.toString(partitionId));
    }
}
