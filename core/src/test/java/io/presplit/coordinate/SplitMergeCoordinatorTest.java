package io.presplit.coordinate;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.PresplitException;
import io.presplit.adjust.PartitionTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

class SplitMergeCoordinatorTest {
    private static final long COOLDOWN_NS = 500;

    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final LoadHistory history = new LoadHistory(16, 8, 0.5);
    private final PartitionTable table = new PartitionTable(16);
    private final FakeParticipant store = new FakeParticipant();

    @AfterEach
    void close() {
        history.close();
    }

    /** Guards the happy path: a committed split replaces the parent by two children over its range, logged DONE. */
    @Test
    void shouldReplaceParentByChildrenWhenSplitCommits() {
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            clock.update(1000);
            coordinator.onSplit(0, 1L << 40);

            assertThat(table.liveCount()).isEqualTo(2);
            final int lower = table.liveSlot(0);
            final int upper = table.liveSlot(1);
            assertThat(table.keyLo(lower)).isZero();
            assertThat(table.keyHi(lower)).isEqualTo((1L << 40) - 1);
            assertThat(table.keyLo(upper)).isEqualTo(1L << 40);
            assertThat(table.keyHi(upper)).isEqualTo(KeySpace.MAX_KEY);
            assertThat(table.cooldownUntilNs(lower)).as("no merge back before the cooldown ends")
                .isEqualTo(1000 + COOLDOWN_NS);
            assertThat(table.splitHoldUntilNs(upper)).as("a child still too hot may split again at once")
                .isEqualTo(1000);
            assertThat(store.calls).containsExactly("prepare 0", "commit 0");
            assertThat(log.transactions()).extracting(CoordinatorLog.TxnState::outcome)
                .containsExactly(CoordinatorLog.Outcome.DONE);
            assertThat(coordinator.splitsCommitted()).isEqualTo(1);
        }
    }

    /** Guards multi-way splits: a second key for the same, now retired, slot splits the child that holds it. */
    @Test
    void shouldSplitTheChildHoldingTheKeyWhenASecondKeyArrivesForARetiredSlot() {
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            coordinator.onSplit(0, 1L << 40);
            coordinator.onSplit(0, 1L << 50);

            assertThat(table.liveCount()).isEqualTo(3);
            assertThat(table.keyLo(table.liveSlot(1))).isEqualTo(1L << 40);
            assertThat(table.keyLo(table.liveSlot(2))).isEqualTo(1L << 50);
            assertThat(coordinator.splitsCommitted()).isEqualTo(2);
            assertThat(coordinator.staleDecisions()).isZero();
        }
    }

    /** Guards observability: each phase of a committed split is a presplit.TxnPhase JFR event, in order. */
    @Test
    void shouldEmitAJfrEventPerPhaseWhenRecording() throws Exception {
        final Path jfr = dir.resolve("phases.jfr");
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"));
             jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("presplit.TxnPhase");
            recording.start();
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            coordinator.onSplit(0, 1L << 40);
            recording.stop();
            recording.dump(jfr);
        }
        final List<String> phases = new ArrayList<>();
        for (final jdk.jfr.consumer.RecordedEvent event : jdk.jfr.consumer.RecordingFile.readAllEvents(jfr)) {
            // Presplit's other events (presplit.Split, ...) are enabled by default and land in the file too.
            if (!event.getEventType().getName().equals("presplit.TxnPhase")) {
                continue;
            }
            phases.add(event.getString("kind") + " " + event.getString("phase") + " " + event.getLong("txId"));
        }
        assertThat(phases).containsExactly("SPLIT BEGIN 0", "SPLIT PREPARED 0", "SPLIT COMMIT 0", "SPLIT DONE 0");
    }

    /**
     * Guards the commit point: a participant commit that fails after COMMIT is logged is never abandoned or
     * hammered. The parent is frozen, the commit is retried at later ticks with a growing backoff, each failure is
     * counted, and the split finishes when the participant recovers.
     */
    @Test
    void shouldRetryAnInDoubtCommitWithBackoffUntilItSucceeds() {
        store.commitFailuresLeft = 2;
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            clock.update(1000);
            coordinator.onSplit(0, 1L << 40);

            assertThat(coordinator.inDoubtCommits()).isEqualTo(1);
            assertThat(table.liveCount()).as("nothing applied before the commit succeeds").isEqualTo(1);
            assertThat(table.cooldownUntilNs(0)).as("the parent is frozen").isGreaterThan(Long.MAX_VALUE / 4);
            assertThat(log.inDoubt()).singleElement().extracting(CoordinatorLog.TxnState::outcome)
                .isEqualTo(CoordinatorLog.Outcome.COMMITTED);

            nextTick();
            coordinator.applyDue();
            assertThat(coordinator.inDoubtCommits()).as("second attempt fails too").isEqualTo(1);
            nextTick();
            coordinator.applyDue();
            assertThat(store.calls).as("backing off: no attempt one tick after the second").hasSize(3);
            for (int t = 0; t < 4; t++) {
                nextTick();
                coordinator.applyDue();
            }
            assertThat(coordinator.inDoubtCommits()).isZero();
            assertThat(table.liveCount()).isEqualTo(2);
            assertThat(coordinator.failures()).isEqualTo(2);
            assertThat(coordinator.splitsCommitted()).isEqualTo(1);
            assertThat(store.calls).containsExactly("prepare 0", "commit 0", "commit 0", "commit 0");
            assertThat(log.inDoubt()).isEmpty();
        }
    }

    /** Guards abort handling: a no vote leaves the partition map unchanged, logs ABORT and keeps the cooldown. */
    @Test
    void shouldAbortAndKeepCooldownWhenParticipantVotesNo() {
        store.isVotingNo = true;
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            clock.update(2000);
            coordinator.onSplit(0, 1L << 40);

            assertThat(table.liveCount()).isEqualTo(1);
            assertThat(table.cooldownUntilNs(0)).isEqualTo(2000 + COOLDOWN_NS);
            assertThat(store.calls).containsExactly("prepare 0", "abort 0");
            assertThat(log.transactions()).extracting(CoordinatorLog.TxnState::outcome)
                .containsExactly(CoordinatorLog.Outcome.ABORTED);
            assertThat(coordinator.aborts()).isEqualTo(1);
        }
    }

    /** Guards against a participant failure escaping or being swallowed: it is counted, and the split aborted. */
    @Test
    void shouldCountFailureAndAbortWhenPrepareThrows() {
        store.isFailingPrepare = true;
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            coordinator.onSplit(0, 1L << 40);
            assertThat(coordinator.failures()).isEqualTo(1);
            assertThat(coordinator.aborts()).isEqualTo(1);
            assertThat(table.liveCount()).isEqualTo(1);
        }
    }

    /**
     * Guards the control loop against a log that cannot be written (a full or failing disk), at each record. BEGIN:
     * the transaction does not start (the participant is never asked), the failure is counted and the partition
     * cools down. ABORT: the abort stands (recovery aborts again). COMMIT: the outcome is unknown, so the
     * transaction is neither committed nor aborted; it stays prepared, in doubt, its parent frozen, and logging
     * COMMIT is retried with it. None of them throws.
     */
    @Test
    void shouldCountALogThatCannotBeWrittenAndNeverCommitWithoutTheCommitRecord() {
        final CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"));
        final SplitMergeCoordinator coordinator = coordinator(log);
        coordinator.recover();
        clock.update(3000);
        store.onPrepare = log::close;
        store.isVotingNo = true;
        coordinator.onSplit(0, 1L << 40);
        assertThat(store.calls).containsExactly("prepare 0", "abort 0");
        assertThat(coordinator.aborts()).isEqualTo(1);
        assertThat(coordinator.failures()).as("ABORT not logged").isEqualTo(1);

        coordinator.onSplit(0, 1L << 40);
        assertThat(store.calls).as("BEGIN not logged: not started").hasSize(2);
        assertThat(coordinator.failures()).isEqualTo(2);
        assertThat(table.cooldownUntilNs(0)).isEqualTo(3000 + COOLDOWN_NS);
    }

    /** The COMMIT half of the test above: a prepared split whose COMMIT cannot be logged. */
    @Test
    void shouldKeepAPreparedSplitInDoubtWhileItsCommitRecordCannotBeWritten() {
        final CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"));
        final SplitMergeCoordinator committing = coordinator(log);
        committing.recover();
        store.onPrepare = log::close;
        committing.onSplit(0, 1L << 40);
        for (int t = 0; t < 6; t++) {
            nextTick();
            committing.applyDue();
        }
        assertThat(store.calls).as("never committed without a COMMIT record").containsExactly("prepare 0");
        assertThat(committing.inDoubtCommits()).isEqualTo(1);
        assertThat(table.liveCount()).isEqualTo(1);
        assertThat(committing.failures()).as("each attempt to log COMMIT counted").isGreaterThan(1);
    }

    /** Guards crash recovery: BEGIN without COMMIT is aborted, COMMIT without DONE is redone. */
    @Test
    void shouldAbortUncommittedAndRedoCommittedWhenRecovering() {
        final Path file = dir.resolve("coordinator.log");
        final Txn uncommitted = Txn.split(0, 0, 1L << 40, 1, 1, 2, 2);
        final Txn committed = Txn.merge(1, 3, 4, 5, 3);
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            log.begin(uncommitted);
            log.begin(committed);
            log.commit(committed);
        }
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            assertThat(store.calls).containsExactly("abort 0", "commit 1");
            assertThat(log.inDoubt()).isEmpty();
        }
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            assertThat(log.transactions()).extracting(CoordinatorLog.TxnState::outcome)
                .containsExactly(CoordinatorLog.Outcome.ABORTED, CoordinatorLog.Outcome.DONE);
            assertThat(log.maxTxId()).isEqualTo(1);
            assertThat(log.maxPartitionId()).isEqualTo(5);
        }
    }

    /** Guards the replay's fairness rule: a delayed decision changes nothing until its delay has passed. */
    @Test
    void shouldCarryOutADecisionOnlyAfterItsDelayWhenDelayed() {
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            coordinator.decisionDelayTicks(1);
            coordinator.onSplit(0, 1L << 40);

            assertThat(coordinator.applyDue()).isZero();
            assertThat(table.liveCount()).isEqualTo(1);
            assertThat(coordinator.pendingDecisions()).isEqualTo(1);

            nextTick();
            assertThat(coordinator.applyDue()).isEqualTo(1);
            assertThat(table.liveCount()).isEqualTo(2);
            assertThat(store.calls).containsExactly("prepare 0", "commit 0");
        }
    }

    /** Guards the thrash count: merging the two children of a recent split undoes it and counts once. */
    @Test
    void shouldCountThrashWhenAMergeUndoesARecentSplit() {
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            coordinator.thrashWindowTicks(4);
            coordinator.onSplit(0, 1L << 40);
            nextTick();
            nextTick();
            coordinator.onMerge(table.liveSlot(0), table.liveSlot(1));

            assertThat(coordinator.mergesCommitted()).isEqualTo(1);
            assertThat(coordinator.thrash()).isEqualTo(1);
        }
    }

    /** Guards against counting ordinary life as thrash: a merge long after the split is not thrash. */
    @Test
    void shouldNotCountThrashWhenTheMergeComesAfterTheWindow() {
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            coordinator.recover();
            coordinator.thrashWindowTicks(2);
            coordinator.onSplit(0, 1L << 40);
            for (int t = 0; t < 3; t++) {
                nextTick();
            }
            coordinator.onMerge(table.liveSlot(0), table.liveSlot(1));

            assertThat(coordinator.mergesCommitted()).isEqualTo(1);
            assertThat(coordinator.thrash()).isZero();
        }
    }

    /**
     * Guards the forecasters' lineage: once a split's children are seeded, the listener hears each child with its
     * parent and its share, the shares summing to one; a merge's listener hears the merged slot and the lower part's
     * share of the last tick's load.
     */
    @Test
    void shouldTellTheLineageListenerEachNewPartitionsParentsAndShares() {
        try (CoordinatorLog log = CoordinatorLog.open(dir.resolve("coordinator.log"))) {
            final SplitMergeCoordinator coordinator = coordinator(log);
            final List<String> heard = new ArrayList<>();
            final double[] shares = new double[2];
            coordinator.onNewPartition(new SplitMergeCoordinator.LineageListener() {
                @Override
                public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
                    shares[heard.size()] = share;
                    heard.add("split " + parentSlot + " -> " + childSlot);
                }

                @Override
                public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
                    final double lowerShare) {
                    heard.add("merge " + lowerSlot + " + " + upperSlot + " -> " + mergedSlot + " at " + lowerShare);
                }
            });
            coordinator.recover();
            coordinator.onSplit(0, 1L << 40);
            final int lower = table.liveSlot(0);
            final int upper = table.liveSlot(1);
            nextTick();
            nextTick();
            nextTick();
            coordinator.onMerge(lower, upper);

            final int merged = table.liveSlot(0);
            assertThat(heard).containsExactly("split 0 -> " + lower, "split 0 -> " + upper,
                "merge " + lower + " + " + upper + " -> " + merged + " at 0.5");
            assertThat(shares[0] + shares[1]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-12));
        }
    }

    private void nextTick() {
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        for (int slot = 0; slot < table.highWaterSlot(); slot++) {
            history.writeRow(slot, 10, 10, 0, buckets);
        }
        history.completeTick();
    }

    private SplitMergeCoordinator coordinator(final CoordinatorLog log) {
        final long[] tick = new long[KeySpace.BUCKET_COUNT];
        history.writeRow(0, 10, 10, 0, tick);
        history.completeTick();
        return new SplitMergeCoordinator(log, store, table, history, clock, () -> COOLDOWN_NS);
    }

    /** An in-memory participant with one live partition over the whole key space. */
    private static final class FakeParticipant implements PartitionParticipant {
        final List<String> calls = new ArrayList<>();
        boolean isVotingNo;
        boolean isFailingPrepare;
        int commitFailuresLeft;
        /** Runs in prepare, after the BEGIN record: a test's way to make the log fail from then on. */
        Runnable onPrepare = () -> { };

        @Override
        public boolean prepare(final Txn txn) {
            calls.add("prepare " + txn.txId());
            onPrepare.run();
            if (isFailingPrepare) {
                throw new PresplitException(PresplitException.Category.ERROR, "TEST", "injected");
            }
            return !isVotingNo;
        }

        @Override
        public void commit(final Txn txn) {
            calls.add("commit " + txn.txId());
            if (commitFailuresLeft > 0) {
                commitFailuresLeft--;
                throw new PresplitException(PresplitException.Category.ERROR, "TEST", "injected commit failure");
            }
        }

        @Override
        public void abort(final Txn txn) {
            calls.add("abort " + txn.txId());
        }

        @Override
        public List<PartitionView> livePartitions() {
            return List.of(new PartitionView(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0));
        }

        @Override
        public long maxPartitionId() {
            return 0;
        }
    }
}
