package io.presplit.adjust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A retired load slot waits its quarantine before a new partition takes it. */
class PartitionTableQuarantineTest {
    /**
     * Guards slot reuse against late counts: a slot retired at tick 10 with a quarantine of 5 ticks is not handed out
     * before tick 15 (a fresh slot is, while one remains), and is from then on.
     */
    @Test
    void shouldHandOutARetiredSlotOnlyOnceItsQuarantineHasPassed() {
        final PartitionTable table = new PartitionTable(2, 5);
        final int first = table.allocateSlot(0);
        table.add(1, 0, 100, first, 0);
        table.retire(first, 10);
        final int second = table.allocateSlot(14);
        assertThat(second).as("a fresh slot while the retired one waits").isNotEqualTo(first);
        assertThat(table.allocateSlot(14)).as("none free before the quarantine ends").isEqualTo(-1);
        assertThat(table.allocateSlot(15)).isEqualTo(first);
    }

    /** Guards the configuration: a quarantine shorter than the default's two ticks is refused with both named. */
    @Test
    void shouldRefuseAQuarantineShorterThanTwoTicks() {
        assertThatThrownBy(() -> new PartitionTable(4, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("quarantineTicks=1").hasMessageContaining("slotCapacity=4");
    }
}
