package io.presplit.monitor;

/**
 * Every counter Presplit publishes, with its stable id and label: the one place that names them. Ids are the
 * Agrona counter ids in the counters file; never reuse or renumber one.
 */
public enum CounterId {
    /** Splits the adjustment engine decided. */
    SPLITS_DECIDED(0, "adjust: splits decided"),
    /** Merges the adjustment engine decided. */
    MERGES_DECIDED(1, "adjust: merges decided"),
    /** Partitions over threshold held back by their cooldown. */
    HOLD_COOLDOWN(2, "adjust: held, cooldown"),
    /** Partitions over threshold held back because their load sits on one key bucket. */
    HOLD_HOT_KEY(3, "adjust: held, hot key"),
    /** Partitions over threshold held back by the partition limit. */
    HOLD_PARTITION_LIMIT(4, "adjust: held, partition limit"),
    /** Partitions over threshold held back because the decision ring was full. */
    HOLD_BACKLOG(5, "adjust: held, decision backlog"),
    /** Splits committed. */
    SPLITS_COMMITTED(6, "coordinate: splits committed"),
    /** Merges committed. */
    MERGES_COMMITTED(7, "coordinate: merges committed"),
    /** Transactions aborted (a no vote or a failure before the commit point). */
    TXN_ABORTS(8, "coordinate: transactions aborted"),
    /** Participant failures, and decisions refused for want of a load slot. */
    TXN_FAILURES(9, "coordinate: failures"),
    /** Splits undone by a merge, or the reverse, within the thrash window. */
    THRASH(10, "coordinate: thrash"),
    /** Decisions dropped because their partitions had changed meanwhile. */
    STALE_DECISIONS(11, "coordinate: stale decisions"),
    /** Live partitions. */
    LIVE_PARTITIONS(12, "partitions: live"),
    /** Profiler ticks closed. */
    TICKS(13, "profile: ticks closed"),
    /** Ticks forecast by a fallback because a model could not be loaded or failed to run ({@code Forecaster}). */
    MODEL_FALLBACKS(14, "forecast: model fallbacks"),
    /** Alerts fired: a predicted saturation the engine cannot resolve because the load sits on one hot key. */
    ALERT_HOT_KEY(15, "alert: unresolvable saturation, hot key"),
    /** Alerts fired: a predicted saturation the engine cannot resolve because of the partition limit. */
    ALERT_PARTITION_LIMIT(16, "alert: unresolvable saturation, partition limit"),
    /** Alerts fired: forecast accuracy drifted past the configured error. */
    ALERT_FORECAST_DRIFT(17, "alert: forecast accuracy drift"),
    /** Alerts fired: a split or merge aborted or failed. */
    ALERT_SPLIT_MERGE_FAILED(18, "alert: split or merge failed"),
    /** Alerts fired: splits and merges undoing each other. */
    ALERT_THRASH(19, "alert: thrash"),
    /** Alerts fired: a forecasting model fell back (non-finite or insane path replaced, or no forecast). */
    ALERT_MODEL_FALLBACK(20, "alert: model fallback"),
    /** Writes of the learnt peak factors' file that failed (kept in memory, retried at the next learnt row). */
    PEAK_FACTOR_WRITE_FAILURES(21, "forecast: peak factor file write failures"),
    /** Queries of what a split would make compaction copy that failed; the tied split took the lowest boundary. */
    SPLIT_COST_FAILURES(22, "adjust: split cost queries failed"),
    /**
     * Profiler folds that began a whole tick or more late (the control thread was stalled), whose missed ticks were
     * folded back to back; see {@code ProfilerAgent.lateTickCount()}.
     */
    PROFILE_LATE_TICKS(23, "profile: ticks folded a tick or more late");

    private final int id;
    private final String label;

    CounterId(final int id, final String label) {
        this.id = id;
        this.label = label;
    }

    /** The Agrona counter id. */
    public int id() {
        return id;
    }

    /** The human-readable label stored with the counter. */
    public String label() {
        return label;
    }
}
