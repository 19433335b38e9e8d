package io.presplit.monitor;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code presplit.Merge}: one committed merge of two neighbours, from its BEGIN to its DONE (commit retries
 * included); the phases inside are {@link TxnPhaseEvent}s. Emitted by the coordinator, cold path.
 */
@Name("presplit.Merge")
@Label("Merge")
@Category({"Presplit", "Coordinator"})
@Description("A merge of two adjacent partitions into one, begin to done")
@StackTrace(false)
public final class MergeEvent extends Event {
    /** Transaction id. */
    @Label("Transaction")
    public long txId;

    /** The lower partition merged. */
    @Label("Lower parent")
    public long lowerParentId;

    /** The upper partition merged. */
    @Label("Upper parent")
    public long upperParentId;

    /** The merged partition. */
    @Label("Merged")
    public long mergedId;
}
