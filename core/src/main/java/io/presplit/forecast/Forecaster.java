package io.presplit.forecast;

import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

/**
 * A model that predicts the load of many partitions at once from their history.
 * <p>
 * Contract: called on the control thread once per tick; writes steps 0 to {@code table.steps() - 1} of every listed
 * slot (for a table of tick steps, {@code table.horizon()} steps). A forecaster whose {@link #schedule} has row steps
 * first {@link ForecastTable#align aligns} the table to the history's tick count; a tick-level forecaster refuses a
 * table with row steps ({@link ForecastTable#requireTickSteps}). A slot with too little history for the model still
 * gets a forecast (each model documents its fallback); the model never leaves stale values behind. Implementations
 * that do not allocate say so.
 */
public interface Forecaster extends AutoCloseable {
    /** Short name, used in reports and on the command line. */
    String name();

    /**
     * The steps this forecaster writes for a horizon of {@code horizonTicks} ticks over {@code history}: the table
     * to build for it ({@code new ForecastTable(slots, schedule(history, h), h)}). Default: one step per tick.
     * Cold path.
     */
    default StepSchedule schedule(final LoadHistory history, final int horizonTicks) {
        return StepSchedule.ticks(horizonTicks);
    }

    /**
     * Forecasts {@code resource} for {@code slots[0..count)} over the table's horizon.
     *
     * @param history the load history, with at least one tick for every listed slot.
     * @param resource the resource to forecast.
     * @param slots   the partition slots.
     * @param count   how many entries of {@code slots} to use.
     * @param table   the output.
     */
    void forecast(LoadHistory history, Resource resource, int[] slots, int count, ForecastTable table);

    /**
     * Tells the model that {@code slot} now holds a new partition (a split child or a merged partition) whose
     * history the coordinator has just seeded: what the model learned of the slot's previous occupant no longer
     * applies. Control thread; cold path. Stateless models ignore it.
     */
    default void onNewPartition(final int slot) {
    }

    /**
     * Tells the model that a split gave {@code childSlot} the part {@code share} of partition {@code parentSlot}'s
     * load, and that the coordinator has seeded the child's history with that share of the parent's (the parent's
     * slot is retired but still holds its state). A model with per-partition state may start the child from the
     * parent's, scaled, so that the child's forecasts and intervals do not start cold. Default:
     * {@link #onNewPartition}. Control thread; cold path.
     */
    default void onSplitChild(final int parentSlot, final int childSlot, final double share) {
        onNewPartition(childSlot);
    }

    /**
     * Tells the model that a merge put partitions {@code lowerSlot} and {@code upperSlot} into {@code mergedSlot},
     * whose history is their sum; {@code lowerShare} is the lower one's part of their recent load. Default:
     * {@link #onNewPartition}. Control thread; cold path.
     */
    default void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
        final double lowerShare) {
        onNewPartition(mergedSlot);
    }

    /**
     * Ticks whose forecast came from a fallback model because this forecaster's own model could not be loaded or
     * failed to run (for instance a corrupt model file or an ONNX Runtime error): the value for the engine to
     * publish as {@code CounterId.MODEL_FALLBACKS}. Control thread. Models that cannot fail this way return 0.
     */
    default long modelFallbacks() {
        return 0;
    }

    /** Releases model resources. Safe to call twice. */
    @Override
    default void close() {
    }
}
