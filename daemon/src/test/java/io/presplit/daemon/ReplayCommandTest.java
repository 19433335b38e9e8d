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
        assertThat(refusal("--tick-seconds", "-5")).contains("--tick-seconds must be 0 (the default) or positive "
            + "[value=-5]");
        assertThat(refusal("--capacity", "-0.5")).contains("--capacity must be 0 (the default) or positive "
            + "[value=-0.5]");
        assertThat(refusal("--zipf-keys", "-3")).contains("--zipf-keys must be 0");
        assertThat(refusal("--merge-window", "-1")).contains("--merge-window must be 0");
        assertThat(refusal("--zipf-exponent", "0")).contains("--zipf-exponent must be positive [value=0.0]");
    }

    /**
     * Guards {@code FILE@SECONDS}: a file without timestamps replays its rows as consecutive ticks, the same as the
     * timed file with the same rows; a timed file given a spacing, or timed and untimed files together, are refused.
     */
    @Test
    void shouldReplayAnUntimedFileAsConsecutiveTicksOfTheGivenSpacing() throws Exception {
        final Path timed = trace();
        final Path untimed = dir.resolve("untimed.csv");
        Files.writeString(untimed, Files.readAllLines(timed).stream()
            .map(line -> line.substring(line.indexOf(',') + 1)).reduce("", (a, b) -> a + b + "\n"));

        final String fromTimed = jsonRows("--trace", timed.toString());
        final String fromUntimed = jsonRows("--trace", untimed + "@3600");
        assertThat(fromUntimed).isEqualTo(fromTimed).contains("\"policy\":\"reactive\"");

        assertThat(refusalOf("--trace", timed + "@3600")).contains("FILE@SECONDS is for files without timestamps");
        assertThat(refusalOf("--trace", timed.toString(), untimed + "@3600"))
            .contains("must all have timestamps or all be FILE@SECONDS");
        assertThat(refusalOf("--trace", untimed.toString())).contains("give its rows' spacing as FILE@SECONDS");
    }

    /**
     * Guards the notes a replay prints before it runs, for traces whose result would otherwise mislead: fewer keys
     * than partitions (every policy sits on the hot-key floor), a stray timestamp far after the rest (most ticks
     * carry the last values), and ticks so fine that a day is no season.
     */
    @Test
    void shouldNoteWhatATraceCannotShowBeforeItReplays() throws Exception {
        assertThat(notes("--trace", trace().toString())).contains("note: 3 key(s) for 4 initial partitions");
        assertThat(notes("--trace", trace().toString(), "--initial-partitions", "2")).doesNotContain("note:");

        final Path stray = dir.resolve("stray.csv");
        Files.writeString(stray, Files.readString(trace()) + (1_700_000_000L + 3600L * 300) + ",1,1,1\n");
        assertThat(notes("--trace", stray.toString(), "--initial-partitions", "2"))
            .contains("note: ticks 48 to 299 (252 of 301) repeat the tick before them");

        final Path fine = dir.resolve("fine.csv");
        final StringBuilder csv = new StringBuilder("timestamp,a,b\n");
        for (int t = 0; t < 40; t++) {
            csv.append(String.format("2020-01-01T00:00:%02d.%dZ,%d,3%n", t / 10, t % 10, 1 + t % 7));
        }
        Files.writeString(fine, csv);
        assertThat(notes("--trace", fine.toString(), "--initial-partitions", "2"))
            .contains("2 keys, 40 ticks of 0.1 s")
            .contains("note: a day is 864000 ticks, more than the 2880 a season may hold");
    }

    /** What a JSON replay of reactive writes on stderr (its progress and notes). */
    private static String notes(final String... options) {
        return replayJson(options)[1];
    }

    /** The JSON rows a replay of reactive prints on stdout. */
    private static String jsonRows(final String... options) {
        return String.join("\n", replayJson(options)[0].lines().filter(l -> l.startsWith("{")).toList());
    }

    /** Runs {@code replay OPTIONS --policies reactive --no-compaction --format json}: {stdout, stderr}. */
    private static String[] replayJson(final String... options) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        final PrintStream stderr = System.err;
        final String[] args = new String[options.length + 6];
        args[0] = "replay";
        System.arraycopy(options, 0, args, 1, options.length);
        System.arraycopy(new String[] {"--policies", "reactive", "--no-compaction", "--format", "json"}, 0, args,
            options.length + 1, 5);
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertThat(PresplitCli.commandLine().execute(args)).isZero();
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    private String refusal(final String... options) throws Exception {
        final String[] args = new String[options.length + 2];
        args[0] = "--trace";
        args[1] = trace().toString();
        System.arraycopy(options, 0, args, 2, options.length);
        return refusalOf(args);
    }

    /** What {@code replay --no-compaction} with exactly {@code options} writes on stderr when it refuses. */
    private static String refusalOf(final String... options) {
        final StringWriter err = new StringWriter();
        final CommandLine cli = PresplitCli.commandLine();
        cli.setErr(new PrintWriter(err));
        final String[] args = new String[options.length + 2];
        args[0] = "replay";
        args[1] = "--no-compaction";
        System.arraycopy(options, 0, args, 2, options.length);
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
