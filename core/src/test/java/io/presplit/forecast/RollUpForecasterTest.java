package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.presplit.AllocationMeter;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

class RollUpForecasterTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final int PER_ROW = 4;
    private static final int ROWS_PER_DAY = 6;
    private static final int DAY = PER_ROW * ROWS_PER_DAY;

    /**
     * Guards the roll-up path and its alignment: a "day" of 24 ticks whose load is constant within each 4-tick row
     * and differs between rows; the tick level keeps only 8 ticks (a third of a day: no daily season there) and
     * forecasts 2 steps by the last value; the rows' seasonal naive (6 rows a day) forecasts the rest. Every step
     * beyond the tick horizon must then be exact, at row boundaries and inside rows (a step mapped to the wrong row
     * is off by a row's difference), and the first steps must be the tick level's.
     */
    @Test
    void shouldForecastStepsBeyondTheTickHorizonFromTheRollUpRows() {
        final int horizon = DAY + 5;
        try (LoadHistory history = LoadHistory.inMemory(1, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(PER_ROW, 4 * ROWS_PER_DAY))) {
            final RollUpForecaster forecaster = rowSnaive(1, horizon);
            final ForecastTable table = new ForecastTable(1, horizon);
            final int[] slots = {0};
            int checked = 0;
            for (int t = 0; t < 4 * DAY; t++) {
                history.writeRow(0, rowLoad(t), 0, 0, NO_BUCKETS);
                history.completeTick();
                forecaster.forecast(history, Resource.INGEST_POINTS, slots, 1, table);
                assertThat(table.mean(0, 0)).isEqualTo(rowLoad(t));
                assertThat(table.mean(0, 1)).isEqualTo(rowLoad(t));
                if (t >= DAY + PER_ROW) {
                    for (int h = 2; h < horizon; h++) {
                        // step h predicts tick index t + 1 + h
                        assertThat(table.mean(0, h)).as("tick %d step %d", t, h).isCloseTo(rowLoad(t + 1 + h),
                            within(1e-9));
                    }
                    checked++;
                }
            }
            assertThat(checked).isGreaterThan(DAY);
            assertThat(forecaster.name()).isEqualTo("naive+L1:ensemble");
        }
    }

    /** Guards the start: before a slot's first complete row the long steps extend the last tick-level step. */
    @Test
    void shouldExtendTheTickLevelWhenNoRowIsCompleteYet() {
        try (LoadHistory history = LoadHistory.inMemory(1, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(PER_ROW, 4 * ROWS_PER_DAY))) {
            final RollUpForecaster forecaster = rowSnaive(1, 10);
            final ForecastTable table = new ForecastTable(1, 10);
            history.writeRow(0, 7, 0, 0, NO_BUCKETS);
            history.completeTick();
            forecaster.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
            for (int h = 0; h < 10; h++) {
                assertThat(table.mean(0, h)).isEqualTo(7);
            }
            assertThatThrownBy(() -> forecaster.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1,
                new ForecastTable(1, 100))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("roll-up table too short");
        }
    }

    /**
     * Guards the peak bound of rolled-up steps: the engine acts on the largest p90 over its look-ahead, and a row's
     * mean tick understates the row's largest tick. Ticks of 10 per row: a base load with noise and, in each row,
     * one burst tick at a random position. After the peak factor is learnt, the p90 issued for the next row (and for
     * the row after it) must cover that row's actual largest tick about 90 % of the time, where the row mean's bound
     * (the mean's p90 divided by the row's ticks, what the forecaster wrote before the peak factor) covers it never.
     * The steps served at tick level stay the tick forecaster's, and p90 never falls under p50.
     */
    @Test
    void shouldBoundTheRowPeakWithNinetyPercentCoverageWhenTicksBurstWithinRows() {
        // ROW_PEAK: each row's own bound, without the horizon factor (which only raises it).
        final int perRow = 10;
        final int rows = 1_200;
        final int horizon = 3 * perRow;
        final long seed = 20_261_124L;
        System.out.println("RollUpForecasterTest peak coverage seed=" + seed);
        final SplittableRandom rng = new SplittableRandom(seed);
        final double[] load = new double[rows * perRow];
        for (int r = 0; r < rows; r++) {
            final int burst = rng.nextInt(perRow);
            for (int i = 0; i < perRow; i++) {
                load[r * perRow + i] = 100 + 10 * rng.nextDouble() + (i == burst ? 100 + 200 * rng.nextDouble() : 0);
            }
        }
        try (LoadHistory history = LoadHistory.inMemory(1, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(perRow, 64))) {
            final int levelHorizon = horizon / perRow + 2;
            final RollUpForecaster forecaster = new RollUpForecaster(1, horizon, new SeasonalNaiveForecaster(1), 2,
                new EnsembleForecaster(1, levelHorizon, 1, new OnlineModel[0], new Forecaster[0], 16, 1,
                    Long.MAX_VALUE / 4, 0.05, 2.0, null, true, false, 1), 1, levelHorizon,
                RollUpForecaster.Bound.ROW_PEAK);
            final ForecastTable table = new ForecastTable(1, horizon);
            final int[] slots = {0};
            final double[] nextBound = new double[rows + 2];
            final double[] afterNextBound = new double[rows + 2];
            final double[] meanBound = new double[rows + 2];
            for (int t = 0; t < load.length; t++) {
                history.writeRow(0, load[t], 0, 0, NO_BUCKETS);
                history.completeTick();
                forecaster.forecast(history, Resource.INGEST_POINTS, slots, 1, table);
                assertThat(table.mean(0, 0)).isEqualTo(load[t]);
                for (int h = 0; h < horizon; h++) {
                    assertThat(table.p90(0, h)).isGreaterThanOrEqualTo(table.p50(0, h));
                }
                if ((t + 1) % perRow == 0) {
                    final int next = (t + 1) / perRow;
                    // steps 2..9 fall in the next row, 10..19 in the row after it
                    nextBound[next] = table.p90(0, 5);
                    afterNextBound[next + 1] = table.p90(0, perRow + 5);
                    meanBound[next] = table.mean(0, 5);
                }
            }
            int covered = 0;
            int coveredAfterNext = 0;
            int coveredByMean = 0;
            int scored = 0;
            for (int r = 200; r < rows; r++) {
                double peak = 0;
                for (int i = 0; i < perRow; i++) {
                    peak = Math.max(peak, load[r * perRow + i]);
                }
                covered += peak <= nextBound[r] ? 1 : 0;
                coveredAfterNext += peak <= afterNextBound[r] ? 1 : 0;
                coveredByMean += peak <= meanBound[r] ? 1 : 0;
                scored++;
            }
            assertThat((double) covered / scored).as("next row's peak coverage").isBetween(0.85, 0.95);
            assertThat((double) coveredAfterNext / scored).as("the row after's").isBetween(0.85, 0.95);
            assertThat(coveredByMean).as("the row mean never bounds the burst").isZero();
            assertThat(forecaster.peakFactor(0)).isGreaterThan(1.5);
        }
    }

    /**
     * Guards the horizon factor: with a burst at a random tick of every row, each row's bound covers its own row's
     * peak 90 % of the time, but the largest of six row bounds covers the largest of six row peaks far less often
     * (about 0.9^6 if the rows were independent); the engine acts on the largest. After learning {@code λ}, the
     * largest p90 over the look-ahead, issued at a row end, covers the look-ahead's peak tick 85-95 % of the time,
     * and the bound stays sharp: on average under 1.5 times that peak.
     */
    @Test
    void shouldCoverTheLookAheadPeakWithNinetyPercentWhenTheHorizonFactorIsLearnt() {
        final int perRow = 10;
        final int rows = 3_000;
        final int horizon = 6 * perRow;
        final long seed = 20_261_125L;
        System.out.println("RollUpForecasterTest horizon coverage seed=" + seed);
        final double[] load = burstyRows(new SplittableRandom(seed), rows, perRow);
        final double[] horizonCoverage = new double[2];
        final double[] ratio = new double[2];
        final RollUpForecaster.Bound[] bounds = {RollUpForecaster.Bound.ROW_PEAK, RollUpForecaster.Bound.HORIZON_PEAK};
        for (int b = 0; b < bounds.length; b++) {
            try (LoadHistory history = LoadHistory.inMemory(1, 0.9, new LoadHistory.Level(1, 8),
                new LoadHistory.Level(perRow, 64))) {
                final int levelHorizon = horizon / perRow + 2;
                final RollUpForecaster forecaster = new RollUpForecaster(1, horizon, new SeasonalNaiveForecaster(1), 2,
                    new EnsembleForecaster(1, levelHorizon, 1, new OnlineModel[0], new Forecaster[0], 16, 1,
                        Long.MAX_VALUE / 4, 0.05, 2.0, null, true, false, 1), 1, levelHorizon, bounds[b]);
                final ForecastTable table = new ForecastTable(1, horizon);
                final int[] slots = {0};
                int covered = 0;
                int scored = 0;
                double ratioSum = 0;
                for (int t = 0; t < load.length - horizon; t++) {
                    history.writeRow(0, load[t], 0, 0, NO_BUCKETS);
                    history.completeTick();
                    forecaster.forecast(history, Resource.INGEST_POINTS, slots, 1, table);
                    if ((t + 1) % perRow == 0 && t >= 1_000 * perRow) {
                        double peak = 0;
                        for (int u = t + 1; u <= t + horizon; u++) {
                            peak = Math.max(peak, load[u]);
                        }
                        covered += peak <= table.peakUpper(0) ? 1 : 0;
                        ratioSum += table.peakUpper(0) / peak;
                        scored++;
                    }
                }
                horizonCoverage[b] = (double) covered / scored;
                ratio[b] = ratioSum / scored;
                if (bounds[b] == RollUpForecaster.Bound.HORIZON_PEAK) {
                    assertThat(forecaster.horizonFactor(0)).isGreaterThan(1);
                    assertThat((double) forecaster.horizonPeaksCovered() / forecaster.horizonPeaksScored())
                        .as("its own count of covered look-aheads").isBetween(0.85, 0.95);
                }
            }
        }
        System.out.printf("RollUpForecasterTest look-ahead peak coverage %.3f -> %.3f, bound/peak %.3f -> %.3f%n",
            horizonCoverage[0], horizonCoverage[1], ratio[0], ratio[1]);
        assertThat(horizonCoverage[0]).as("row bounds alone, look-ahead peak coverage").isLessThan(0.8);
        assertThat(horizonCoverage[1]).as("with the horizon factor").isBetween(0.85, 0.95);
        assertThat(ratio[1]).as("mean bound over the realised peak").isLessThan(1.5).isGreaterThan(ratio[0]);
    }

    /**
     * Guards the lineage of the learnt factors: a split child keeps the parent's, a new partition starts unlearnt
     * ({@code κ} NaN, {@code λ} 1), a merge takes the larger.
     */
    @Test
    void shouldKeepThePeakFactorForASplitChildAndForgetItForANewPartition() {
        try (LoadHistory history = LoadHistory.inMemory(3, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(PER_ROW, 4 * ROWS_PER_DAY))) {
            final RollUpForecaster forecaster = rowSnaive(3, 20);
            final ForecastTable table = new ForecastTable(3, 20);
            for (int t = 0; t < 3 * DAY; t++) {
                history.writeRow(0, t % PER_ROW == 1 ? 50 : 10, 0, 0, NO_BUCKETS);
                history.completeTick();
                forecaster.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, table);
            }
            assertThat(forecaster.peakFactor(0)).isGreaterThan(1);
            forecaster.onSplitChild(0, 1, 0.5);
            assertThat(forecaster.peakFactor(1)).isEqualTo(forecaster.peakFactor(0));
            forecaster.restoreFactors(0, Math.log(forecaster.peakFactor(0)), 0.25);
            forecaster.onSplitChild(0, 1, 0.5);
            assertThat(forecaster.horizonFactor(1)).isEqualTo(Math.exp(0.25));
            forecaster.onNewPartition(1);
            assertThat(forecaster.peakFactor(1)).isNaN();
            assertThat(forecaster.horizonFactor(1)).isEqualTo(1);
            forecaster.onMergedPartition(0, 1, 2, 0.5);
            assertThat(forecaster.peakFactor(2)).isEqualTo(forecaster.peakFactor(0));
            assertThat(forecaster.horizonFactor(2)).isEqualTo(Math.exp(0.25));
        }
    }

    /**
     * Guards the row steps against the tick steps they replace: two instances of the same forecaster, fed the same
     * bursty load (a burst at a random tick of each row, so that the learnt factors move), write one into a table of
     * tick steps and one into a table of its own schedule (two tick steps, then one step per row: 9 steps instead
     * of 29). At every tick, each tick ahead must read the same mean, median and p90 through the step that holds it,
     * and every look-ahead the same peak bound, so that the engine decides the same from far fewer values.
     */
    @Test
    void shouldServeTheSameForecastsFromRowStepsAsFromTickSteps() {
        final int horizon = DAY + 5;
        final double[] load = burstyRows(new SplittableRandom(5), 8 * ROWS_PER_DAY, PER_ROW);
        try (LoadHistory history = LoadHistory.inMemory(2, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(PER_ROW, 4 * ROWS_PER_DAY))) {
            final RollUpForecaster perTick = rowSnaive(2, horizon);
            final RollUpForecaster perStep = rowSnaive(2, horizon);
            final ForecastTable ticks = new ForecastTable(2, horizon);
            final ForecastTable steps = new ForecastTable(2, perStep.schedule(history, horizon), horizon);
            assertThat(steps.stepCapacity()).isEqualTo(2 + (horizon - 2 + PER_ROW - 1) / PER_ROW + 1);
            for (int t = 0; t < load.length; t++) {
                history.writeRow(0, load[t], 0, 0, NO_BUCKETS);
                history.completeTick();
                perTick.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, ticks);
                perStep.forecast(history, Resource.INGEST_POINTS, new int[] {0}, 1, steps);
                for (int h = 1; h <= horizon; h++) {
                    final int k = steps.stepAt(h);
                    assertThat(new double[] {steps.mean(0, k), steps.p50(0, k), steps.p90(0, k),
                        steps.peakUpper(0, h)}).as("tick %d, %d ahead", t, h).containsExactly(ticks.mean(0, h - 1),
                        ticks.p50(0, h - 1), ticks.p90(0, h - 1), ticks.peakUpper(0, h));
                }
                assertThat(steps.peakUpper(0)).isEqualTo(ticks.peakUpper(0));
            }
            assertThat(perStep.horizonFactor(0)).isEqualTo(perTick.horizonFactor(0));
            assertThat(perStep.peakFactor(0)).isEqualTo(perTick.peakFactor(0)).isGreaterThan(1);
        }
    }

    /** Guards the allocation promise: ticks and row completions of the roll-up path allocate nothing. */
    @Test
    void shouldNotAllocateWhenTickingInSteadyState() {
        try (LoadHistory history = LoadHistory.inMemory(4, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(PER_ROW, 4 * ROWS_PER_DAY))) {
            final RollUpForecaster forecaster = rowSnaive(4, 20);
            // the table the engine builds for it: tick steps, then one step per row (aligned every tick)
            final ForecastTable table = new ForecastTable(4, forecaster.schedule(history, 20), 20);
            assertThat(table.isTickSteps()).isFalse();
            final int[] slots = {0, 1, 2, 3};
            final long[] tick = {0};
            final long allocated = AllocationMeter.allocatedBytes(100, () -> {
                final int t = (int) tick[0]++;
                for (int slot = 0; slot < 4; slot++) {
                    history.writeRow(slot, rowLoad(t) + slot, 0, 0, NO_BUCKETS);
                }
                history.completeTick();
                forecaster.forecast(history, Resource.INGEST_POINTS, slots, 4, table);
            });
            assertThat(allocated).isZero();
        }
    }

    private static RollUpForecaster rowSnaive(final int slots, final int horizon) {
        final int levelHorizon = horizon / PER_ROW + 2;
        return new RollUpForecaster(slots, horizon, new SeasonalNaiveForecaster(1), 2,
            new EnsembleForecaster(slots, levelHorizon, ROWS_PER_DAY, new OnlineModel[0], new Forecaster[0],
                ROWS_PER_DAY * 3, ROWS_PER_DAY, Long.MAX_VALUE / 4, 0.05, 2.0, null, true, false, 1),
            1, levelHorizon);
    }

    /** Per row, a base load of 100-110 with a burst of 100-300 more at one random tick. */
    static double[] burstyRows(final SplittableRandom rng, final int rows, final int perRow) {
        final double[] load = new double[rows * perRow];
        for (int r = 0; r < rows; r++) {
            final int burst = rng.nextInt(perRow);
            for (int i = 0; i < perRow; i++) {
                load[r * perRow + i] = 100 + 10 * rng.nextDouble() + (i == burst ? 100 + 200 * rng.nextDouble() : 0);
            }
        }
        return load;
    }

    /** Load of tick index {@code t}: constant within a row, a different level per row of the day. */
    private static double rowLoad(final int t) {
        final int rowOfDay = t / PER_ROW % ROWS_PER_DAY;
        return 10 + 5 * rowOfDay + (rowOfDay == 3 ? 30 : 0);
    }
}
