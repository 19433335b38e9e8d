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
        assertThat(output).contains("4 slots, 30 ticks completed");
        assertThat(output.indexOf("slot 3")).isPositive().isLessThan(output.indexOf("slot 1"));
        assertThat(output).doesNotContain("slot 0").doesNotContain("slot 2");
        assertThat(output).contains("sum        190").contains("47 48 49");
    }
}
