package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.capacity.Calibration;
import io.presplit.capacity.CapacityPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

class CalibrateCommandTest {
    @TempDir
    Path dir;

    /**
     * Guards the calibration contract: it measures the real store, finds a rate that met the SLO, writes figures
     * the planner reads back, and the plan is that rate times the headroom, per tick. (Short steps and an SLO of a
     * second: this checks the method, not the machine, which is shared and noisy.)
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldWriteFiguresThePlannerReadsWhenCalibrating() throws Exception {
        final Path out = dir.resolve("calibration.properties");
        final ByteArrayOutputStream console = new ByteArrayOutputStream();
        final int exit = PresplitCli.commandLine().setOut(new PrintWriter(console, true, StandardCharsets.UTF_8))
            .execute("calibrate", "--slo-p99-micros", "1000000", "--step-millis", "100", "--start-rate", "2000",
                "--max-rate", "64000", "--out", out.toString(), "--data-dir", dir.resolve("scratch").toString());

        assertThat(exit).isZero();
        final Calibration calibration = Calibration.read(out);
        assertThat(calibration.ingestPointsPerSecond()).isGreaterThanOrEqualTo(2000);
        assertThat(calibration.scanPointsPerSecond()).isPositive();
        assertThat(calibration.sloP99Micros()).isEqualTo(1_000_000);
        final CapacityPlan plan = calibration.plan(TimeUnit.SECONDS.toNanos(10), 0.5);
        assertThat(plan.ingestPointsPerTick()).isEqualTo(calibration.ingestPointsPerSecond() * 10 * 0.5);
    }

    /** Guards against silently planning from a broken file: a missing figure is named with the file. */
    @Test
    void shouldNameTheMissingFigureWhenTheFileIsIncomplete() throws Exception {
        final Path file = dir.resolve("broken.properties");
        Files.writeString(file, "ingestPointsPerSecond=1000\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Calibration.read(file))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("scanPointsPerSecond")
            .hasMessageContaining("broken.properties");
    }
}
