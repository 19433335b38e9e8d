package io.presplit.daemon.service;

import java.util.List;

/**
 * An immutable picture of the control plane, built on the control thread after each tick or admin task and read by
 * the HTTP threads (status page, admin API). Loads are ingest points per tick.
 *
 * @param timeNs             when it was built (epoch ns).
 * @param ticks              profiler ticks closed.
 * @param tickNs             the tick.
 * @param capacityPerTick    capacity of one partition, ingest points per tick.
 * @param splitThreshold     split above capacity times this.
 * @param mergeThreshold     merge below capacity times this.
 * @param horizonTicks       the forecast horizon in use.
 * @param maxHorizonTicks    the longest horizon the engine can be set to.
 * @param forecaster         the forecaster's name.
 * @param partitions         the live partitions in key order.
 * @param decisions          the most recent committed splits and merges, newest last.
 * @param pendingDecisions   decisions waiting for their delay.
 * @param inDoubtCommits     commits after the commit point still being retried.
 */
public record EngineSnapshot(
    long timeNs,
    long ticks,
    long tickNs,
    double capacityPerTick,
    double splitThreshold,
    double mergeThreshold,
    int horizonTicks,
    int maxHorizonTicks,
    String forecaster,
    List<PartitionState> partitions,
    List<DecisionRecord> decisions,
    int pendingDecisions,
    int inDoubtCommits) {

    /**
     * One live partition.
     *
     * @param id             partition id.
     * @param slot           load slot.
     * @param keyLo          lowest partition key (inclusive).
     * @param keyHi          highest partition key (inclusive).
     * @param load           ingest points in the last closed tick.
     * @param queryCost      records examined by queries in the last closed tick.
     * @param forecastPeak   the predicted peak over the horizon (90 % quantile), the figure the engine acts on.
     * @param forecast       the 90 % quantile per horizon step.
     * @param recentLoad     ingest points per tick, oldest first, the last tick last.
     * @param holdReason     why the engine last held it over threshold, or {@code NONE}.
     * @param cooldownUntilNs no decision before this time.
     */
    public record PartitionState(long id, int slot, long keyLo, long keyHi, double load, double queryCost,
        double forecastPeak, double[] forecast, double[] recentLoad, String holdReason, long cooldownUntilNs) {
    }

    /**
     * A committed split or merge, seen as a change of the live partitions between two snapshots.
     *
     * @param timeNs  when the change was seen.
     * @param tick    the tick count then.
     * @param kind    {@code split}, {@code merge} or {@code change} (several at once).
     * @param removed the partitions that stopped being live.
     * @param added   the partitions that became live.
     */
    public record DecisionRecord(long timeNs, long tick, String kind, List<Long> removed, List<Long> added) {
    }
}
