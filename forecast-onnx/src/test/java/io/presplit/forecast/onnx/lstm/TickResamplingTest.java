package io.presplit.forecast.onnx.lstm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Putting load series on longer ticks: means of whole runs, gaps kept as gaps, only ticks the series' tick divides. */
class TickResamplingTest {
    /** Guards the arithmetic: a longer tick's load is the mean of the shorter ticks in it; a partial run is dropped. */
    @Test
    void shouldAverageWholeRunsWhenDownsampling() {
        assertThat(TickResampling.downsample(new double[] {1, 2, 3, 4, 5, 6, 7}, 3)).containsExactly(2.0, 5.0);
    }

    /**
     * Guards gap handling: a bin holding NaN must stay NaN (so the trainer skips the windows over it) instead of
     * averaging the gap away into a plausible value.
     */
    @Test
    void shouldKeepGapWhenABinHoldsNaN() {
        final double[] out = TickResampling.downsample(new double[] {1, Double.NaN, 3, 4}, 2);
        assertThat(out[0]).isNaN();
        assertThat(out[1]).isEqualTo(3.5);
    }

    /**
     * Guards the band assignment: a 5-minute series feeds the 5-minute, 15-minute and hourly bands; an hourly series
     * only the hourly band (it cannot be made finer), and results shorter than the minimum are left out.
     */
    @Test
    void shouldPutSeriesOnEveryTickItsTickDividesWhenResampling() {
        final double[] fiveMinutes = new double[120];
        final double[] hourly = new double[30];
        final Map<Long, List<double[]>> bands = TickResampling.atTicks(List.of(fiveMinutes, hourly),
            new long[] {300, 3600}, new long[] {300, 900, 3600}, 20);
        assertThat(bands.keySet()).containsExactly(300L, 900L, 3600L);
        assertThat(bands.get(300L)).hasSize(1);
        assertThat(bands.get(900L).get(0)).hasSize(40);
        // the 5-minute series gives 10 hourly values, under the minimum of 20: only the hourly series is there
        assertThat(bands.get(3600L)).containsExactly(hourly);
    }

    /** Guards the error contract: a non-positive tick is refused by name. */
    @Test
    void shouldRefuseNonPositiveTick() {
        assertThatThrownBy(() -> TickResampling.atTicks(List.of(new double[10]), new long[] {0}, new long[0], 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tickSeconds=0");
    }
}
