package io.presplit.daemon.replay;

/** The partitioning policies a replay compares. */
public enum Policy {
    /** No adjustment: the partitions of the start, throughout. */
    STATIC("static"),
    /** Split or merge on the load of the last tick (a naive forecast, horizon one tick): the production style. */
    REACTIVE("reactive"),
    /** Split or merge ahead of the predicted peak over the horizon, forecast by seasonal naive (daily season). */
    PREDICTIVE_SNAIVE("predictive-snaive"),
    /**
     * Same, forecast by the accuracy-weighted ensemble (seasonal naive, naive, ETS and the LSTM per partition) with
     * calibrated intervals: the engine acts on their 90 % quantile.
     */
    PREDICTIVE_ENSEMBLE("predictive-ensemble"),
    /** Same, forecast by the bundled LSTM served by ONNX Runtime. */
    PREDICTIVE_LSTM("predictive-lstm"),
    /** The same engine fed the trace's true future load: the lower bound, not a policy one could run. */
    ORACLE("oracle");

    private final String label;

    Policy(final String label) {
        this.label = label;
    }

    /** The name shown in reports and accepted on the command line. */
    public String label() {
        return label;
    }

    /** Whether the policy acts on a forecast from history (not the last tick, not the true future). */
    public boolean isPredictive() {
        return this == PREDICTIVE_SNAIVE || this == PREDICTIVE_ENSEMBLE || this == PREDICTIVE_LSTM;
    }

    /** The policy named {@code label}. */
    public static Policy byLabel(final String label) {
        for (final Policy policy : values()) {
            if (policy.label.equals(label)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown policy [policy=" + label
            + ", known=static,reactive,predictive-snaive,predictive-ensemble,predictive-lstm,oracle]");
    }
}
