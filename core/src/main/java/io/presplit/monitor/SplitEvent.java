package io.presplit.monitor;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code presplit.Split}: one committed split, from its BEGIN to its DONE (commit retries included); the
 * phases inside are {@link TxnPhaseEvent}s. Emitted by the coordinator, cold path.
 */
@Name("presplit.Split")
@Label("Split")
@Category({"Presplit", "Coordinator"})
@Description("A split of one partition into two, begin to done")
@StackTrace(false)
public final class SplitEvent extends Event {
    /** Transaction id. */
    @Label("Transaction")
    public long txId;

    /** The partition split. */
    @Label("Parent")
    public long parentId;

    /** The first key of the upper child. */
    @Label("Split key")
    public long splitKey;

    /** The child below the split key. */
    @Label("Lower child")
    public long lowerChildId;

    /** The child from the split key up. */
    @Label("Upper child")
    public long upperChildId;

    /** The parent's recent load share that went to the lower child. */
    @Label("Lower share")
    public double lowerShare;
}
