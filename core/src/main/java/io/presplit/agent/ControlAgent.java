package io.presplit.agent;

import io.presplit.adjust.PartitionAdjustmentEngine;
import io.presplit.adjust.PartitionTable;
import io.presplit.capacity.CapacityPlan;
import io.presplit.coordinate.SplitMergeCoordinator;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.profile.LoadHistory;
import io.presplit.monitor.AdjustmentTickEvent;
import io.presplit.monitor.ForecastTickEvent;
import io.presplit.profile.Resource;
import io.presplit.ring.OneToOneDecisionRing;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

/**
 * The control loop: after each completed profiler tick, forecast every live partition, run one adjustment step,
 * and hand its decisions through the decision ring to the coordinator.
 * <p>
 * Forecasting, adjustment and coordination share this one thread, which owns the partition table. The forecast
 * and adjustment steps allocate nothing when the forecaster does not; the coordinator's transactions are the cold
 * path. Role name {@code presplit-control}.
 */
public final class ControlAgent implements Agent {
    private static final int DECISIONS_PER_CYCLE = 64;

    private final LoadHistory history;
    private final PartitionTable partitions;
    private final Forecaster forecaster;
    private final ForecastTable forecasts;
    private final PartitionAdjustmentEngine engine;
    private final CapacityPlan capacity;
    private final OneToOneDecisionRing decisions;
    private final SplitMergeCoordinator coordinator;
    private final NanoClock clock;
    private final boolean isAdjusting;
    private long lastTick;

    /**
     * @param isAdjusting {@code false} to forecast and measure only (a static partitioning, for comparison).
     */
    public ControlAgent(
        final LoadHistory history, final PartitionTable partitions, final Forecaster forecaster,
        final ForecastTable forecasts, final PartitionAdjustmentEngine engine, final CapacityPlan capacity,
        final OneToOneDecisionRing decisions, final SplitMergeCoordinator coordinator, final NanoClock clock,
        final boolean isAdjusting) {
        this.history = history;
        this.partitions = partitions;
        this.forecaster = forecaster;
        this.forecasts = forecasts;
        this.engine = engine;
        this.capacity = capacity;
        this.decisions = decisions;
        this.coordinator = coordinator;
        this.clock = clock;
        this.isAdjusting = isAdjusting;
        coordinator.onNewPartition(new SplitMergeCoordinator.LineageListener() {
            @Override
            public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
                forecaster.onSplitChild(parentSlot, childSlot, share);
            }

            @Override
            public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
                final double lowerShare) {
                forecaster.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
            }
        });
    }

    @Override
    public int doWork() {
        final long nowNs = clock.nanoTime();
        int work = 0;
        final long tick = history.tickCount();
        if (tick != lastTick) {
            lastTick = tick;
            // One JFR event object per tick each (never per partition or record): presplit.ForecastTick and
            // presplit.AdjustmentTick time the two steps when a recording enables them.
            final ForecastTickEvent forecastEvent = new ForecastTickEvent();
            forecastEvent.begin();
            forecaster.forecast(history, Resource.INGEST_POINTS, partitions.liveSlotsByKey(), partitions.liveCount(),
                forecasts);
            forecastEvent.end();
            if (forecastEvent.shouldCommit()) {
                forecastEvent.tick = tick;
                forecastEvent.partitions = partitions.liveCount();
                forecastEvent.forecaster = forecaster.name();
                forecastEvent.commit();
            }
            work++;
            if (isAdjusting) {
                final AdjustmentTickEvent adjustmentEvent = new AdjustmentTickEvent();
                adjustmentEvent.begin();
                final int decided = engine.step(nowNs, forecasts, history, capacity, decisions);
                adjustmentEvent.end();
                if (adjustmentEvent.shouldCommit()) {
                    adjustmentEvent.tick = tick;
                    adjustmentEvent.partitions = partitions.liveCount();
                    adjustmentEvent.decisions = decided;
                    adjustmentEvent.commit();
                }
                work += decided;
            }
        }
        work += decisions.drain(coordinator, DECISIONS_PER_CYCLE);
        work += coordinator.applyDue();
        return work;
    }

    @Override
    public void onClose() {
        forecaster.close();
    }

    @Override
    public String roleName() {
        return "presplit-control";
    }
}
