package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

class ProfileCommandTest {
    @TempDir
    Path directory;

    /**
     * Guards the profile view of a persisted history: partitions ranked by load over the window, the busiest
     * first, with their statistics and recent series; idle slots left out.
     */
    @Test
    void shouldRankPartitionsByWindowLoadWhenReadingAHistoryFile() {
        final Path file = directory.resolve("load.psh");
        try (LoadHistory history = LoadHistory.open(file, 4, 0.5, new LoadHistory.Level(1, 32))) {
            for (int t = 0; t < 30; t++) {
                history.writeRow(1, 10, 100, 0, new long[KeySpace.BUCKET_COUNT]);
                history.writeRow(3, 20 + t, 200, 5, new long[KeySpace.BUCKET_COUNT]);
                history.completeTick();
            }
        }
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.out;
        final int exit;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = PresplitCli.commandLine().execute("profile", "--history", file.toString(), "--window", "4",
                "--recent", "3");
        } finally {
            System.setOut(original);
        }
        final String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(output).contains("4 slots, 30 ticks completed, levels [1x32]");
        assertThat(output.indexOf("slot 3")).isPositive().isLessThan(output.indexOf("slot 1"));
        assertThat(output).doesNotContain("slot 0").doesNotContain("slot 2");
        assertThat(output).contains("sum        190").contains("47 48 49");
    }

    /**
     * Guards the roll-up view: with {@code --level 1} the ranking and the series are the level's rows (sums of
     * ticks), and a level the history does not have is refused with the levels it has named.
     */
    @Test
    void shouldShowRolledUpRowsWhenALevelIsChosen() {
        final Path file = directory.resolve("levels.psh");
        try (LoadHistory history = LoadHistory.open(file, 3, 0.5, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(5, 4))) {
            for (int t = 0; t < 20; t++) {
                if (t % 2 == 0) {
                    history.writeRow(2, t, 1, 0, new long[KeySpace.BUCKET_COUNT]);
                }
                history.completeTick();
            }
        }
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.out;
        final int exit;
        final int refused;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            exit = PresplitCli.commandLine().execute("profile", "--history", file.toString(), "--level", "1",
                "--window", "2", "--recent", "4");
            refused = PresplitCli.commandLine().execute("profile", "--history", file.toString(), "--level", "2");
        } finally {
            System.setOut(original);
        }
        final String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(exit).isZero();
        assertThat(output).contains("levels [1x8, 5x4]").contains("last 2 rows of 5 ticks");
        // Rows of 5 ticks, even ticks loaded: 0+2+4, 6+8, 10+12+14, 16+18; the window sums the last two.
        assertThat(output).contains("slot 2").contains("sum         70").contains("6 14 36 34");
        assertThat(refused).isNotZero();
    }
}
