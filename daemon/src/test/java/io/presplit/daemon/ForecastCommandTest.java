package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

class ForecastCommandTest {
    @TempDir
    Path dir;

    /**
     * Guards the command's output contract: a header, then one row {@code id,F1..FH} per series in input order,
     * with blank trailing cells ignored; seasonal naive of period 3 on a known series gives known values.
     */
    @Test
    void shouldWriteOneRowPerSeriesWhenForecasting() throws Exception {
        final Path input = dir.resolve("in.csv");
        final Path out = dir.resolve("out.csv");
        Files.writeString(input, "\"V1\",\"V2\",\"V3\",\"V4\",\"V5\",\"V6\",\"V7\"\n"
            + "\"A\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"\n"
            + "\"B\",\"7\",\"8\",\"9\",\"\",\"\",\"\"\n");
        final int code = PresplitCli.commandLine().execute("forecast", "--input", input.toString(), "--horizon", "4",
            "--season", "3", "--model", "snaive", "--out", out.toString());
        assertThat(code).isZero();
        final List<String> rows = Files.readAllLines(out);
        assertThat(rows).containsExactly("id,F1,F2,F3,F4", "A,4.0,5.0,6.0,4.0", "B,7.0,8.0,9.0,7.0");
    }

    /** Guards the evaluation mode: every model name the command lists runs on real-looking data and scores. */
    @Test
    void shouldScoreEveryModelWhenEvaluating() throws Exception {
        final Path input = dir.resolve("in.csv");
        final StringBuilder csv = new StringBuilder();
        for (int s = 0; s < 3; s++) {
            csv.append("S").append(s);
            for (int t = 0; t < 24 * 12; t++) {
                csv.append(',').append(100 + s * 10 + 20 * Math.sin(2 * Math.PI * t / 24) + (t * 7919 % 13));
            }
            csv.append('\n');
        }
        Files.writeString(input, csv);
        for (final String model : List.of("naive", "snaive", "wsnaive", "ets", "arima", "ensemble", "lstm", "prophet",
            "ensemble+lstm+prophet")) {
            final Path out = dir.resolve(model + ".csv");
            final int code = PresplitCli.commandLine().execute("forecast", "--input", input.toString(),
                "--horizon", "24", "--season", "24", "--model", model, "--out", out.toString(), "--evaluate");
            assertThat(code).as(model).isZero();
            assertThat(Files.readAllLines(out)).hasSize(4);
        }
    }

    /**
     * Guards the rolling evaluation of the daemon's long-horizon forecaster: with {@code --daemon-roll-up} it scores
     * the intervals the forecaster writes itself (no calibrator of the harness), one line per step; on a load that
     * bursts within rows, the peak over the whole horizon is covered more often with the rows' peak bound than
     * with the row mean's intervals ({@code --no-peak-bound}), and the mean, hence MASE, is the same. The default
     * bound (the look-ahead's peak, {@code HORIZON_PEAK}) is at or above each row's own ({@code --bound ROW_PEAK})
     * at every step, so it covers the whole horizon's peak at least as often, with a larger bound over the peak
     * ({@code peakBoundRatio}, the last column).
     */
    @Test
    void shouldScoreTheDaemonsRollUpWithAndWithoutThePeakBound() throws Exception {
        final Path input = dir.resolve("wide.csv");
        final StringBuilder csv = new StringBuilder("a,b\n");
        for (int t = 0; t < 4 * 24 * 9; t++) {
            final double day = Math.sin(2 * Math.PI * t / (4 * 24));
            final double burst = t * 7919 % 13 < 3 ? 60 : t * 31 % 11;
            csv.append(100 + 30 * day + burst).append(',').append(50 + 10 * day + (t * 104_729 % 7)).append('\n');
        }
        Files.writeString(input, csv);
        final double[][] peak = new double[3][];
        final double[][] mase = new double[3][];
        final double[][] ratio = new double[3][];
        for (int run = 0; run < 3; run++) {
            final Path out = dir.resolve("rolling" + run + ".csv");
            final List<String> args = new java.util.ArrayList<>(List.of("forecast", "--rolling", "--input",
                input.toString(), "--season", "96", "--horizon", "96", "--steps", "1,24,96", "--warmup", "384",
                "--model", "ensemble", "--roll-up", "4", "--roll-up-season", "24", "--tick-retention", "48",
                "--tick-horizon", "1", "--tick-season", "12", "--daemon-roll-up", "--out", out.toString()));
            if (run == 1) {
                args.add("--no-peak-bound");
            } else if (run == 2) {
                args.addAll(List.of("--bound", "ROW_PEAK"));
            }
            assertThat(PresplitCli.commandLine().execute(args.toArray(String[]::new))).isZero();
            final List<String> rows = Files.readAllLines(out);
            assertThat(rows).hasSize(4);
            peak[run] = new double[3];
            mase[run] = new double[3];
            ratio[run] = new double[3];
            for (int k = 0; k < 3; k++) {
                final String[] cells = rows.get(k + 1).split(",");
                mase[run][k] = Double.parseDouble(cells[2]);
                peak[run][k] = Double.parseDouble(cells[7]);
                ratio[run][k] = Double.parseDouble(cells[8]);
            }
        }
        assertThat(mase[0]).containsExactly(mase[1]).containsExactly(mase[2]);
        assertThat(peak[0][2]).as("peak coverage over the whole horizon").isGreaterThan(peak[1][2] + 0.2);
        assertThat(peak[0][2]).as("look-ahead bound against the rows' own").isGreaterThanOrEqualTo(peak[2][2]);
        assertThat(ratio[0][2]).as("bound over peak").isGreaterThanOrEqualTo(ratio[2][2]).isGreaterThan(ratio[1][2]);
    }

