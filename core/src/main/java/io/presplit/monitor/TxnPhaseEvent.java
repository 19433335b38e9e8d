package io.presplit.monitor;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code presplit.TxnPhase}: one phase of a split or merge transaction (BEGIN, PREPARED, COMMIT, DONE,
 * ABORT), its duration being the time the phase took. Emitted by the coordinator on the cold path only; shows the
 * control plane in {@code jcmd <pid> JFR.start}.
 */
@Name("presplit.TxnPhase")
@Label("Split/merge transaction phase")
@Category({"Presplit", "Coordinator"})
@Description("A phase of a split or merge two-phase commit")
@StackTrace(false)
public final class TxnPhaseEvent extends Event {
    /** Transaction id. */
    @Label("Transaction")
    public long txId;

    /** SPLIT or MERGE. */
    @Label("Kind")
    public String kind;

    /** BEGIN, PREPARED, COMMIT, DONE or ABORT. */
    @Label("Phase")
    public String phase;

    /** The first parent partition. */
    @Label("Partition")
    public long partitionId;
}
