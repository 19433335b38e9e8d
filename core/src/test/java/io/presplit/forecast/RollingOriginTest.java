package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollingOriginTest {
    /**
     * Guards the scoring alignment: on a series that repeats exactly with period 4 plus a slow trend of 1 per
     * season, seasonal naive's h-step error is exactly the trend over ceil(h/4) seasons, so MASE at step 1 and 4 is
     * 1 (the scale is the same seasonal difference), and at step 5 it is 2. The interval metrics: one step ahead the
     * peak over steps 1..1 is the step itself, so peak coverage equals coverage; the calibrated upper interval is
     * wider where the errors are larger (step 5's are twice step 1's).
     */
    @Test
    void shouldScoreSeasonalNaiveExactlyWhenTheSeriesIsKnown() {
        final int ticks = 200;
        final double[][] data = new double[ticks][1];
        for (int t = 0; t < ticks; t++) {
            data[t][0] = 10 * (t % 4) + t / 4.0 * 1.0;
        }
        final RollingOrigin.StepScore[] scores = RollingOrigin.run(data, new SeasonalNaiveForecaster(4), 8, 4,
            new int[] {1, 4, 5}, 10);
        assertThat(scores[0].mase()).isCloseTo(1.0, within(1e-9));
        assertThat(scores[1].mase()).isCloseTo(1.0, within(1e-9));
        assertThat(scores[2].mase()).isCloseTo(2.0, within(1e-9));
        assertThat(scores[0].forecasts()).isEqualTo(ticks - 1 - 10);
        assertThat(scores[0].peakCoverage90()).isEqualTo(scores[0].coverage90());
        assertThat(scores[0].width90()).isPositive();
        assertThat(scores[2].width90()).isGreaterThan(scores[0].width90());
    }

    /** Guards the wide-trace reader: timestamp column skipped, blanks repeat, rows summed, bad cells named. */
    @Test
    void shouldReadAWideTraceWhenCellsAreBlankOrAggregated(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("t.csv");
        Files.writeString(file, "ts,a,b\n2020-01-01 00:00,1,2\n2020-01-01 00:01,,3\n2020-01-01 00:02,5,4\n"
            + "2020-01-01 00:03,6,\n");
        final double[][] data = RollingOrigin.readWide(file, 2, 10);
        assertThat(data.length).isEqualTo(2);
        assertThat(data[0]).containsExactly(2, 5);
        assertThat(data[1]).containsExactly(11, 8);
        Files.writeString(file, "ts,a\n2020,1\n2021,x\n");
        assertThatThrownBy(() -> RollingOrigin.readWide(file, 1, 10)).hasMessageContaining("t.csv:3:");
    }
}
