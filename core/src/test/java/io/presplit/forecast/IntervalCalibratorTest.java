package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.presplit.AllocationMeter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntervalCalibratorTest {
    /**
     * Guards calibration: with Gaussian noise of known sigma around an unbiased forecast, the 90% quantile must
     * settle near 1.2816 sigma and cover about 90% of later actuals, measured independently of the calibrator's own
     * count from the p90 it wrote into the table. Tolerance: coverage 0.9 &plusmn; 0.03 over 4,000 ticks; the
     * offset averaged over those ticks within 10% of 1.2816 sigma (one instant jitters by up to about 20%: the scale
     * is an average of about 50 residuals and z moves by eta = 0.02 per residual).
     */
    @Test
    void shouldCoverNinetyPercentWhenResidualsAreStationary() {
        final long seed = 20_261_124L; // fixed: a statistical tolerance must give the same verdict every run
        System.out.println("IntervalCalibratorTest seed=" + seed);
        final SplittableRandom rng = new SplittableRandom(seed);
        final int horizon = 3;
        final double sigma = 10;
        final ForecastTable table = new ForecastTable(1, horizon);
        final IntervalCalibrator calibrator = new IntervalCalibrator(1, horizon, 0.02, 0.02);
        long hits = 0;
        long checked = 0;
        double offsetSum = 0;
        for (long t = 0; t < 6_000; t++) {
            for (int h = 0; h < horizon; h++) {
                table.mean(0, h, 100);
            }
            calibrator.calibrate(0, t, table);
            // step 0 of the path issued at tick count t predicts tick index t.
            final double issuedP90 = table.p90(0, 0);
            final double actual = 100 + sigma * gaussian(rng);
            if (t >= 2_000) {
                checked++;
                hits += actual <= issuedP90 ? 1 : 0;
                offsetSum += calibrator.upperOffset(0, 2);
            }
            calibrator.observe(0, t, actual);
        }
        assertThat((double) hits / checked).isCloseTo(0.9, within(0.03));
        assertThat(calibrator.coverage90(0)).isCloseTo(0.9, within(0.03));
        assertThat(calibrator.coverage90(2)).isCloseTo(0.9, within(0.03));
        assertThat(calibrator.coverage50(1)).isCloseTo(0.5, within(0.04));
        assertThat(offsetSum / checked).isCloseTo(1.2816 * sigma, within(0.1 * 1.2816 * sigma));
    }

    /**
     * Guards the sampled steps: at a day of 5-minute ticks (H = 288) the calibrator remembers O(H) forecasts per
     * slot, not H²; every step below 12 and the last step are tracked; and an untracked step's offset lies between
     * its tracked neighbours' once noise that grows with the step has been learnt (interpolation, not a default).
     */
    @Test
    void shouldRememberLinearlyManyForecastsWhenTheHorizonIsLong() {
        final int horizon = 288;
        final IntervalCalibrator calibrator = new IntervalCalibrator(1, horizon, 0.05, 0.05);
        assertThat(calibrator.ringsPerSlot()).isLessThan(4 * horizon);
        final int[] steps = IntervalCalibrator.trackedSteps(horizon);
        assertThat(steps).startsWith(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11).endsWith(horizon - 1);
        assertThat(steps.length).isEqualTo(calibrator.trackedStepCount()).isLessThan(25);
        final SplittableRandom rng = new SplittableRandom(5);
        final ForecastTable table = new ForecastTable(1, horizon);
        // each step its own error: the table holds -0.1 (h + 1) against an actual of about zero
        for (long t = 0; t < 3_000; t++) {
            for (int h = 0; h < horizon; h++) {
                table.mean(0, h, -0.1 * (h + 1));
            }
            calibrator.calibrate(0, t, table);
            calibrator.observe(0, t, 0.01 * gaussian(rng));
        }
        // residual of step h is about 0.1 (h + 1): offsets must grow with h, and interpolate between tracked steps
        final int untracked = 100;
        int lowerStep = 0;
        int upperStep = horizon - 1;
        for (final int s : steps) {
            if (s < untracked) {
                lowerStep = s;
            } else if (s > untracked && s < upperStep) {
                upperStep = s;
            }
        }
        assertThat(lowerStep).isLessThan(untracked);
        assertThat(upperStep).isGreaterThan(untracked);
        final double atUntracked = calibrator.upperOffset(0, untracked);
        assertThat(atUntracked).isBetween(calibrator.upperOffset(0, lowerStep), calibrator.upperOffset(0, upperStep));
        assertThat(atUntracked).isCloseTo(0.1 * (untracked + 1), within(0.02 * (untracked + 1)));
    }

    /**
     * Guards the rings against gaps: a slot calibrated at tick count 10, then not again until 30, must not read the
     * forecast issued at 10 as if it had been issued at a later origin, and must learn nothing from origins it never
     * issued.
     */
    @Test
    void shouldIgnoreOriginsThatWereNeverIssuedWhenASlotSkipsTicks() {
        final IntervalCalibrator calibrator = new IntervalCalibrator(1, 3, 0.05, 0.05);
        final ForecastTable table = new ForecastTable(1, 3);
        for (int h = 0; h < 3; h++) {
            table.mean(0, h, 100);
        }
        calibrator.calibrate(0, 10, table);
        for (long t = 10; t < 30; t++) {
            calibrator.observe(0, t, 0);
        }
        // origin 10's three forecasts each set a step's scale (a first residual is not checked); ticks 13..29
        // have no issued origin at any step
        for (int h = 0; h < 3; h++) {
            assertThat(calibrator.checked(h)).isZero();
        }
        calibrator.calibrate(0, 30, table);
        calibrator.observe(0, 30, 100);
        calibrator.calibrate(0, 31, table);
        calibrator.observe(0, 31, 100);
        // step 0: origins 30 and 31; step 1: origin 30; step 2 would need origin 29, never issued
        assertThat(calibrator.checked(0)).isEqualTo(2);
        assertThat(calibrator.checked(1)).isEqualTo(1);
        assertThat(calibrator.checked(2)).isZero();
    }

    /** Guards the hot path: learning from a tick and calibrating a slot allocate nothing. */
    @Test
    void shouldNotAllocateWhenObservingAndCalibrating() {
        final ForecastTable table = new ForecastTable(4, 12);
        final IntervalCalibrator calibrator = new IntervalCalibrator(4, 12, 0.05, 0.05);
        final long[] tick = {0};
        assertThat(AllocationMeter.allocatedBytes(10_000, () -> {
            final long t = tick[0]++;
            for (int slot = 0; slot < 4; slot++) {
                calibrator.observe(slot, t - 1, t % 7);
                for (int h = 0; h < 12; h++) {
                    table.mean(slot, h, 3);
                }
                calibrator.calibrate(slot, t, table);
            }
        })).isZero();
    }

    private static double gaussian(final SplittableRandom rng) {
        // Box-Muller: SplittableRandom has no nextGaussian.
        final double u = 1.0 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
