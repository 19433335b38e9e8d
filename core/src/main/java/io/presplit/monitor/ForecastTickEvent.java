package io.presplit.monitor;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code presplit.ForecastTick}: the forecaster's work for one tick (every live partition, refits
 * included). Emitted by the control agent once per tick; one object per tick, never per record.
 */
@Name("presplit.ForecastTick")
@Label("Forecast tick")
@Category({"Presplit", "Control"})
@Description("The forecasts of every live partition for one tick")
@StackTrace(false)
public final class ForecastTickEvent extends Event {
    /** The tick just closed. */
    @Label("Tick")
    public long tick;

    /** Live partitions forecast. */
    @Label("Partitions")
    public int partitions;

    /** The forecaster's name. */
    @Label("Forecaster")
    public String forecaster;
}
