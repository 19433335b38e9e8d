package io.presplit.daemon.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** One line per interval, and each line says how many occurrences it stands for. */
class ThrottledWarningTest {
    @Test
    void shouldLetTheFirstOccurrenceThroughAndCountTheHeldBackOnesIntoTheNextLine() {
        final ThrottledWarning warning = new ThrottledWarning(10, 1_000);
        assertThat(warning.occur(1_000)).isEqualTo(1);
        assertThat(warning.occur(1_001)).isZero();
        assertThat(warning.occur(1_009)).isZero();
        assertThat(warning.occur(1_010)).isEqualTo(3);
        assertThat(warning.occur(1_015)).isZero();
        assertThat(warning.occur(1_100)).isEqualTo(2);
    }
}
