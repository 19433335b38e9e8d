package io.presplit.adjust;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.AllocationMeter;
import io.presplit.capacity.CapacityPlan;
import io.presplit.forecast.ForecastTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class PartitionAdjustmentEngineTest {
    private static final long COOLDOWN_NS = 100;
    private static final CapacityPlan CAPACITY = new CapacityPlan(1000);
    private static final AdjustmentPolicy POLICY = new AdjustmentPolicy(0.8, 0.3, 3, COOLDOWN_NS, 8, 0.9);

    private final PartitionTable table = new PartitionTable(16);
    private final LoadHistory history = new LoadHistory(16, 32, 0.5);
    private final ForecastTable forecasts = new ForecastTable(16, 4);
    private final PartitionAdjustmentEngine engine = new PartitionAdjustmentEngine(table, POLICY);
    private final RecordingSink sink = new RecordingSink();

    @AfterEach
    void close() {
        history.close();
    }

    /** Guards the core rule: a partition predicted over capacity x threshold splits before it gets there. */
    @Test
    void shouldSplitAtTheBalancingBoundaryWhenThePredictedPeakExceedsTheThreshold() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        buckets[0] = 300;
        buckets[1] = 300;
        buckets[2] = 100;
        buckets[9] = 200;
        tick(0, 700, buckets);
        predict(0, 600, 700, 850, 820);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);

        final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        // Loads 300|300|100|..|200 (total 900): boundaries 1 and 2 both leave a larger child of 600, boundary 3
        // leaves 700. On a tie the lower boundary wins.
        assertThat(sink.decisions).containsExactly("split 0 at " + KeySpace.bucketStart(0, width, 1));
        assertThat(table.holdReason(0)).isEqualTo(HoldReason.NONE);
        assertThat(table.cooldownUntilNs(0)).isEqualTo(1000 + COOLDOWN_NS);
    }

    /**
     * Guards the tie-break the issue asks for: where several boundaries leave the same larger child (no recent load
     * between two loaded buckets), the split goes where compaction must copy least into the larger child.
     */
    @Test
    void shouldBreakATieBetweenSplitPointsByWhatCompactionMustCopy() {
        final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        final long cheapest = KeySpace.bucketStart(0, width, 9);
        final List<String> asked = new ArrayList<>();
        final PartitionAdjustmentEngine knowing = new PartitionAdjustmentEngine(table, POLICY,
            (partitionId, keys, count, bytesOut) -> {
                asked.add("partition " + partitionId + ", " + count + " candidates");
                for (int i = 0; i < count; i++) {
                    // Data written long ago sits mostly in the middle of the range: the further from bucket 9's
                    // start, the more the larger child copies.
                    bytesOut[i] = 1_000 + Math.abs(keys[i] / width - cheapest / width);
                }
            });
        table.add(7, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        loadBothEndsOnly(0);

        assertThat(knowing.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);

        // Every boundary from 1 to 15 leaves 450 on each side: fifteen candidates, asked about once.
        assertThat(asked).containsExactly("partition 7, 15 candidates");
        assertThat(sink.decisions).containsExactly("split 0 at " + cheapest);
        assertThat(knowing.splitCostFailures()).isZero();
    }

    /** Guards the cost of the tie-break: a single best split point never asks the store. */
    @Test
    void shouldNotAskWhatCompactionCopiesWhenOneSplitPointIsBest() {
        final PartitionAdjustmentEngine knowing = new PartitionAdjustmentEngine(table, POLICY,
            (partitionId, keys, count, bytesOut) -> {
                throw new AssertionError("asked without a tie");
            });
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        for (int b = 0; b < buckets.length; b++) {
            buckets[b] = 10 + b;
        }
        tick(0, 900, buckets);
        predict(0, 900, 900, 900, 900);

        assertThat(knowing.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);

        // Loads 10..25 (total 280): below boundary 9 lie 126, above it 154; boundary 10 leaves 145 | 135.
        final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        assertThat(sink.decisions).containsExactly("split 0 at " + KeySpace.bucketStart(0, width, 10));
    }

    /** Guards failures: a store that cannot say what a split would copy does not stop the split, and is counted. */
    @Test
    void shouldSplitAtTheLowestTiedBoundaryAndCountWhenTheCostCannotBeHad() {
        final PartitionAdjustmentEngine knowing = new PartitionAdjustmentEngine(table, POLICY,
            (partitionId, keys, count, bytesOut) -> {
                throw new IllegalStateException("segment unreadable");
            });
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        loadBothEndsOnly(0);

        assertThat(knowing.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);

        final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        assertThat(sink.decisions).containsExactly("split 0 at " + KeySpace.bucketStart(0, width, 1));
        assertThat(knowing.splitCostFailures()).isEqualTo(1);
    }

    /**
     * Guards surges: a peak that needs three partitions gets three at once, cut at equal-load boundaries, rather
     * than one split per cooldown while the load saturates the rest.
     */
    @Test
    void shouldCutIntoSeveralPiecesAtOnceWhenThePeakNeedsThem() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        tick(0, 2000, uniform(125));
        predict(0, 1500, 2000, 1900, 1800);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(2);

        final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        // Peak 2000 over a split level of 800 needs ceil(2.5) = 3 pieces; uniform buckets are cut where the
        // running load first reaches 1/3 and 2/3 of the total: after buckets 6 and 11.
        assertThat(sink.decisions).containsExactly("split 0 at " + KeySpace.bucketStart(0, width, 6),
            "split 0 at " + KeySpace.bucketStart(0, width, 11));
        assertThat(engine.splitsDecided()).isEqualTo(2);
    }

    /**
     * Guards cost: a split need only cover the load until its children may change again, so a peak beyond the
     * split look-ahead waits (and, being over the split level, is never merged either).
     */
    @Test
    void shouldSplitOnlyForPeaksWithinTheSplitLookahead() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        tick(0, 100, uniform(6));
        predict(0, 100, 100, 900, 900);
        engine.policy(new AdjustmentPolicy(0.8, 0.3, 3, COOLDOWN_NS, 8, 0.9, 2));

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isZero();
        assertThat(sink.decisions).isEmpty();

        predict(0, 100, 900, 900, 900);
        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);
        assertThat(sink.decisions).singleElement().asString().startsWith("split 0 at ");
    }

    /** Guards against thrashing: a partition that changed recently waits out its cooldown, and says so. */
    @Test
    void shouldHoldWithCooldownReasonWhenThePartitionChangedRecently() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 5000);
        tick(0, 900, uniform(50));
        predict(0, 900, 900, 900, 900);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isZero();
        assertThat(table.holdReason(0)).isEqualTo(HoldReason.COOLDOWN);
        assertThat(engine.holdCount(HoldReason.COOLDOWN)).isEqualTo(1);
    }

    /**
     * Guards surges that outgrow a split: a child still predicted too hot splits again at once, which continues
     * its parent's split, while cold children wait out the cooldown before merging, which would undo it.
     */
    @Test
    void shouldSplitASplitChildAgainWithinItsCooldownButNotMergeOne() {
        final long third = KeySpace.MAX_KEY / 3;
        table.add(1, KeySpace.MIN_KEY, third, 0, 5000, 0);
        table.add(2, third + 1, 2 * third, 1, 5000, 0);
        table.add(3, 2 * third + 1, KeySpace.MAX_KEY, 2, 5000, 0);
        for (int t = 0; t < 3; t++) {
            history.writeRow(0, 900, 0, 0, uniform(50));
            history.writeRow(1, 50, 0, 0, uniform(1));
            history.writeRow(2, 50, 0, 0, uniform(1));
            history.completeTick();
        }
        predict(0, 900, 900, 900, 900);
        predict(1, 50, 50, 50, 50);
        predict(2, 50, 50, 50, 50);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);
        assertThat(sink.decisions).singleElement().asString().startsWith("split 0 at ");
        assertThat(table.holdReason(0)).isEqualTo(HoldReason.NONE);
        assertThat(engine.mergesDecided()).isZero();
    }

    /** Guards against splitting forever around a hot key that no split point can relieve. */
    @Test
    void shouldRaiseHotKeyInsteadOfSplittingWhenOneBucketCarriesTheLoad() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        buckets[5] = 990;
        buckets[6] = 10;
        tick(0, 1000, buckets);
        predict(0, 1000, 1000, 1000, 1000);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isZero();
        assertThat(table.holdReason(0)).isEqualTo(HoldReason.HOT_KEY);
        assertThat(sink.decisions).isEmpty();
    }

    /**
     * Guards the hot-key rule against a lopsided but useful split: a key at 94 % of the load, predicted under
     * capacity by itself while the partition is predicted over it, is cut off from the rest, which prevents the
     * saturation; a key predicted over capacity by itself stays a hot key.
     */
    @Test
    void shouldSplitOffADominantKeyThatFitsUnderCapacityByItself() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        buckets[5] = 940;
        buckets[6] = 60;
        tick(0, 1000, buckets);
        predict(0, 1000, 1050, 1050, 1000);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);
        // Larger child 94 % of a predicted 1050 = 987 < 1000: the split at boundary 6 keeps the key alone.
        final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
        assertThat(sink.decisions).containsExactly("split 0 at " + KeySpace.bucketStart(0, width, 6));

        table.cooldownUntilNs(0, 0);
        sink.decisions.clear();
        predict(0, 1000, 1100, 1100, 1000);
        // 94 % of 1100 = 1034: the key alone would still saturate, so no split relieves it.
        assertThat(engine.step(2000, forecasts, history, CAPACITY, sink)).isZero();
        assertThat(table.holdReason(0)).isEqualTo(HoldReason.HOT_KEY);
    }

    /** Guards the global partition limit. */
    @Test
    void shouldHoldAtThePartitionLimit() {
        engine.policy(new AdjustmentPolicy(0.8, 0.3, 3, COOLDOWN_NS, 1, 0.9));
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 0);
        tick(0, 900, uniform(50));
        predict(0, 900, 900, 900, 900);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isZero();
        assertThat(table.holdReason(0)).isEqualTo(HoldReason.PARTITION_LIMIT);
    }

    /** Guards merge-late: two cold neighbours merge only when forecast and measured window are both low. */
    @Test
    void shouldMergeNeighboursOnlyWhenForecastAndMeasuredLoadAreBothLow() {
        final long half = KeySpace.MAX_KEY / 2;
        table.add(1, KeySpace.MIN_KEY, half, 0, 0);
        table.add(2, half + 1, KeySpace.MAX_KEY, 1, 0);
        for (int t = 0; t < 3; t++) {
            history.writeRow(0, t == 0 ? 900 : 100, 0, 0, uniform(1));
            history.writeRow(1, 100, 0, 0, uniform(1));
            history.completeTick();
        }
        predict(0, 100, 100, 100, 100);
        predict(1, 100, 100, 100, 100);

        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink))
            .as("measured 900 in the window blocks the merge").isZero();

        history.writeRow(0, 100, 0, 0, uniform(1));
        history.writeRow(1, 100, 0, 0, uniform(1));
        history.completeTick();
        assertThat(engine.step(1000, forecasts, history, CAPACITY, sink)).isEqualTo(1);
        assertThat(sink.decisions).containsExactly("merge 0 1");
    }

    /** Guards the hot-path promise: a control step allocates nothing. */
    @Test
    void shouldNotAllocateWhenStepping() {
        table.add(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, Long.MAX_VALUE);
        tick(0, 900, uniform(50));
        predict(0, 900, 900, 900, 900);
        final DecisionSink refusing = new DecisionSink() {
            @Override
            public boolean split(final int slot, final long splitKey) {
                return false;
            }

            @Override
            public boolean merge(final int lowerSlot, final int upperSlot) {
                return false;
            }
        };
        assertThat(AllocationMeter.allocatedBytes(10_000, () -> engine.step(0, forecasts, history, CAPACITY, refusing)))
            .isZero();
    }

    private void tick(final int slot, final double points, final long[] buckets) {
        history.writeRow(slot, points, 0, 0, buckets);
        history.completeTick();
    }

    /** Load in the first and last key buckets only, predicted over the split level: every boundary ties. */
    private void loadBothEndsOnly(final int slot) {
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        buckets[0] = 450;
        buckets[KeySpace.BUCKET_COUNT - 1] = 450;
        tick(slot, 900, buckets);
        predict(slot, 900, 900, 900, 900);
    }

    private void predict(final int slot, final double... steps) {
        for (int h = 0; h < steps.length; h++) {
            forecasts.mean(slot, h, steps[h]);
        }
    }

    private static long[] uniform(final long perBucket) {
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        java.util.Arrays.fill(buckets, perBucket);
        return buckets;
    }

    private static final class RecordingSink implements DecisionSink {
        final List<String> decisions = new ArrayList<>();

        @Override
        public boolean split(final int slot, final long splitKey) {
            decisions.add("split " + slot + " at " + splitKey);
            return true;
        }

        @Override
        public boolean merge(final int lowerSlot, final int upperSlot) {
            decisions.add("merge " + lowerSlot + " " + upperSlot);
            return true;
        }
    }
}
