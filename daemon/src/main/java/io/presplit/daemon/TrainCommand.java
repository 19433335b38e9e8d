package io.presplit.daemon;

import io.presplit.daemon.replay.TraceFile;
import io.presplit.daemon.replay.TraceReader;
import io.presplit.daemon.replay.WideTrace;
import io.presplit.forecast.RollingOrigin;
import io.presplit.forecast.SeriesCsv;
import io.presplit.forecast.onnx.lstm.LstmConfig;
import io.presplit.forecast.onnx.lstm.LstmLoadTraining;
import io.presplit.forecast.onnx.lstm.LstmModels;
import io.presplit.forecast.onnx.lstm.LstmTrainer;
import io.presplit.forecast.onnx.lstm.TickResampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code presplit train}: trains the global load LSTM ({@link LstmLoadTraining}) from load files and writes a
 * {@code .psmodel} that {@code presplit replay --model-file}, {@code presplit forecast --model-file} and the daemon
 * serve.
 * <p>
 * Inputs, each {@code FILE} or {@code FILE@SECONDS} (the tick of a file without timestamps, or the tick to read a
 * timestamped file at), in one of three layouts, told apart by their first two lines:
 * <ul>
 *   <li><b>trace</b> (header starts with {@code timestamp}): wide, long or single-series CSV, read by the replay's
 *       {@link TraceReader} onto its tick grid; a key's ticks before its first and after its last sample (where
 *       the reader puts 0: the key does not exist) are cut off;</li>
 *   <li><b>M4</b> (the first data row starts with a series id, not a number): one series per row;</li>
 *   <li><b>columns</b> (header, then rows of numbers, no timestamp; e.g. the Alibaba aggregates): one series per
 *       column, read by {@link RollingOrigin#readWide}.</li>
 * </ul>
 * Every series is then put on each tick of {@code --ticks} that its own tick divides ({@link TickResampling}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train the load LSTM on load files and write a model file (.psmodel) for replay, forecast and the "
        + "daemon. Inputs: FILE or FILE@SECONDS (the tick of a file without timestamps); timestamped CSV (wide, "
        + "long or timestamp,value, as replay reads), the M4 layout (id,values...) or plain columns of numbers.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*",
        description = "Load files, FILE or FILE@SECONDS; several files join one training set.")
    List<String> inputs;

    @Option(names = "--out", required = true, description = "The model file to write (.psmodel).")
    Path out;

    @Option(names = "--ticks", split = ",", description = "Tick lengths in seconds to train at: each series is "
        + "averaged onto every listed tick that its own tick divides (default: each series at its own tick).")
    long[] ticks;

    @Option(names = "--window", defaultValue = "48", description = "Ticks of history the model reads (default: "
        + "${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--horizon", defaultValue = "12", description = "Ticks the model forecasts (default: "
        + "${DEFAULT-VALUE}).")
    int horizon;

    @Option(names = "--hidden", defaultValue = "32", description = "LSTM hidden size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--quantiles", split = ",", defaultValue = "0.5,0.9",
        description = "Quantile heads; the first is the point forecast (default: ${DEFAULT-VALUE}).")
    double[] quantiles;

    @Option(names = "--epochs", defaultValue = "30", description = "Training epochs (default: ${DEFAULT-VALUE}; 30 "
        + "did as well as or better than 10 on every evaluation trace; 60 forecast better but replayed worse, "
        + "docs/RESULTS.md).")
    int epochs;

    @Option(names = "--windows-per-epoch", defaultValue = "20000",
        description = "Windows drawn per epoch (default: ${DEFAULT-VALUE}).")
    int windowsPerEpoch;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of initialization and sampling (default: "
        + "${DEFAULT-VALUE}); the same inputs and options give the same model, bit for bit.")
    long seed;

    @Option(names = "--persistence-start", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Start the network as the naive forecast (last value) and learn a correction to it "
            + "(default: ${DEFAULT-VALUE}).")
    boolean isPersistenceStart;

    @Option(names = "--balance", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Give every tick length about the same share of the training windows (default: "
            + "${DEFAULT-VALUE}).")
    boolean isBalanced;

    @Option(names = "--validation", defaultValue = "0.1", description = "Share of each series held out and scored "
        + "against naive and seasonal naive, in [0, 0.5] (default: ${DEFAULT-VALUE}).")
    double validation;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--out", out);
        final long start = System.nanoTime();
        final PrintStream log = System.out;
        final LstmConfig config = new LstmConfig(window, 1, hidden, horizon, quantiles, true);
        final long[] targets = ticks == null ? new long[0] : ticks.clone();
        final List<double[]> series = new ArrayList<>();
        final List<Long> seriesTicks = new ArrayList<>();
        for (final String input : inputs) {
            final int before = series.size();
            final long tick = read(input, series, seriesTicks);
            if (targets.length > 0 && Arrays.stream(targets).noneMatch(target -> target % tick == 0)) {
                throw new IllegalArgumentException("the file's tick divides none of --ticks, so none of its series "
                    + "can be used [input=" + input + ", tickSeconds=" + tick + ", ticks=" + Arrays.toString(targets)
                    + "]");
            }
            log.printf(Locale.ROOT, "train: read %s: %d series at %d s%n", input, series.size() - before, tick);
        }
        final Map<Long, List<double[]>> bands = TickResampling.atTicks(series,
            seriesTicks.stream().mapToLong(Long::longValue).toArray(), targets, window + horizon);
        if (bands.isEmpty()) {
            throw new IllegalArgumentException("no series is long enough at any requested tick [needed="
                + (window + horizon) + " ticks, ticks=" + Arrays.toString(targets) + ", inputTicks="
                + seriesTicks.stream().distinct().toList() + "]");
        }
        final LstmTrainer.Options options = LstmTrainer.Options.defaults(epochs, windowsPerEpoch, seed)
            .withPersistenceStart(isPersistenceStart);
        log.printf(Locale.ROOT, "train: %s, %d epochs x %d windows, persistence start %b, balance %b, validation "
            + "%.2f%n", config, epochs, windowsPerEpoch, isPersistenceStart, isBalanced, validation);
        final LstmLoadTraining.Report report = LstmLoadTraining.run(bands, config, options, validation, isBalanced,
            (epoch, loss, nanos) -> log.printf(Locale.ROOT, "train: epoch %d/%d loss %.5f at %.1f s%n", epoch + 1,
                epochs, loss, nanos / 1e9));
        final StringBuilder trainedOn = new StringBuilder();
        for (final LstmLoadTraining.BandScore band : report.bands()) {
            log.printf(Locale.ROOT, "train: tick %d s: %d series, %d windows (x%d), held-out MASE (steps 1-%d) lstm"
                    + " %.3f naive %.3f seasonal-naive %.3f; step 1 lstm %.3f naive %.3f [scored=%d]%n",
                band.tickSeconds(), band.series(), band.windows(), band.repeat(), horizon, band.lstm(), band.naive(),
                band.seasonal(), band.lstmStep1(), band.naiveStep1(), band.scored());
            trainedOn.append(trainedOn.isEmpty() ? "" : "; ").append(band.series()).append(" series at ")
                .append(band.tickSeconds()).append(" s");
        }
        final LstmTrainer.Result result = report.training();
        final Map<String, String> extra = new TreeMap<>();
        extra.put("epochs", Integer.toString(epochs));
        extra.put("windowsPerEpoch", Integer.toString(windowsPerEpoch));
        extra.put("seed", Long.toString(seed));
        extra.put("persistenceStart", Boolean.toString(isPersistenceStart));
        extra.put("balanced", Boolean.toString(isBalanced));
        extra.put("validation", Double.toString(validation));
        extra.put("inputs", String.join(" ", inputs));
        extra.put("ticks", Arrays.toString(targets));
        extra.put("trainSeconds", String.format(Locale.ROOT, "%.1f", result.trainNanos() / 1e9));
        LstmModels.save(out, result.network(), "global load LSTM, " + window + " ticks in, " + horizon + " out",
            trainedOn + " (last " + validation + " of each held out)", Instant.now(), extra);
        log.printf(Locale.ROOT, "train: wrote %s (%d bytes): %d windows, %d steps, training %.1f s, total %.1f s%n",
            out, Files.size(out), result.windows(), result.steps(), result.trainNanos() / 1e9,
            (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** Reads one {@code FILE[@SECONDS]} into {@code series}, one tick per series; returns the file's tick. */
    static long read(final String input, final List<double[]> series, final List<Long> seriesTicks)
        throws IOException {
        final TraceFile spec = TraceFile.parse(input);
        final Path file = spec.path();
        final boolean hasTick = spec.isUntimed();
        final long givenTick = spec.rowSeconds();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("training file not found [file=" + file + "]");
        }
        final String header;
        final String firstRow;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            header = reader.readLine();
            firstRow = reader.readLine();
        }
        if (header == null || firstRow == null) {
            throw new IllegalArgumentException("training file has no data rows [file=" + file + "]");
        }
        final String firstHeaderCell = unquote(header.split(",", -1)[0]);
        if (firstHeaderCell.startsWith("timestamp")) {
            final WideTrace trace = TraceReader.read(List.of(TraceFile.timed(file)), givenTick);
            final long tick = trace.tickNs() / 1_000_000_000L;
            if (tick <= 0 || trace.tickNs() % 1_000_000_000L != 0) {
                throw new IllegalArgumentException("trace tick is not a whole number of seconds [file=" + file
                    + ", tickNs=" + trace.tickNs() + "]");
            }
            for (int k = 0; k < trace.keys().size(); k++) {
                final double[] values = new double[trace.tickCount()];
                for (int t = 0; t < values.length; t++) {
                    values[t] = trace.loads()[t][k];
                }
                add(trimAbsent(values), tick, series, seriesTicks);
            }
            return tick;
        }
        if (!hasTick) {
            throw new IllegalArgumentException("file has no timestamps: give its tick as FILE@SECONDS [file=" + file
                + "]");
        }
        if (!isNumber(unquote(firstRow.split(",", -1)[0]))) {
            for (final SeriesCsv.Series s : SeriesCsv.read(file)) {
                add(s.values(), givenTick, series, seriesTicks);
            }
            return givenTick;
        }
        final double[][] rows = RollingOrigin.readWide(file, 1, Integer.MAX_VALUE);
        for (int s = 0; s < rows[0].length; s++) {
            final double[] values = new double[rows.length];
            for (int t = 0; t < rows.length; t++) {
                values[t] = rows[t][s];
            }
            add(values, givenTick, series, seriesTicks);
        }
        return givenTick;
    }

    /**
     * The part of a trace key's series between its first and last non-zero tick: the reader puts 0 where a key does
     * not exist yet or any more, which is not load.
     */
    static double[] trimAbsent(final double[] values) {
        int from = 0;
        while (from < values.length && values[from] == 0) {
            from++;
        }
        int to = values.length;
        while (to > from && values[to - 1] == 0) {
            to--;
        }
        return Arrays.copyOfRange(values, from, to);
    }

    private static void add(final double[] values, final long tick, final List<double[]> series,
        final List<Long> seriesTicks) {
        if (values.length > 0) {
            series.add(values);
            seriesTicks.add(tick);
        }
    }

    private static String unquote(final String cell) {
        final String s = cell.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private static boolean isNumber(final String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (final NumberFormatException ex) {
            return false;
        }
    }
}
