package io.presplit.daemon.replay;

import io.presplit.adjust.PartitionTable;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.util.Arrays;

/**
 * The oracle: forecasts each partition's ingest points from the trace's true future, summing the loads of the
 * keys in the partition's range. It is the replay's lower bound, not a model: the same engine fed perfect
 * forecasts. Beyond the trace's end it repeats the last tick.
 * <p>
 * It sees the true future tick by tick and writes whatever steps the table has: a one-tick step gets that tick's
 * load (mean, p50 and p90 alike), a step of several ticks ({@link io.presplit.forecast.StepSchedule}) their mean
 * load per tick as mean and median and their largest as p90, the step's contract. The replay's tables have tick
 * steps, so its numbers are those of one step per tick.
 * <p>
 * It needs the partition table to know the ranges: {@link #bind} it once the engine is open.
 */
public final class OracleForecaster implements Forecaster {
    private final WideTrace trace;
    private final double pointsPerUnit;
    /** Keys' partition keys in ascending order, and each one's column in the trace. */
    private final long[] sortedKeys;
    private final int[] columns;
    private PartitionTable partitions;

    /**
     * @param trace         the trace being replayed.
     * @param pointsPerUnit points written per unit of trace load.
     */
    public OracleForecaster(final WideTrace trace, final double pointsPerUnit) {
        this.trace = trace;
        this.pointsPerUnit = pointsPerUnit;
        final int keyCount = trace.keys().size();
        final long[][] pairs = new long[keyCount][];
        for (int k = 0; k < keyCount; k++) {
            pairs[k] = new long[] {KeySpace.partitionKey(trace.keys().get(k)), k};
        }
        Arrays.sort(pairs, (a, b) -> Long.compare(a[0], b[0]));
        this.sortedKeys = new long[keyCount];
        this.columns = new int[keyCount];
        for (int k = 0; k < keyCount; k++) {
            sortedKeys[k] = pairs[k][0];
            columns[k] = (int) pairs[k][1];
        }
    }

    /** Gives the oracle the live partitions' ranges. */
    public void bind(final PartitionTable partitions) {
        this.partitions = partitions;
    }

    @Override
    public String name() {
        return "oracle";
    }

    @Override
    public void forecast(
        final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        if (partitions == null) {
            throw new IllegalStateException("oracle not bound to a partition table");
        }
        final long nextTick = history.tickCount();
        final double[][] loads = trace.loads();
        table.align(nextTick);
        final int steps = table.steps();
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            final int first = lowerBound(partitions.keyLo(slot));
            final int end = upperBound(partitions.keyHi(slot));
            for (int step = 0; step < steps; step++) {
                final int span = table.spanTicks(step);
                final int from = table.firstTick(step) - 1;
                double total = 0;
                double largest = Double.NEGATIVE_INFINITY;
                for (int h = from; h < from + span; h++) {
                    final int tick = (int) Math.min(nextTick + h, loads.length - 1);
                    double sum = 0;
                    for (int k = first; k < end; k++) {
                        sum += loads[tick][columns[k]];
                    }
                    total += sum;
                    largest = Math.max(largest, sum);
                }
                if (span == 1) {
                    table.mean(slot, step, total * pointsPerUnit);
                } else {
                    final double mean = total / span * pointsPerUnit;
                    table.mean(slot, step, mean);
                    table.quantiles(slot, step, mean, largest * pointsPerUnit);
                }
            }
        }
    }

    private int lowerBound(final long key) {
        final int found = Arrays.binarySearch(sortedKeys, key);
        int index = found >= 0 ? found : -found - 1;
        while (index > 0 && sortedKeys[index - 1] == key) {
            index--;
        }
        return index;
    }

    private int upperBound(final long key) {
        final int found = Arrays.binarySearch(sortedKeys, key);
        int index = found >= 0 ? found + 1 : -found - 1;
        while (index < sortedKeys.length && sortedKeys[index] == key) {
            index++;
        }
        return index;
    }
}
