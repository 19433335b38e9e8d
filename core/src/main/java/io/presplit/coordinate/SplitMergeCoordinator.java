package io.presplit.coordinate;

import io.presplit.PresplitException;
import io.presplit.adjust.PartitionTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.monitor.MergeEvent;
import io.presplit.monitor.SplitEvent;
import io.presplit.monitor.TxnPhaseEvent;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import io.presplit.ring.DecisionHandler;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Turns split and merge decisions into two-phase-commit transactions against the partition store, and keeps the
 * control plane's partition table and load history in step with what committed.
 * <p>
 * Protocol (docs/ARCHITECTURE.md): BEGIN (logged, durable) → participant prepare (children created durably,
 * vote) → COMMIT (logged: the commit point) → participant commit (parents sealed, new routing epoch) → the
 * partition table and history follow → DONE (logged). A no vote or a failure before the commit point aborts:
 * ABORT is logged, the participant drops what it prepared, and the partition keeps its cooldown so that the
 * engine does not hammer it. After the commit point a failed participant commit leaves the transaction in doubt:
 * its parents are frozen and the commit is retried at later ticks with a doubling backoff until it succeeds; if the
 * process stops first, {@link #recover()} redoes it at the next start.
 * <p>
 * Decisions can take effect after a delay of whole ticks ({@link #decisionDelayTicks(int)}), as a real split
 * does: a decision drained after tick {@code t} closed is carried out once tick {@code t + delay} has closed. The
 * coordinator also counts thrash: a split undone by a merge of the same two children, or a merge undone by a split
 * of the merged partition, within {@link #thrashWindowTicks(int)} ticks.
 * <p>
 * Threading: the control thread. Cold path: each transaction allocates and forces the log.
 */
public final class SplitMergeCoordinator implements DecisionHandler {
    private static final Logger LOG = LoggerFactory.getLogger(SplitMergeCoordinator.class);
    /** Longest wait between two commit retries of an in-doubt transaction, in ticks. */
    private static final long MAX_BACKOFF_TICKS = 64;
    /** Cooldown that freezes the parents of an in-doubt transaction (about three centuries). */
    private static final long FROZEN_NS = Long.MAX_VALUE / 2;

    private final CoordinatorLog log;
    private final PartitionParticipant participant;
    private final PartitionTable partitions;
    private final LoadHistory history;
    private final NanoClock clock;
    private final LongSupplier cooldownNs;
    private final ArrayDeque<PendingDecision> pending = new ArrayDeque<>();
    private final ArrayDeque<InDoubtCommit> inDoubt = new ArrayDeque<>();
    private final Map<Long, Birth> births = new HashMap<>();
    private LineageListener lineageListener = LineageListener.NONE;
    private int decisionDelayTicks;
    private int thrashWindowTicks = 24;
    private long thrash;
    private long staleDecisions;
    private long nextTxId;
    private long nextPartitionId;
    private long splitsCommitted;
    private long mergesCommitted;
    private long aborts;
    private long failures;

    /**
     * @param log         the durable coordinator log.
     * @param participant the partition store.
     * @param partitions  the control plane's partition table.
     * @param history     the load history, seeded for new partitions.
     * @param clock       the control clock.
     * @param cooldownNs  the cooldown a changed partition gets (read at each transaction, so it may change).
     */
    public SplitMergeCoordinator(
        final CoordinatorLog log, final PartitionParticipant participant, final PartitionTable partitions,
        final LoadHistory history, final NanoClock clock, final LongSupplier cooldownNs) {
        this.log = log;
        this.participant = participant;
        this.partitions = partitions;
        this.history = history;
        this.clock = clock;
        this.cooldownNs = cooldownNs;
    }

    /**
     * Finishes what the log left in doubt (abort before the commit point, redo after it), then loads the live
     * partitions into the partition table. Call once, before the first decision.
     */
    public void recover() {
        for (final CoordinatorLog.TxnState state : log.inDoubt()) {
            final Txn txn = state.txn();
            if (state.outcome() == CoordinatorLog.Outcome.BEGUN) {
                participant.abort(txn);
                log.abort(txn);
                LOG.info("recovery aborted [txId={}, kind={}]", txn.txId(), txn.kind());
            } else {
                participant.commit(txn);
                log.done(txn);
                LOG.info("recovery redid commit [txId={}, kind={}]", txn.txId(), txn.kind());
            }
        }
        final long now = clock.nanoTime();
        for (final PartitionParticipant.PartitionView view : participant.livePartitions()) {
            partitions.add(view.partitionId(), view.keyLo(), view.keyHi(), view.loadSlot(), now);
        }
        nextTxId = log.maxTxId() + 1;
        nextPartitionId = Math.max(log.maxPartitionId(), participant.maxPartitionId()) + 1;
    }

    /**
     * Who hears of each new partition's slot once its history is seeded, with its lineage (the forecaster, so that
     * it starts the slot from its parents instead of from what it learned of the slot's previous occupant). Cold
     * path.
     */
    public void onNewPartition(final LineageListener listener) {
        this.lineageListener = listener;
    }

    /** Hears of the partitions splits and merges create, once their histories are seeded. Control thread. */
    public interface LineageListener {
        /** Hears nothing. */
        LineageListener NONE = new LineageListener() {
            @Override
            public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
            }

            @Override
            public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
                final double lowerShare) {
            }
        };

        /** A split gave {@code childSlot} the part {@code share} of {@code parentSlot}'s load. */
        void onSplitChild(int parentSlot, int childSlot, double share);

        /** A merge put {@code lowerSlot} ({@code lowerShare} of the load) and {@code upperSlot} into one. */
        void onMergedPartition(int lowerSlot, int upperSlot, int mergedSlot, double lowerShare);
    }

    /** Carries out decisions only after this many more ticks have closed (0 = at once). Cold path. */
    public void decisionDelayTicks(final int ticks) {
        if (ticks < 0) {
            throw new IllegalArgumentException("decision delay must not be negative [ticks=" + ticks + "]");
        }
        this.decisionDelayTicks = ticks;
    }

    /** A split and a merge that undo each other within this many ticks count as thrash. Cold path. */
    public void thrashWindowTicks(final int ticks) {
        if (ticks < 1) {
            throw new IllegalArgumentException("thrash window must be positive [ticks=" + ticks + "]");
        }
        this.thrashWindowTicks = ticks;
    }

    @Override
    public void onSplit(final int slot, final long splitKey) {
        if (decisionDelayTicks == 0) {
            splitNow(slot, splitKey);
        } else {
            pending.addLast(new PendingDecision(history.tickCount() + decisionDelayTicks, true, slot, -1, splitKey));
        }
    }

    @Override
    public void onMerge(final int lowerSlot, final int upperSlot) {
        if (decisionDelayTicks == 0) {
            mergeNow(lowerSlot, upperSlot);
        } else {
            pending.addLast(new PendingDecision(history.tickCount() + decisionDelayTicks, false, lowerSlot, upperSlot,
                -1));
        }
    }

    /**
     * Carries out the delayed decisions whose delay has passed, in the order they were made.
     *
     * @return the number carried out.
     */
    public int applyDue() {
        int applied = retryInDoubt();
        final long tick = history.tickCount();
        while (!pending.isEmpty() && pending.peekFirst().dueTick() <= tick) {
            final PendingDecision decision = pending.pollFirst();
            if (decision.isSplit()) {
                splitNow(decision.slot(), decision.splitKey());
            } else {
                mergeNow(decision.slot(), decision.otherSlot());
            }
            applied++;
        }
        return applied;
    }

    /** Decisions waiting for their delay to pass. */
    public int pendingDecisions() {
        return pending.size();
    }

    /**
     * Forgets how the live partitions were born, so that the changes made so far (an initial layout, say) never
     * count as thrash. Cold path.
     */
    public void forgetBirths() {
        births.clear();
    }

    /** Decisions dropped because the partitions they named had changed meanwhile. */
    public long staleDecisions() {
        return staleDecisions;
    }

    /** Splits undone by a merge, or merges undone by a split, within the thrash window. */
    public long thrash() {
        return thrash;
    }

    /**
     * Splits the partition in {@code slot} at {@code splitKey} now, whatever the delay: the admin path, and where
     * delayed decisions end up. Does nothing if the slot is no longer live; an abort or failure is counted.
     */
    public void splitNow(final int decidedSlot, final long splitKey) {
        // A multi-way split arrives as several keys for one slot: after the first, the key lies in a child.
        final int slot = partitions.isLive(decidedSlot) && partitions.keyLo(decidedSlot) < splitKey
            && splitKey <= partitions.keyHi(decidedSlot) ? decidedSlot : partitions.slotContaining(splitKey);
        if (slot < 0 || partitions.keyLo(slot) >= splitKey) {
            staleDecisions++;
            return;
        }
        final long tick = history.tickCount();
        final int lowerSlot = partitions.allocateSlot(tick);
        final int upperSlot = lowerSlot < 0 ? -1 : partitions.allocateSlot(tick);
        if (upperSlot < 0) {
            if (lowerSlot >= 0) {
                partitions.releaseSlot(lowerSlot, tick);
            }
            failures++;
            LOG.warn("split refused: no free load slot [partitionId={}]", partitions.partitionId(slot));
            return;
        }
        final long parentId = partitions.partitionId(slot);
        final SplitEvent split = new SplitEvent();
        split.begin();
        final Txn txn = Txn.split(nextTxId++, parentId, splitKey, nextPartitionId++, lowerSlot, nextPartitionId++,
            upperSlot);
        final double lowerShare = lowerShare(slot, splitKey);
        if (!prepare(txn, slot)) {
            partitions.releaseSlot(lowerSlot, tick);
            partitions.releaseSlot(upperSlot, tick);
            return;
        }
        final long lo = partitions.keyLo(slot);
        final long hi = partitions.keyHi(slot);
        commitThen(txn, new int[] {slot}, () -> finishSplit(txn, slot, lo, hi, lowerShare, split));
    }

    private void finishSplit(final Txn txn, final int slot, final long lo, final long hi, final double lowerShare,
        final SplitEvent split) {
        final long tick = history.tickCount();
        final long splitKey = txn.splitKey();
        final int lowerSlot = txn.firstChildSlot();
        final int upperSlot = txn.secondChildSlot();
        final long parentId = txn.firstParentId();
        final long now = clock.nanoTime();
        final long cooldownUntil = now + cooldownNs.getAsLong();
        partitions.retire(slot, tick);
        // A child still too hot may split again at once (that continues this split); merging it waits.
        partitions.add(txn.firstChildId(), lo, splitKey - 1, lowerSlot, cooldownUntil, now);
        partitions.add(txn.secondChildId(), splitKey, hi, upperSlot, cooldownUntil, now);
        history.seedFromParent(lowerSlot, slot, lowerShare);
        history.seedFromParent(upperSlot, slot, 1 - lowerShare);
        lineageListener.onSplitChild(slot, lowerSlot, lowerShare);
        lineageListener.onSplitChild(slot, upperSlot, 1 - lowerShare);
        final TxnPhaseEvent done = startPhase();
        logEnd(txn, true);
        endPhase(done, txn, "DONE");
        split.end();
        if (split.shouldCommit()) {
            split.txId = txn.txId();
            split.parentId = parentId;
            split.splitKey = splitKey;
            split.lowerChildId = txn.firstChildId();
            split.upperChildId = txn.secondChildId();
            split.lowerShare = lowerShare;
            split.commit();
        }
        splitsCommitted++;
        final Birth parentBirth = births.remove(parentId);
        if (parentBirth != null && parentBirth.kind() == Txn.Kind.MERGE
            && tick - parentBirth.tick() <= thrashWindowTicks) {
            thrash++;
        }
        births.put(txn.firstChildId(), new Birth(tick, txn.txId(), Txn.Kind.SPLIT));
        births.put(txn.secondChildId(), new Birth(tick, txn.txId(), Txn.Kind.SPLIT));
        LOG.info("split done [txId={}, parent={}, splitKey={}, lower={}, upper={}, lowerShare={}]", txn.txId(),
            parentId, splitKey, txn.firstChildId(), txn.secondChildId(), lowerShare);
    }

    /**
     * Merges the adjacent partitions in {@code lowerSlot} and {@code upperSlot} now, whatever the delay. Does
     * nothing if they are no longer live and adjacent; an abort or failure is counted.
     */
    public void mergeNow(final int lowerSlot, final int upperSlot) {
        if (!partitions.isLive(lowerSlot) || !partitions.isLive(upperSlot)
            || partitions.keyHi(lowerSlot) + 1 != partitions.keyLo(upperSlot)) {
            staleDecisions++;
            return;
        }
        final long tick = history.tickCount();
        final int mergedSlot = partitions.allocateSlot(tick);
        if (mergedSlot < 0) {
            failures++;
            LOG.warn("merge refused: no free load slot [lower={}, upper={}]", partitions.partitionId(lowerSlot),
                partitions.partitionId(upperSlot));
            return;
        }
        final MergeEvent merge = new MergeEvent();
        merge.begin();
        final Txn txn = Txn.merge(nextTxId++, partitions.partitionId(lowerSlot), partitions.partitionId(upperSlot),
            nextPartitionId++, mergedSlot);
        if (!prepare(txn, lowerSlot)) {
            partitions.cooldownUntilNs(upperSlot, partitions.cooldownUntilNs(lowerSlot));
            partitions.releaseSlot(mergedSlot, tick);
            return;
        }
        final long lo = partitions.keyLo(lowerSlot);
        final long hi = partitions.keyHi(upperSlot);
        commitThen(txn, new int[] {lowerSlot, upperSlot}, () -> finishMerge(txn, lowerSlot, upperSlot, lo, hi,
            merge));
    }

    /** The slot's ingest load in the last tick, 0 before its first (a partition created and merged at once). */
    private double lastLoad(final int slot) {
        return history.length(slot) > 0 ? history.value(Resource.INGEST_POINTS, slot, 0) : 0;
    }

    private void finishMerge(final Txn txn, final int lowerSlot, final int upperSlot, final long lo, final long hi,
        final MergeEvent merge) {
        final long tick = history.tickCount();
        final int mergedSlot = txn.firstChildSlot();
        partitions.retire(lowerSlot, tick);
        partitions.retire(upperSlot, tick);
        partitions.add(txn.firstChildId(), lo, hi, mergedSlot, clock.nanoTime() + cooldownNs.getAsLong());
        final double lowerLoad = lastLoad(lowerSlot);
        final double upperLoad = lastLoad(upperSlot);
        history.seedFromMerge(mergedSlot, lowerSlot, upperSlot);
        lineageListener.onMergedPartition(lowerSlot, upperSlot, mergedSlot,
            lowerLoad + upperLoad > 0 ? lowerLoad / (lowerLoad + upperLoad) : 0.5);
        final TxnPhaseEvent done = startPhase();
        logEnd(txn, true);
        endPhase(done, txn, "DONE");
        merge.end();
        if (merge.shouldCommit()) {
            merge.txId = txn.txId();
            merge.lowerParentId = txn.firstParentId();
            merge.upperParentId = txn.secondParentId();
            merge.mergedId = txn.firstChildId();
            merge.commit();
        }
        mergesCommitted++;
        final Birth lowerBirth = births.remove(txn.firstParentId());
        final Birth upperBirth = births.remove(txn.secondParentId());
        if (lowerBirth != null && upperBirth != null && lowerBirth.kind() == Txn.Kind.SPLIT
            && lowerBirth.txId() == upperBirth.txId() && tick - lowerBirth.tick() <= thrashWindowTicks) {
            thrash++;
        }
        births.put(txn.firstChildId(), new Birth(tick, txn.txId(), Txn.Kind.MERGE));
        LOG.info("merge done [txId={}, lower={}, upper={}, merged={}]", txn.txId(), txn.firstParentId(),
            txn.secondParentId(), txn.firstChildId());
    }

    /** Splits committed since start. */
    public long splitsCommitted() {
        return splitsCommitted;
    }

    /** Merges committed since start. */
    public long mergesCommitted() {
        return mergesCommitted;
    }

    /** Transactions aborted (a no vote or a failure before the commit point). */
    public long aborts() {
        return aborts;
    }

    /** Participant failures (exceptions), and decisions refused for want of a slot. */
    public long failures() {
        return failures;
    }

    /** BEGIN and prepare; on a no vote or a failure, abort and keep the partition cooling down. */
    private boolean prepare(final Txn txn, final int cooldownSlot) {
        final TxnPhaseEvent begin = startPhase();
        try {
            log.begin(txn);
        } catch (final PresplitException ex) {
            // Nothing has started: the participant was not asked, so there is nothing to abort.
            failures++;
            LOG.warn("BEGIN could not be logged, the transaction does not start [txId={}, kind={}, error={}]",
                txn.txId(), txn.kind(), ex.toString());
            partitions.cooldownUntilNs(cooldownSlot, clock.nanoTime() + cooldownNs.getAsLong());
            return false;
        }
        endPhase(begin, txn, "BEGIN");
        final TxnPhaseEvent phase = startPhase();
        boolean isYes;
        try {
            isYes = participant.prepare(txn);
        } catch (final PresplitException ex) {
            failures++;
            LOG.warn("prepare failed [txId={}, kind={}]", txn.txId(), txn.kind(), ex);
            isYes = false;
        }
        if (isYes) {
            endPhase(phase, txn, "PREPARED");
            return true;
        }
        try {
            participant.abort(txn);
        } catch (final PresplitException ex) {
            failures++;
            LOG.warn("abort failed, recovery will retry [txId={}]", txn.txId(), ex);
            return false;
        }
        logEnd(txn, false);
        aborts++;
        endPhase(phase, txn, "ABORT");
        partitions.cooldownUntilNs(cooldownSlot, clock.nanoTime() + cooldownNs.getAsLong());
        LOG.info("transaction aborted [txId={}, kind={}]", txn.txId(), txn.kind());
        return false;
    }

    /**
     * Logs COMMIT (the commit point) and asks the participant to commit; on success runs {@code finish}. On a
     * failure the transaction is in doubt: its parents are frozen (no decision touches them) and the participant's
     * commit is retried at later ticks with a doubling backoff ({@value #MAX_BACKOFF_TICKS} ticks at most), each
     * failure counted and logged, until it succeeds; recovery redoes it if the process stops first.
     */
    private void commitThen(final Txn txn, final int[] parentSlots, final Runnable finish) {
        final TxnPhaseEvent phase = startPhase();
        final boolean isLogged = tryLogCommit(txn, 1);
        if (isLogged && tryCommit(txn, 1)) {
            endPhase(phase, txn, "COMMIT");
            finish.run();
            return;
        }
        for (final int parentSlot : parentSlots) {
            partitions.cooldownUntilNs(parentSlot, clock.nanoTime() + FROZEN_NS);
        }
        inDoubt.addLast(new InDoubtCommit(txn, finish, 1, history.tickCount() + 1, isLogged));
    }

    /**
     * Logs COMMIT. A failure leaves the outcome unknown (the record may be on disk or not), so the transaction is
     * neither committed nor aborted: it stays prepared and in doubt, and logging COMMIT is retried with the commit.
     */
    private boolean tryLogCommit(final Txn txn, final int attempt) {
        try {
            log.commit(txn);
            return true;
        } catch (final PresplitException ex) {
            failures++;
            LOG.error("COMMIT could not be logged, the transaction stays prepared and will retry [txId={}, kind={}, "
                + "attempt={}, error={}]", txn.txId(), txn.kind(), attempt, ex.toString());
            return false;
        }
    }

    /**
     * Logs DONE ({@code isDone}) or ABORT, whose loss recovery repairs (it redoes the commit, or aborts again): a
     * failure is counted and logged, and the control loop goes on.
     */
    private void logEnd(final Txn txn, final boolean isDone) {
        try {
            if (isDone) {
                log.done(txn);
            } else {
                log.abort(txn);
            }
        } catch (final PresplitException ex) {
            failures++;
            LOG.warn("{} could not be logged, recovery repeats the transaction's end [txId={}, error={}]",
                isDone ? "DONE" : "ABORT", txn.txId(), ex.toString());
        }
    }

    /** Retries the in-doubt commits whose backoff has passed. */
    private int retryInDoubt() {
        int done = 0;
        final long tick = history.tickCount();
        for (int i = inDoubt.size(); i > 0; i--) {
            final InDoubtCommit retry = inDoubt.pollFirst();
            if (retry.dueTick() > tick) {
                inDoubt.addLast(retry);
                continue;
            }
            final int attempt = retry.attempts() + 1;
            final boolean isLogged = retry.isLogged() || tryLogCommit(retry.txn(), attempt);
            if (isLogged && tryCommit(retry.txn(), attempt)) {
                retry.finish().run();
                done++;
            } else {
                final long backoff = Math.min(MAX_BACKOFF_TICKS, 1L << Math.min(attempt, 20));
                inDoubt.addLast(new InDoubtCommit(retry.txn(), retry.finish(), attempt, tick + backoff, isLogged));
            }
        }
        return done;
    }

    private boolean tryCommit(final Txn txn, final int attempt) {
        try {
            participant.commit(txn);
            return true;
        } catch (final PresplitException ex) {
            failures++;
            LOG.error("commit failed after the commit point, will retry [txId={}, kind={}, attempt={}]", txn.txId(),
                txn.kind(), attempt, ex);
            return false;
        }
    }

    /** Transactions past their commit point whose participant commit has not succeeded yet. */
    public int inDoubtCommits() {
        return inDoubt.size();
    }

    private static TxnPhaseEvent startPhase() {
        final TxnPhaseEvent event = new TxnPhaseEvent();
        event.begin();
        return event;
    }

    /** Records a finished phase as a JFR event when a recording wants it. */
    private static void endPhase(final TxnPhaseEvent event, final Txn txn, final String phase) {
        event.end();
        if (event.shouldCommit()) {
            event.txId = txn.txId();
            event.kind = txn.kind().name();
            event.phase = phase;
            event.partitionId = txn.firstParentId();
            event.commit();
        }
    }

    /** Share of the parent's recent load below {@code splitKey}, from the key-bucket loads. */
    private double lowerShare(final int slot, final long splitKey) {
        final long lo = partitions.keyLo(slot);
        final long width = KeySpace.bucketWidth(lo, partitions.keyHi(slot));
        final int boundary = KeySpace.bucketOf(splitKey, lo, width);
        double below = 0;
        double total = 0;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            final double load = history.bucketLoad(slot, b);
            total += load;
            if (b < boundary) {
                below += load;
            }
        }
        return total > 0 ? below / total : (double) (splitKey - lo) / (partitions.keyHi(slot) - lo + 1.0);
    }

    /** A decision waiting for its delay. */
    private record PendingDecision(long dueTick, boolean isSplit, int slot, int otherSlot, long splitKey) {
    }

    /** A transaction past its commit point whose participant commit must be retried. */
    /** A prepared transaction whose commit did not complete; {@code isLogged}: its COMMIT record is on disk. */
    private record InDoubtCommit(Txn txn, Runnable finish, int attempts, long dueTick, boolean isLogged) {
    }

    /** How and when a partition was born, for thrash accounting. */
    private record Birth(long tick, long txId, Txn.Kind kind) {
    }
}
