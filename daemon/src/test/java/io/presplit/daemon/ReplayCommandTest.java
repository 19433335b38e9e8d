package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

class ReplayCommandTest {
    @TempDir
    Path dir;

    /** Guards {@code --thresholds}: one result per policy and given threshold, in the order given. */
    @Test
    void shouldRunEachGivenThresholdWhenAsked() throws Exception {
        final Path trace = trace();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        final int code;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            code = PresplitCli.commandLine().execute("replay", "--trace", trace.toString(), "--policies", "reactive",
                "--thresholds", "0.8,1.0", "--no-compaction", "--format", "json");
        } finally {
            System.setOut(stdout);
        }
        assertThat(code).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith("{")))
            .satisfiesExactly(
                line -> assertThat(line).contains("\"policy\":\"reactive\"").contains("\"threshold\":0.8000"),
                line -> assertThat(line).contains("\"policy\":\"reactive\"").contains("\"threshold\":1.0000"));
    }

    /** Guards the error contract: thresholds that cannot mean anything are refused with what was wrong. */
    @Test
    void shouldRefuseASweepWithThresholdsAndANonPositiveThreshold() throws Exception {
        assertThat(refusal("--sweep", "--thresholds", "0.8")).contains("--sweep and --thresholds exclude each other");
        assertThat(refusal("--thresholds", "0")).contains("a split threshold must be positive [threshold=0.0]");
    }

    private String refusal(final String... options) throws Exception {
        final StringWriter err = new StringWriter();
        final CommandLine cli = PresplitCli.commandLine();
        cli.setErr(new PrintWriter(err));
        final String[] args = new String[options.length + 4];
        args[0] = "replay";
        args[1] = "--trace";
        args[2] = trace().toString();
        args[3] = "--no-compaction";
        System.arraycopy(options, 0, args, 4, options.length);
        assertThat(cli.execute(args)).isNotZero();
        return err.toString();
    }

    /** Three keys, two days of hourly ticks with a daily peak. */
    private Path trace() throws Exception {
        final Path trace = dir.resolve("trace.csv");
        final StringBuilder csv = new StringBuilder("timestamp,a,b,c\n");
        for (int t = 0; t < 48; t++) {
            final double day = 1 + Math.sin(2 * Math.PI * t / 24);
            csv.append(1_700_000_000L + 3600L * t).append(',').append(10 * day).append(',').append(5 + day)
                .append(',').append(2).append('\n');
        }
        Files.writeString(trace, csv);
        return trace;
    }
}
