package io.presplit.daemon.alert;

import io.presplit.monitor.CounterId;

/** What the daemon alerts on; each kind has a fired-count counter and an active gauge. */
public enum AlertKind {
    /** A partition predicted over capacity that the engine holds because its load sits on one key bucket. */
    HOT_KEY("hot_key", CounterId.ALERT_HOT_KEY),
    /** A partition predicted over capacity that the engine holds because the partition limit is reached. */
    PARTITION_LIMIT("partition_limit", CounterId.ALERT_PARTITION_LIMIT),
    /** The one-step forecast error, scaled by the naive error, is above the configured limit. */
    FORECAST_DRIFT("forecast_drift", CounterId.ALERT_FORECAST_DRIFT),
    /** A split or merge aborted or failed at the store (see the coordinator's counters and log). */
    SPLIT_MERGE_FAILED("split_merge_failed", CounterId.ALERT_SPLIT_MERGE_FAILED),
    /** A split undone by a merge, or the reverse, within the thrash window. */
    THRASH("thrash", CounterId.ALERT_THRASH),
    /** A model's path was replaced by seasonal naive, or a partition got a non-finite forecast. */
    MODEL_FALLBACK("model_fallback", CounterId.ALERT_MODEL_FALLBACK);

    private final String label;
    private final CounterId counter;

    AlertKind(final String label, final CounterId counter) {
        this.label = label;
        this.counter = counter;
    }

    /** The {@code alert} label in metrics, logs and webhook bodies. */
    public String label() {
        return label;
    }

    /** The counter of firings. */
    public CounterId counter() {
        return counter;
    }
}
