package io.presplit.daemon;

import io.presplit.forecast.onnx.LstmForecaster;
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
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code presplit train}: from load files to a model file the replay serves, with clear errors on bad input. */
class TrainCommandTest {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @TempDir
    Path dir;

    /**
     * Guards the command end to end: a timestamped trace (read by the replay's reader) and an untimed column file
     * given its tick train one model, which is written as a checked model file that {@link LstmForecaster} opens
     * with the requested window, horizon and p90 head; the progress and the held-out scores are printed.
     */
    @Test
    void shouldWriteServableModelWhenTrainedOnTraceAndColumns() throws Exception {
        final Path trace = dir.resolve("cycle.csv");
        final StringBuilder csv = new StringBuilder("timestamp,value\n");
        final LocalDateTime start = LocalDateTime.of(2020, 1, 1, 0, 0);
        for (int t = 0; t < 24 * 12 * 4; t++) {
            csv.append(start.plusMinutes(15L * t).format(TIME)).append(',')
                .append(100 + 50 * Math.sin(2 * Math.PI * t / 96) + t % 7).append('\n');
        }
        Files.writeString(trace, csv);
        final Path columns = dir.resolve("columns.csv");
        final StringBuilder rows = new StringBuilder("cpu,mem\n");
        for (int t = 0; t < 400; t++) {
            rows.append(20 + 10 * Math.sin(2 * Math.PI * t / 288)).append(',').append(50 + t % 11).append('\n');
        }
        Files.writeString(columns, rows);
        final Path model = dir.resolve("load.psmodel");

        final String output = run(0, "train", "--input", trace.toString(), columns + "@300", "--ticks", "300,900",
            "--window", "16", "--horizon", "4", "--hidden", "4", "--epochs", "2", "--windows-per-epoch", "128",
            "--out", model.toString());

        assertThat(output).contains("epoch 2/2").contains("tick 300 s: 2 series").contains("tick 900 s: 3 series")
            .contains("wrote " + model);
        try (LstmForecaster lstm = LstmForecaster.openModelFile(model)) {
            assertThat(lstm.windowTicks()).isEqualTo(16);
            assertThat(lstm.modelHorizon()).isEqualTo(4);
            assertThat(lstm.hasP90()).isTrue();
        }
    }

    /** Guards the error contract: a bad cell is named with its file and line, and no model file is written. */
    @Test
    void shouldNameFileAndLineWhenTraceIsBad() throws Exception {
        final Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,oops\n");
        final Path model = dir.resolve("never.psmodel");
        final String err = runExpectingError(2, "train", "--input", bad.toString(), "--out", model.toString());
        assertThat(err).contains("bad.csv").contains("line=3").contains("oops");
        assertThat(model).doesNotExist();
    }

    /**
     * Guards the untimed layouts: a file without timestamps has no tick to train at, so the command must ask for
     * one by name rather than guess; too short a series must say what length was needed.
     */
    @Test
    void shouldAskForTickWhenFileHasNoTimestamps() throws Exception {
        final Path m4 = dir.resolve("m4.csv");
        Files.writeString(m4, "\"V1\",\"V2\",\"V3\",\"V4\"\n\"H1\",\"1\",\"2\",\"3\"\n");
        final Path model = dir.resolve("never.psmodel");
        assertThat(runExpectingError(2, "train", "--input", m4.toString(), "--out", model.toString()))
            .contains("give its tick as FILE@SECONDS").contains("m4.csv");
        assertThat(runExpectingError(2, "train", "--input", m4 + "@3600", "--out", model.toString()))
            .contains("no series is long enough").contains("needed=60");
        assertThat(runExpectingError(2, "train", "--input", dir.resolve("absent.csv").toString(), "--out",
            model.toString())).contains("training file not found").contains("absent.csv");
        assertThat(runExpectingError(2, "train", "--input", m4 + "@3600", "--ticks", "900", "--out",
            model.toString())).contains("divides none of --ticks").contains("tickSeconds=3600");
        assertThat(model).doesNotExist();
    }

    private static String run(final int expectedCode, final String... args) {
        final PrintStream saved = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final int code;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            code = PresplitCli.commandLine().execute(args);
        } finally {
            System.setOut(saved);
        }
        final String text = captured.toString(StandardCharsets.UTF_8);
        System.out.print(text);
        assertThat(code).as(text).isEqualTo(expectedCode);
        return text;
    }

    private static String runExpectingError(final int expectedCode, final String... args) {
        final StringWriter err = new StringWriter();
        final CommandLine cli = PresplitCli.commandLine();
        cli.setErr(new PrintWriter(err));
        final int code = cli.execute(args);
        assertThat(code).as(err.toString()).isEqualTo(expectedCode);
        return err.toString();
    }
}
