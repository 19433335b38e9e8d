package io.presplit.daemon;

import io.presplit.forecast.GuardedModel;
import io.presplit.forecast.M4Evaluation;
import io.presplit.forecast.Models;
import io.presplit.forecast.SeriesCsv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code presplit forecast}: forecasts every series of a file in the M4 layout with one model, from the end of each
 * series; with {@code --evaluate}, holds out the last {@code horizon} values of each series instead and prints the
 * M4 scores (sMAPE, MASE).
 */
@Command(name = "forecast", mixinStandardHelpOptions = true,
    description = "Forecast every series of a file in the M4 layout (id, values..., blank cells after the end) "
        + "and write one row per series: id,F1,...,FH.")
final class ForecastCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, description = "Series file, M4 layout.")
    Path input;

    @Option(names = "--horizon", required = true, description = "Steps to forecast (H).")
    int horizon;

    @Option(names = "--season", defaultValue = "1", description = "Season length m (default: ${DEFAULT-VALUE}).")
    int season;

    @Option(names = "--model", defaultValue = "ensemble",
        description = "naive, snaive, wsnaive (season x 7), ets, arima or ensemble (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--out", required = true, description = "Output file: id,F1,...,FH per series.")
    Path out;

    @Option(names = "--evaluate", description = "Hold out the last H values of each series, forecast them from the "
        + "rest and print sMAPE and MASE (the M4 definitions, MASE scaled with the season).")
    boolean isEvaluating;

    @Override
    public Integer call() throws Exception {
        if (horizon < 1 || season < 1) {
            throw new IllegalArgumentException("horizon and season must be positive [horizon=" + horizon
                + ", season=" + season + "]");
        }
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("input file not found [input=" + input + "]");
        }
        final List<SeriesCsv.Series> series = SeriesCsv.read(input);
        final GuardedModel forecaster = Models.create(model.toLowerCase(Locale.ROOT), season, horizon);
        run(series, forecaster, System.err);
        return 0;
    }

    private void run(final List<SeriesCsv.Series> series, final GuardedModel forecaster, final PrintStream progress)
        throws Exception {
        final double[] forecast = new double[horizon];
        final int total = series.size();
        final int every = Math.max(1, total / 10);
        double smape = 0;
        double mase = 0;
        int scored = 0;
        final long start = System.nanoTime();
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long cpuStart = threads.getCurrentThreadCpuTime();
        try (Writer writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            final StringBuilder header = new StringBuilder("id");
            for (int h = 1; h <= horizon; h++) {
                header.append(",F").append(h);
            }
            writer.write(header.append('\n').toString());
            for (int i = 0; i < total; i++) {
                final SeriesCsv.Series s = series.get(i);
                final double[] y = s.values();
                final int n = isEvaluating ? y.length - horizon : y.length;
                if (n < 1) {
                    throw new IllegalArgumentException("series too short to hold out the horizon [series=" + s.id()
                        + ", length=" + y.length + ", horizon=" + horizon + "]");
                }
                forecaster.fitForecast(y, n, season, horizon, forecast);
                SeriesCsv.writeRow(writer, s.id(), forecast, horizon);
                if (isEvaluating && n >= 2) {
                    smape += M4Evaluation.smape(y, n, forecast, horizon);
                    mase += M4Evaluation.mase(y, n, season, forecast, horizon);
                    scored++;
                }
                if ((i + 1) % every == 0 || i + 1 == total) {
                    progress.printf(Locale.ROOT, "forecast: %d/%d series, %.1f s%n", i + 1, total,
                        (System.nanoTime() - start) / 1e9);
                }
            }
        }
        final double seconds = (System.nanoTime() - start) / 1e9;
        final double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        System.out.printf(Locale.ROOT, "forecast [model=%s, series=%d, horizon=%d, season=%d, seconds=%.2f, "
                + "msPerSeries=%.2f, cpuMsPerSeries=%.2f, fallbacks=%d, out=%s]%n", forecaster.name(), total, horizon,
            season, seconds, seconds * 1e3 / Math.max(1, total), cpuSeconds * 1e3 / Math.max(1, total),
            forecaster.fallbacks(), out);
        if (isEvaluating) {
            System.out.printf(Locale.ROOT, "evaluate [model=%s, series=%d, sMAPE=%.2f, MASE=%.3f]%n",
                forecaster.name(), scored, smape / scored, mase / scored);
        }
    }
}