    /** Guards the error contract: bad input exits with code 2 and a message naming the file and the line. */
    @Test
    void shouldNameFileAndLineWhenInputIsBad() throws Exception {
        final Path input = dir.resolve("bad.csv");
        Files.writeString(input, "A,1,2,3\nB,4,oops,6\n");
        final StringWriter err = new StringWriter();
        final CommandLine cli = PresplitCli.commandLine();
        cli.setErr(new PrintWriter(err));
        final int code = cli.execute("forecast", "--input", input.toString(), "--horizon", "2", "--out",
            dir.resolve("o.csv").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("bad.csv:2:").contains("cell=oops");
        final StringWriter err2 = new StringWriter();
        final CommandLine cli2 = PresplitCli.commandLine();
        cli2.setErr(new PrintWriter(err2));
        assertThat(cli2.execute("forecast", "--input", input.toString(), "--horizon", "2", "--model", "magic",
            "--out", dir.resolve("o.csv").toString())).isEqualTo(2);
    }

    /** Guards the model-file contract on the command line: a corrupt file is refused by name, nothing written. */
    @Test
    void shouldRefuseACorruptModelFileWithItsCode() throws Exception {
        final Path input = dir.resolve("in.csv");
        Files.writeString(input, "A,1,2,3,4,5,6\n");
        final Path model = dir.resolve("broken.psmodel");
        Files.write(model, new byte[] {1, 2, 3});
        final StringWriter err = new StringWriter();
        final CommandLine cli = PresplitCli.commandLine();
        cli.setErr(new PrintWriter(err));
        final Path out = dir.resolve("o.csv");
        assertThat(cli.execute("forecast", "--input", input.toString(), "--horizon", "2", "--model", "lstm",
            "--model-file", model.toString(), "--out", out.toString())).isNotZero();
        assertThat(err.toString()).contains("MODEL_FILE_CORRUPT").contains("broken.psmodel");
        assertThat(out).doesNotExist();

        final Path trace = dir.resolve("trace.csv");
        Files.writeString(trace, "timestamp,a,b\n1700000000,1,2\n1700003600,2,3\n1700007200,3,4\n");
        final StringWriter replayErr = new StringWriter();
        final CommandLine replay = PresplitCli.commandLine();
        replay.setErr(new PrintWriter(replayErr));
        assertThat(replay.execute("replay", "--trace", trace.toString(), "--policies", "predictive-lstm",
            "--model-file", model.toString())).as("a replay must not quietly score another model").isEqualTo(1);
        assertThat(replayErr.toString()).contains("MODEL_FILE_CORRUPT");
    }
}
