package io.presplit.daemon.replay;

import io.presplit.adjust.PartitionTable;
import io.presplit.daemon.Engine;
import io.presplit.forecast.ForecastTable;
import io.presplit.profile.Resource;

import java.util.Arrays;

/**
 * Records, tick by tick, what a replay looked like: total measured load, the total the forecasts predicted for
 * that tick one tick earlier, total capacity, saturated partitions, and the splits and merges committed. It is the
 * data of the replay's picture ({@link ReplayChart}).
 * <p>
 * The predicted total for tick t sums step 0 of the forecasts made when tick t - 1 closed, over the partitions live
 * at that moment; their rows are not rewritten before tick t is measured (a retired slot is quarantined two ticks).
 */
public final class ReplayTimeline implements TraceReplay.TickObserver {
    private final double capacityPoints;
    private final double[] load;
    private final double[] predicted;
    private final int[] partitions;
    private final int[] saturated;
    private final int[] splits;
    private final int[] merges;
    private int[] previousLive = new int[0];
    private long lastSplits;
    private long lastMerges;

    /**
     * @param ticks          the trace's ticks.
     * @param capacityPoints capacity of one partition per tick.
     */
    public ReplayTimeline(final int ticks, final double capacityPoints) {
        this.capacityPoints = capacityPoints;
        this.load = new double[ticks];
        this.predicted = new double[ticks];
        this.partitions = new int[ticks];
        this.saturated = new int[ticks];
        this.splits = new int[ticks];
        this.merges = new int[ticks];
        Arrays.fill(predicted, Double.NaN);
    }

    @Override
    public void onTick(final int tick, final Engine engine) {
        final PartitionTable table = engine.partitions();
        final ForecastTable forecasts = engine.forecasts();
        final int live = table.liveCount();
        double total = 0;
        int over = 0;
        for (int i = 0; i < live; i++) {
            final double value = engine.history().value(Resource.INGEST_POINTS, table.liveSlot(i), 0);
            total += value;
            if (value > capacityPoints) {
                over++;
            }
        }
        if (tick > 0) {
            double sum = 0;
            for (final int slot : previousLive) {
                sum += forecasts.mean(slot, 0);
            }
            predicted[tick] = sum;
        }
        load[tick] = total;
        partitions[tick] = live;
        saturated[tick] = over;
        final long splitCount = engine.coordinator().splitsCommitted();
        final long mergeCount = engine.coordinator().mergesCommitted();
        if (tick > 0) {
            splits[tick] = (int) (splitCount - lastSplits);
            merges[tick] = (int) (mergeCount - lastMerges);
        }
        lastSplits = splitCount;
        lastMerges = mergeCount;
        previousLive = Arrays.copyOf(table.liveSlotsByKey(), live);
    }

    /** Ticks recorded. */
    public int ticks() {
        return load.length;
    }

    /** Total measured load per tick. */
    public double load(final int tick) {
        return load[tick];
    }

    /** Total predicted one tick ahead for each tick (NaN for the first). */
    public double predicted(final int tick) {
        return predicted[tick];
    }

    /** Total capacity per tick: live partitions times capacity. */
    public double capacity(final int tick) {
        return partitions[tick] * capacityPoints;
    }

    /** Live partitions per tick. */
    public int partitions(final int tick) {
        return partitions[tick];
    }

    /** Saturated partitions per tick. */
    public int saturated(final int tick) {
        return saturated[tick];
    }

    /** Splits committed since the previous tick was measured. */
    public int splits(final int tick) {
        return splits[tick];
    }

    /** Merges committed since the previous tick was measured. */
    public int merges(final int tick) {
        return merges[tick];
    }
}
