package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class ForecastTableTest {
    /** Guards the documented layout: column offsets, cache-line rows, and a value landing where the spec says. */
    @Test
    void shouldPlaceValuesWhereTheDescriptorSaysWhenWritten() {
        assertThat(ForecastTableDescriptor.rowLength(5)).isEqualTo(128); // 3 * 5 * 8 = 120, rounded to 128
        assertThat(ForecastTableDescriptor.rowLength(8)).isEqualTo(192);
        assertThat(ForecastTableDescriptor.columnOffset(5, ForecastTableDescriptor.P90_COLUMN)).isEqualTo(80);
        final ForecastTable table = new ForecastTable(3, 5);
        table.mean(2, 4, 7.0);
        table.quantiles(2, 4, 8.0, 9.0);
        final long row = 2 * ForecastTableDescriptor.rowLength(5);
        assertThat(table.segment().get(ValueLayout.JAVA_DOUBLE, row + 4 * 8)).isEqualTo(7.0);
        assertThat(table.segment().get(ValueLayout.JAVA_DOUBLE, row + 40 + 4 * 8)).isEqualTo(8.0);
        assertThat(table.segment().get(ValueLayout.JAVA_DOUBLE, row + 80 + 4 * 8)).isEqualTo(9.0);
        assertThat(table.segment().address() % ForecastTableDescriptor.ROW_ALIGNMENT).isZero();
    }

    /**
     * Guards the compatibility rule: a forecaster that writes only means leaves quantiles equal to them, so
     * {@code peakUpper} never reads stale or zero quantiles.
     */
    @Test
    void shouldSetQuantilesToTheMeanWhenOnlyTheMeanIsWritten() {
        final ForecastTable table = new ForecastTable(2, 4);
        table.quantiles(0, 1, 99, 99);
        for (int h = 0; h < 4; h++) {
            table.mean(0, h, 10 + h);
            table.mean(1, h, 1);
        }
        assertThat(table.p50(0, 1)).isEqualTo(11);
        assertThat(table.p90(0, 1)).isEqualTo(11);
        assertThat(table.peakUpper(0)).isEqualTo(13);
        table.quantiles(0, 2, 12, 30);
        assertThat(table.peakUpper(0)).isEqualTo(30);
        assertThat(table.peak(0)).isEqualTo(13);
        assertThat(table.mergedPeak(0, 1)).isEqualTo(14);
        assertThat(table.mergedPeakUpper(0, 1)).isEqualTo(31);
        table.horizon(2);
        assertThat(table.peakUpper(0)).isEqualTo(11);
    }

    /**
     * Guards the dense peak column the adjustment loop reads: after any sequence of ticks, each writing a slot's
     * steps from 0 upwards with means, quantiles or both, it equals the maximum of the row's p90 over the horizon.
     */
    @Test
    void shouldKeepTheDensePeakEqualToTheRowMaximumWhateverIsWritten() {
        final java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        final ForecastTable table = new ForecastTable(8, 6);
        for (int tick = 0; tick < 200; tick++) {
            if (tick % 50 == 49) {
                table.horizon(1 + random.nextInt(6));
            }
            final int slot = random.nextInt(8);
            final int written = random.nextBoolean() ? table.horizon() : table.maxHorizon();
            for (int h = 0; h < written; h++) {
                final double mean = random.nextDouble(0, 1000);
                table.mean(slot, h, mean);
                if (random.nextBoolean()) {
                    table.quantiles(slot, h, mean, mean + random.nextDouble(-50, 500));
                }
            }
            for (int s = 0; s < 8; s++) {
                double expected = Double.NEGATIVE_INFINITY;
                for (int h = 0; h < table.horizon(); h++) {
                    expected = Math.max(expected, table.p90(s, h));
                }
                if (expected != Double.NEGATIVE_INFINITY && table.p90(s, 0) != 0) {
                    assertThat(table.peakUpper(s)).as("slot %d after tick %d", s, tick).isEqualTo(expected);
                }
            }
        }
    }

    /**
     * Guards the step schedule's alignment to the history's rows: three tick steps, then rows of 10 ticks up to 40
     * ticks ahead. With 25 ticks completed, the next tick is index 25; the tick steps hold indices 25-27, the first
     * row step the rest of the row in progress (28-29), then whole rows (30-39, 40-49, 50-59), and the last step
     * stops at the horizon, inside the row 60-69 (60-64). A step mapped across a row boundary would mix two rows'
     * forecasts.
     */
    @Test
    void shouldLayRowStepsOutAlongTheHistoryRowsWhenAligned() {
        final StepSchedule schedule = StepSchedule.ticks(3).thenRows(10, 40);
        assertThat(schedule.stepCapacity()).isEqualTo(3 + 4 + 1);
        final ForecastTable table = new ForecastTable(1, schedule, 40);
        table.align(25);
        final int[][] expected = {{1, 1}, {2, 1}, {3, 1}, {4, 2}, {6, 10}, {16, 10}, {26, 10}, {36, 5}};
        assertThat(table.stepCount()).isEqualTo(expected.length);
        for (int k = 0; k < expected.length; k++) {
            assertThat(new int[] {table.firstTick(k), table.spanTicks(k)}).as("step %d", k).containsExactly(
                expected[k]);
        }
        assertThat(table.stepAt(5)).isEqualTo(3);
        assertThat(table.stepAt(6)).isEqualTo(4);
        assertThat(table.stepAt(40)).isEqualTo(7);
        table.align(30);
        assertThat(table.firstTick(3)).isEqualTo(4);
        assertThat(table.spanTicks(3)).isEqualTo(7);
        assertThat(table.stepCount()).isEqualTo(3 + 4);
    }

    /**
     * Guards the look-ahead over row steps: a look-ahead that ends inside an hour row reads that row's bound (the
     * bound holds for the row's largest tick, which may lie within the look-ahead), and not the next row's. Two
     * tick steps, then hourly rows (60 ticks) for 4 hours, aligned to a row's end.
     */
    @Test
    void shouldReadTheRowsBoundWhenALookAheadEndsInsideAnHourRow() {
        final ForecastTable table = new ForecastTable(1, StepSchedule.ticks(2).thenRows(60, 240), 240);
        table.align(120);
        final double[] bounds = {5, 6, 40, 50, 90, 20};
        for (int k = 0; k < table.steps(); k++) {
            table.mean(0, k, 1);
            table.quantiles(0, k, 1, bounds[k]);
        }
        // steps: ticks 1, 2, then 3-60 (the first hour's rest), 61-120, 121-180, 181-240
        assertThat(table.steps()).isEqualTo(6);
        assertThat(table.peakUpper(0, 2)).isEqualTo(6);
        assertThat(table.peakUpper(0, 3)).as("ends at the first tick of the first row step").isEqualTo(40);
        assertThat(table.peakUpper(0, 60)).isEqualTo(40);
        assertThat(table.peakUpper(0, 61)).as("one tick into the second hour").isEqualTo(50);
        assertThat(table.peakUpper(0, 70)).as("ends inside the second hour: its bound, not the third's")
            .isEqualTo(50);
        assertThat(table.peakUpper(0, 121)).as("one tick into the third hour").isEqualTo(90);
        assertThat(table.peakUpper(0)).isEqualTo(90);
        table.horizon(100);
        assertThat(table.steps()).as("the horizon ends inside the second hour: its row is read whole").isEqualTo(4);
        assertThat(table.peakUpper(0)).isEqualTo(50);
    }

    /**
     * Guards the merge check over row steps: the merged bound is the largest step-by-step sum over the steps
     * covering the horizon, row steps included.
     */
    @Test
    void shouldSumRowBoundsStepByStepWhenMerging() {
        final ForecastTable table = new ForecastTable(2, StepSchedule.ticks(1).thenRows(4, 9), 9);
        // aligned to tick 0: tick 1, then ticks 2-4 (the first row's rest), 5-8, and 9 (the band ends in a row)
        assertThat(table.steps()).isEqualTo(4);
        for (int k = 0; k < table.steps(); k++) {
            table.mean(0, k, 1);
            table.mean(1, k, 1);
            table.quantiles(0, k, 1, k == 1 ? 7 : 2);
            table.quantiles(1, k, 1, k == 2 ? 8 : 3);
        }
        assertThat(table.mergedPeakUpper(0, 1)).as("7 + 3 and 2 + 8, not 7 + 8").isEqualTo(10);
        assertThat(table.mergedPeak(0, 1)).isEqualTo(2);
    }

    /** Guards the table's contract with its schedule: one that does not cover the horizon is refused, by name. */
    @Test
    void shouldRefuseAScheduleThatDoesNotCoverTheHorizon() {
        assertThatThrownBy(() -> new ForecastTable(4, StepSchedule.ticks(15).thenRows(360, 4_320), 8_640))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("step schedule does not cover the horizon")
            .hasMessageContaining("maxHorizon=8640").hasMessageContaining("scheduleTicks=4320");
        assertThatThrownBy(() -> StepSchedule.ticks(15).thenRows(360, 10))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("extend the horizon");
        assertThatThrownBy(() -> StepSchedule.ticks(15).thenRows(60, 600).thenRows(60, 1200))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer steps");
    }

    /**
     * Guards the tick-level forecasters' side: they write one step per tick, so a table with row steps is refused
     * with the forecaster and the schedule named, instead of being written past its steps.
     */
    @Test
    void shouldRefuseRowStepsToATickLevelForecaster() {
        final ForecastTable rows = new ForecastTable(1, StepSchedule.ticks(2).thenRows(6, 30), 30);
        try (SeasonalNaiveForecaster snaive = new SeasonalNaiveForecaster(1)) {
            assertThatThrownBy(() -> snaive.forecast(null, io.presplit.profile.Resource.INGEST_POINTS, new int[] {0},
                1, rows)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one step per tick").hasMessageContaining("rows of 6 ticks to 30");
        }
    }

    /**
     * Guards the memory the schedule is for: a day ahead at 10-second ticks with a quarter hour of tick steps and
     * hourly rows is 90 + 25 steps (2,816 bytes a slot), not 8,640 (207,360 bytes); at 1-second ticks 900 + 25.
     */
    @Test
    void shouldHoldADayAheadInTickStepsPlusRowsWhenTheLongStepsAreHours() {
        final StepSchedule tenSeconds = StepSchedule.ticks(90).thenRows(360, 8_640);
        assertThat(tenSeconds.stepCapacity()).isEqualTo(90 + 24 + 1);
        assertThat(ForecastTableDescriptor.rowLength(tenSeconds.stepCapacity())).isEqualTo(2_816);
        assertThat(ForecastTableDescriptor.rowLength(8_640)).isEqualTo(207_360);
        assertThat(StepSchedule.ticks(900).thenRows(3_600, 86_400).stepCapacity()).isEqualTo(900 + 24 + 1);
    }
}
