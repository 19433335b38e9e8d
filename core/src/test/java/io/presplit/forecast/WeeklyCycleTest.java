package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WeeklyCycleTest {
    private static final int DAY = 24;
    private static final int WEEK = 7 * DAY;

    /**
     * Guards the test's level: on series with a daily cycle, noise and a trend but no weekly cycle, the weekly test
     * must open for about 5 % of them (its nominal level). 1,000 series each of three and of eight weeks: a wrong
     * statistic or a wrong critical value (for instance the 1 % or 10 % values, or a day-of-week effect taken
     * against the grand mean without the week effect) moves the rate outside [2.5 %, 8 %] (Binomial(1000, 0.05) has
     * a standard deviation of 7 series).
     */
    @Test
    void shouldOpenForAboutFivePercentOfSeriesWithoutAWeeklyCycle() {
        final long seed = 20_261_124L; // fixed: a statistical tolerance must give the same verdict every run
        System.out.println("WeeklyCycleTest.level seed=" + seed);
        final SplittableRandom rng = new SplittableRandom(seed);
        final double[] scratch = new double[WeeklyCycle.scratchLength()];
        for (final int weeks : new int[] {3, 8}) {
            final double[] y = new double[weeks * WEEK + 5];
            int open = 0;
            for (int s = 0; s < 1_000; s++) {
                final double slope = rng.nextDouble() * 0.05;
                for (int t = 0; t < y.length; t++) {
                    y[t] = 100 + slope * t + 20 * Math.sin(2 * Math.PI * t / DAY) + 5 * EtsTest.gaussian(rng);
                }
                open += WeeklyCycle.isPresent(y, y.length, DAY, scratch) ? 1 : 0;
            }
            assertThat(open).as("series of %d weeks found weekly", weeks).isBetween(25, 80);
        }
    }

    /**
     * Guards the power the ensemble relies on: a weekend dip of 30 % on a daily cycle with noise (sd 10 % of the
     * level) is found with three weeks of history, also under a trend.
     */
    @Test
    void shouldFindAWeeklyCycleWhenWeekendsDip() {
        final long seed = 20_261_124L; // fixed: a statistical tolerance must give the same verdict every run
        System.out.println("WeeklyCycleTest.power seed=" + seed);
        final SplittableRandom rng = new SplittableRandom(seed);
        final double[] scratch = new double[WeeklyCycle.scratchLength()];
        final double[] y = new double[3 * WEEK];
        for (int s = 0; s < 20; s++) {
            for (int t = 0; t < y.length; t++) {
                y[t] = weekendDip(t, 0.3) * (100 + 0.02 * t) + 10 * EtsTest.gaussian(rng);
            }
            assertThat(WeeklyCycle.fStatistic(y, y.length, DAY, scratch)).isGreaterThan(WeeklyCycle.criticalF(3));
            assertThat(WeeklyCycle.isPresent(y, y.length, DAY, scratch)).isTrue();
        }
    }

    /** Guards the minimum history: under three whole weeks there is no test (NaN, never present). */
    @Test
    void shouldNotTestWhenFewerThanThreeWeeksOfHistory() {
        final double[] y = new double[3 * WEEK - 1];
        for (int t = 0; t < y.length; t++) {
            y[t] = weekendDip(t, 0.9) * 100;
        }
        final double[] scratch = new double[WeeklyCycle.scratchLength()];
        assertThat(WeeklyCycle.weeksUsable(y.length, DAY)).isZero();
        assertThat(WeeklyCycle.fStatistic(y, y.length, DAY, scratch)).isNaN();
        assertThat(WeeklyCycle.isPresent(y, y.length, DAY, scratch)).isFalse();
        assertThat(WeeklyCycle.weeksUsable(20 * WEEK, DAY)).isEqualTo(WeeklyCycle.MAX_WEEKS);
        assertThatThrownBy(() -> WeeklyCycle.criticalF(2)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("weeks=2");
    }

    /** A daily cycle whose weekend days (days 5 and 6 of each week) are lower by {@code dip}. */
    static double weekendDip(final int t, final double dip) {
        final int day = t / DAY % 7;
        final double daily = 1 + 0.4 * Math.sin(2 * Math.PI * t / DAY);
        return daily * (day >= 5 ? 1 - dip : 1);
    }
}
