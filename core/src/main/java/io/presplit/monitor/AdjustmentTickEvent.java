package io.presplit.monitor;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code presplit.AdjustmentTick}: one step of the adjustment engine (split, merge and hold decisions
 * over every live partition). Emitted by the control agent once per tick.
 */
@Name("presplit.AdjustmentTick")
@Label("Adjustment tick")
@Category({"Presplit", "Control"})
@Description("One adjustment step: split, merge and hold decisions for one tick")
@StackTrace(false)
public final class AdjustmentTickEvent extends Event {
    /** The tick just closed. */
    @Label("Tick")
    public long tick;

    /** Live partitions considered. */
    @Label("Partitions")
    public int partitions;

    /** Decisions (splits and merges) published to the coordinator. */
    @Label("Decisions")
    public int decisions;
}
