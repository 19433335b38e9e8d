package io.presplit.daemon.service;

import io.presplit.adjust.HoldReason;
import io.presplit.adjust.PartitionTable;
import io.presplit.daemon.Engine;
import io.presplit.forecast.ForecastTable;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds {@link EngineSnapshot}s on the control thread, and derives the recent decisions from changes of the live
 * partition set between two builds (the coordinator commits them; a split shows as one id gone and two or more
 * new, a merge as two gone and one new). Cold path: allocates.
 */
final class SnapshotBuilder {
    /** Decisions kept for the status page and the admin API. */
    static final int DECISIONS_KEPT = 100;

    private final Engine engine;
    private final int historyTicksShown;
    private final ArrayDeque<EngineSnapshot.DecisionRecord> decisions = new ArrayDeque<>();
    private Set<Long> lastLive = Set.of();

    SnapshotBuilder(final Engine engine, final int historyTicksShown) {
        this.engine = engine;
        this.historyTicksShown = historyTicksShown;
    }

    EngineSnapshot build() {
        final PartitionTable table = engine.partitions();
        final LoadHistory history = engine.history();
        final ForecastTable forecasts = engine.forecasts();
        final int horizon = forecasts.horizon();
        // The engine's clock: the cooldowns and decision times the snapshot shows are instants of it.
        final long nowNs = EngineClock.DAEMON.nanos();
        final int[] slots = table.liveSlotsByKey();
        final List<EngineSnapshot.PartitionState> partitions = new ArrayList<>(table.liveCount());
        final Set<Long> live = new HashSet<>();
        for (int i = 0; i < table.liveCount(); i++) {
            final int slot = slots[i];
            final int length = Math.min(history.length(slot), historyTicksShown);
            final double[] recent = new double[length];
            for (int ago = 0; ago < length; ago++) {
                recent[length - 1 - ago] = history.value(Resource.INGEST_POINTS, slot, ago);
            }
            // One value per tick ahead, as the views draw it: a row step's bound (its largest tick's) for each of
            // its ticks, as before the table had row steps.
            final double[] forecast = new double[horizon];
            for (int step = 0; step < forecasts.steps(); step++) {
                final int from = forecasts.firstTick(step) - 1;
                Arrays.fill(forecast, from, Math.min(horizon, from + forecasts.spanTicks(step)),
                    forecasts.p90(slot, step));
            }
            final HoldReason hold = table.holdReason(slot);
            partitions.add(new EngineSnapshot.PartitionState(table.partitionId(slot), slot, table.keyLo(slot),
                table.keyHi(slot), length == 0 ? 0 : history.value(Resource.INGEST_POINTS, slot, 0),
                length == 0 ? 0 : history.value(Resource.QUERY_COST, slot, 0), forecasts.peakUpper(slot), forecast,
                recent, hold == null ? "NONE" : hold.name(), table.cooldownUntilNs(slot)));
            live.add(table.partitionId(slot));
        }
        recordDecision(live, nowNs, history.tickCount());
        final var policy = engine.adjustment().policy();
        return new EngineSnapshot(nowNs, history.tickCount(), engine.config().tickNs(),
            engine.config().capacity().ingestPointsPerTick(), policy.splitThreshold(), policy.mergeThreshold(),
            horizon, forecasts.maxHorizon(), engine.forecaster().name(), List.copyOf(partitions),
            List.copyOf(decisions), engine.coordinator().pendingDecisions(), engine.coordinator().inDoubtCommits());
    }

    private void recordDecision(final Set<Long> live, final long nowNs, final long tick) {
        if (!lastLive.isEmpty() && !live.equals(lastLive)) {
            final List<Long> removed = new ArrayList<>();
            for (final Long id : lastLive) {
                if (!live.contains(id)) {
                    removed.add(id);
                }
            }
            final List<Long> added = new ArrayList<>();
            for (final Long id : live) {
                if (!lastLive.contains(id)) {
                    added.add(id);
                }
            }
            removed.sort(null);
            added.sort(null);
            final String kind = removed.size() == 1 && added.size() >= 2 ? "split"
                : removed.size() >= 2 && added.size() == 1 ? "merge" : "change";
            decisions.addLast(new EngineSnapshot.DecisionRecord(nowNs, tick, kind, List.copyOf(removed),
                List.copyOf(added)));
            while (decisions.size() > DECISIONS_KEPT) {
                decisions.removeFirst();
            }
        }
        lastLive = live;
    }
}
