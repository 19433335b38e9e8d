package io.presplit.daemon.replay;

/** The partitioning policies a replay compares. */
public enum Policy {
    /** No adjustment: the partitions of the start, throughout. */
    STATIC("static"),
    /** Split or merge on the load of the last tick (a naive forecast, horizon one tick): the production style. */
    REACTIVE("reactive"),
    /** Split or merge ahead of the predicted peak over the horizon, forecast by seasonal naive (daily season). */
    PREDICTIVE_SNAIVE("predictive-snaive"),
    /** Same, forecast by the bundled LSTM served by ONNX Runtime. */
    PREDICTIVE_LSTM("predictive-lstm");

    private final String label;

    Policy(final String label) {
        this.label = label;
    }

    /** The name shown in reports and accepted on the command line. */
    public String label() {
        return label;
    }
}
