package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The warm-up's contract: it runs once per JVM, and only for an engine where the first roll-up row boundary's
 * recompilation is worth a second at start (a large slot capacity and roll-up levels). What it does to the compiler
 * is measured, not tested: docs/BENCHMARKS.md, "The first row boundary after start".
 */
class FoldWarmUpTest {
    @Test
    void shouldRunOnceAndOnlyForLargeEnginesWithRollUpLevels() {
        assertThat(FoldWarmUp.runOnce(FoldWarmUp.WORTHWHILE_SLOTS - 1, 3, 8)).as("a small engine").isFalse();
        assertThat(FoldWarmUp.runOnce(1 << 20, 1, 8)).as("ticks only: no row closes").isFalse();
        assertThat(FoldWarmUp.runOnce(1 << 20, 3, 8)).isTrue();
        assertThat(FoldWarmUp.runOnce(1 << 20, 2, 1)).as("once per JVM").isFalse();
    }
}
