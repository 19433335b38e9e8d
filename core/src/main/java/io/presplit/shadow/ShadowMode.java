package io.presplit.shadow;

import io.presplit.adjust.AdjustmentPolicy;
import io.presplit.adjust.PartitionAdjustmentEngine;
import io.presplit.adjust.PartitionTable;
import io.presplit.agent.ControlAgent;
import io.presplit.capacity.CapacityPlan;
import io.presplit.coordinate.CoordinatorLog;
import io.presplit.coordinate.PartitionParticipant;
import io.presplit.coordinate.SplitMergeCoordinator;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import io.presplit.ring.OneToOneDecisionRing;
import org.agrona.CloseHelper;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Shadow mode: a candidate policy (thresholds, limits, forecaster) decides against a shadow partition map beside
 * the active one, on the load that actually arrives, and is scored against the active map over the same ticks.
 * Nothing it decides reaches the store.
 * <p>
 * How: the shadow map starts as a copy of the active one. Each tick, the load of every shadow partition (and of each
 * of its key buckets) is estimated from the active partitions that overlap it: an active partition's tick load is
 * spread over its key buckets in proportion to its recent bucket loads, and each bucket's share is split by the
 * length of its overlap with the shadow range. The shadow then runs the same control loop as the active map
 * (forecast, adjustment step, decision ring, coordinator with the same delay, seeding and thrash accounting) over
 * an in-memory participant that accepts every transaction. Accuracy is that of the bucket resolution: the shadow's
 * figures are estimates, the active's are measured.
 * <p>
 * The shadow's history starts when it starts. Threading: the control thread, once per closed tick, before the
 * active map's decisions for that tick. Cold path: it allocates a little per transaction, like the coordinator.
 */
public final class ShadowMode implements AutoCloseable {
    private static final int DECISION_RING_BYTES = 64 * 1024;

    private final PartitionTable active;
    private final LoadHistory activeHistory;
    private final CapacityPlan capacity;
    private final PartitionTable shadow;
    private final LoadHistory shadowHistory;
    private final OneToOneDecisionRing decisions;
    private final CoordinatorLog log;
    private final SplitMergeCoordinator coordinator;
    private final ControlAgent control;
    private final long[] bucketPoints = new long[KeySpace.BUCKET_COUNT];
    /** Scratch for {@link #overlapShares}: points, bytes, query cost. */
    private final double[] shares = new double[3];
    private long ticks;
    private long partitionTicks;
    private long saturated;
    private long activePartitionTicks;
    private long activeSaturated;

    /**
     * Starts a shadow beside the active map.
     *
     * @param active             the active partition table (read only).
     * @param activeHistory      the active load history (read only).
     * @param capacity           capacity per partition (shared with the active map).
     * @param candidate          the candidate thresholds and limits.
     * @param forecaster         the candidate forecaster; the shadow closes it.
     * @param horizonTicks       the candidate's horizon.
     * @param decisionDelayTicks ticks between a shadow decision and its effect (as for the active map).
     * @param thrashWindowTicks  the thrash window.
     * @param logFile            the shadow coordinator's log (replaced: a shadow does not survive a restart).
     * @param clock              the control clock.
     */
    public ShadowMode(
        final PartitionTable active, final LoadHistory activeHistory, final CapacityPlan capacity,
        final AdjustmentPolicy candidate, final Forecaster forecaster, final int horizonTicks,
        final int decisionDelayTicks, final int thrashWindowTicks, final Path logFile, final NanoClock clock)
        throws IOException {
        this.active = active;
        this.activeHistory = activeHistory;
        this.capacity = capacity;
        this.shadow = new PartitionTable(active.slotCapacity());
        this.shadowHistory = new LoadHistory(active.slotCapacity(), activeHistory.ticksRetained(), 0.8);
        this.decisions = new OneToOneDecisionRing(DECISION_RING_BYTES);
        Files.deleteIfExists(logFile);
        this.log = CoordinatorLog.open(logFile);
        final List<PartitionParticipant.PartitionView> views = new ArrayList<>();
        long maxId = -1;
        for (int i = 0; i < active.liveCount(); i++) {
            final int slot = active.liveSlot(i);
            views.add(new PartitionParticipant.PartitionView(active.partitionId(slot), active.keyLo(slot),
                active.keyHi(slot), slot));
            maxId = Math.max(maxId, active.partitionId(slot));
        }
        final PartitionAdjustmentEngine engine = new PartitionAdjustmentEngine(shadow, candidate);
        this.coordinator = new SplitMergeCoordinator(log, new ShadowParticipant(views, maxId), shadow, shadowHistory,
            clock, () -> engine.policy().cooldownNs());
        coordinator.recover();
        coordinator.decisionDelayTicks(decisionDelayTicks);
        coordinator.thrashWindowTicks(thrashWindowTicks);
        this.control = new ControlAgent(shadowHistory, shadow, forecaster,
            new ForecastTable(active.slotCapacity(), forecaster.schedule(shadowHistory, horizonTicks), horizonTicks),
            engine, capacity, decisions, coordinator, clock,
            true);
    }

