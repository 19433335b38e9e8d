package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;

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
}