    /**
     * Estimates the shadow partitions' load for the tick the active history just closed, scores both maps, then
     * runs the shadow's control loop. Call once per closed tick, before the active map's decisions.
     */
    public void onTick() {
        final double capacityPoints = capacity.ingestPointsPerTick();
        final int shadowLive = shadow.liveCount();
        for (int i = 0; i < shadowLive; i++) {
            final int slot = shadow.liveSlot(i);
            final long lo = shadow.keyLo(slot);
            final long hi = shadow.keyHi(slot);
            final long width = KeySpace.bucketWidth(lo, hi);
            double points = 0;
            double bytes = 0;
            double cost = 0;
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                final long bucketLo = KeySpace.bucketStart(lo, width, b);
                if (bucketLo > hi) {
                    bucketPoints[b] = 0;
                    continue;
                }
                final long bucketHi = Math.min(hi, bucketLo + width - 1);
                final double[] share = overlapShares(bucketLo, bucketHi);
                bucketPoints[b] = Math.round(share[0]);
                points += share[0];
                bytes += share[1];
                cost += share[2];
            }
            shadowHistory.writeRow(slot, points, bytes, cost, bucketPoints);
            if (points > capacityPoints) {
                saturated++;
            }
        }
        shadowHistory.completeTick();
        partitionTicks += shadowLive;
        final int activeLive = active.liveCount();
        activePartitionTicks += activeLive;
        for (int i = 0; i < activeLive; i++) {
            if (activeHistory.value(Resource.INGEST_POINTS, active.liveSlot(i), 0) > capacityPoints) {
                activeSaturated++;
            }
        }
        ticks++;
        while (control.doWork() > 0) {
            // run the shadow's control loop until it has nothing left to do for this tick
        }
    }

    /** The comparison so far. */
    public ShadowReport report() {
        return new ShadowReport(ticks, partitionTicks, saturated, coordinator.splitsCommitted(),
            coordinator.mergesCommitted(), coordinator.thrash(), activePartitionTicks, activeSaturated);
    }

    /** The shadow partition map. */
    public PartitionTable partitions() {
        return shadow;
    }

    /** Frees the shadow's memory and log. Safe to call twice. */
    @Override
    public void close() {
        control.onClose();
        CloseHelper.closeAll(log, decisions, shadowHistory);
    }

    /**
     * Load of the last tick in {@code [lo, hi]} from the active partitions: points, bytes, query cost, in a scratch
     * array valid until the next call.
     */
    private double[] overlapShares(final long lo, final long hi) {
        final double[] sums = shares;
        sums[0] = 0;
        sums[1] = 0;
        sums[2] = 0;
        int slot = active.slotContaining(lo);
        while (slot >= 0 && active.keyLo(slot) <= hi) {
            final long pLo = active.keyLo(slot);
            final long pHi = active.keyHi(slot);
            final long pWidth = KeySpace.bucketWidth(pLo, pHi);
            double total = 0;
            for (int c = 0; c < KeySpace.BUCKET_COUNT; c++) {
                total += activeHistory.bucketLoad(slot, c);
            }
            double fraction = 0;
            for (int c = 0; c < KeySpace.BUCKET_COUNT; c++) {
                final long cLo = KeySpace.bucketStart(pLo, pWidth, c);
                if (cLo > pHi) {
                    break;
                }
                final long cHi = Math.min(pHi, cLo + pWidth - 1);
                final long overlapLo = Math.max(cLo, lo);
                final long overlapHi = Math.min(cHi, hi);
                if (overlapLo <= overlapHi) {
                    final double bucketShare = total > 0
                        ? activeHistory.bucketLoad(slot, c) / total : 1.0 / KeySpace.BUCKET_COUNT;
                    fraction += bucketShare * ((double) (overlapHi - overlapLo) + 1) / ((double) (cHi - cLo) + 1);
                }
            }
            sums[0] += fraction * activeHistory.value(Resource.INGEST_POINTS, slot, 0);
            sums[1] += fraction * activeHistory.value(Resource.INGEST_BYTES, slot, 0);
            sums[2] += fraction * activeHistory.value(Resource.QUERY_COST, slot, 0);
            if (pHi >= hi) {
                break;
            }
            slot = active.slotContaining(pHi + 1);
        }
        return sums;
    }
}
