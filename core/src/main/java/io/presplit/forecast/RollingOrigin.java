package io.presplit.forecast;

import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Rolling-origin evaluation of an online {@link Forecaster} on recorded traces: every series is one partition, fed
 * tick by tick through a {@link LoadHistory}; after each tick the forecaster fills a {@link ForecastTable}, an
 * {@link IntervalCalibrator} (fed the same actuals) sets its quantiles, and each forecast is scored when its
 * target tick arrives.
 * <p>
 * Metrics at each requested step {@code h} (1-based ticks ahead), pooled over series and origins after a
 * {@code warmupTicks} burn-in: MASE, the mean absolute {@code h}-step error over the in-sample mean absolute
 * seasonal difference {@code (1/(n-m)) Σ |y_t - y_{t-m}|} of each series (computed once on the whole series,
 * Hyndman &amp; Koehler 2006, as a fixed scale), averaged over series; the coverage of the one-sided 90% and
 * 50% quantiles, the share of actuals at or under {@code p90} and {@code p50}; the mean width of the upper interval,
 * {@code (p90 - mean) / scale}, averaged over series (a narrower interval at the same coverage is the better one);
 * and the coverage of the <em>peak</em> the adjustment engine acts on, the share of origins at which the largest
 * actual over steps {@code 1..h} is at or under the largest {@code p90} over those steps
 * ({@link ForecastTable#peakUpper(int, int)}), with its sharpness, the mean of that largest {@code p90} over the
 * largest actual (origins whose largest actual is above 0): a coverage bought with an absurd bound shows there.
 * Without the harness's calibrator the table has the forecaster's own steps ({@link Forecaster#schedule}): step
 * {@code h} is scored with the step holding tick {@code h} (for a row step, its mean per tick and its bound on the
 * row's largest tick, the values every tick of the row had when the table kept one step per tick), and the peak
 * with the steps covering ticks {@code 1..h}. Cold path.
 */
public final class RollingOrigin {
    /** Scores at one step ahead. */
    public record StepScore(int step, double mase, double coverage90, double coverage50, long forecasts,
        double width90, double peakCoverage90, double peakBoundRatio) {
    }

    /** Learning rates of the evaluation's {@link IntervalCalibrator} unless told otherwise. */
    public static final double CALIBRATOR_ETA = 0.02;
    /** Scale weight of the evaluation's {@link IntervalCalibrator} unless told otherwise. */
    public static final double CALIBRATOR_LAMBDA = 0.02;

    private RollingOrigin() {
    }

    /**
     * Reads a wide trace: a header row, then one row per interval; an optional first column that is not a number
     * (a timestamp) is skipped; every other column is one series; an empty cell repeats the series' previous value
     * (0 before the first). Every {@code aggregate} rows are summed into one tick; at most {@code maxSeries} series.
     *
     * @throws IllegalArgumentException naming the file and line for a cell that is not a number.
     */
    public static double[][] readWide(final Path file, final int aggregate, final int maxSeries) {
        final List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot read trace [file=" + file + "]", ex);
        }
        if (lines.size() < 2) {
            throw new IllegalArgumentException(file + ":1: trace has no data rows");
        }
        final String[] first = lines.get(1).split(",", -1);
        final int skip = isNumber(first[0]) || first[0].isBlank() && first.length == 1 ? 0 : 1;
        final int series = Math.min(maxSeries, first.length - skip);
        final int rows = lines.size() - 1;
        final double[][] out = new double[rows / aggregate][series];
        final double[] last = new double[series];
        for (int r = 0; r < rows / aggregate * aggregate; r++) {
            final String[] cells = lines.get(r + 1).split(",", -1);
            for (int s = 0; s < series; s++) {
                final String cell = skip + s < cells.length ? cells[skip + s].strip() : "";
                if (!cell.isEmpty()) {
                    try {
                        last[s] = Double.parseDouble(cell);
                    } catch (final NumberFormatException ex) {
                        throw new IllegalArgumentException(file + ":" + (r + 2) + ": not a number [column="
                            + (skip + s + 1) + ", cell=" + cell + "]", ex);
                    }
                }
                out[r / aggregate][s] += last[s];
            }
        }
        return out;
    }

    private static boolean isNumber(final String s) {
        try {
            Double.parseDouble(s.strip());
            return true;
        } catch (final NumberFormatException ex) {
            return false;
        }
    }

    /**
     * Runs {@code forecaster} over {@code data[tick][series]}.
     *
     * @param steps       the steps ahead to score (1-based), each at most {@code horizon}.
     * @param horizon     the forecast horizon in ticks.
     * @param season      the season for the MASE scale.
     * @param warmupTicks ticks before scoring starts.
     */
    public static StepScore[] run(final double[][] data, final Forecaster forecaster, final int horizon,
        final int season, final int[] steps, final int warmupTicks) {
        return run(data, forecaster, horizon, season, steps, warmupTicks, CALIBRATOR_ETA, CALIBRATOR_LAMBDA);
    }

    /**
     * Runs {@code forecaster} over {@code data[tick][series]} with an {@link IntervalCalibrator} of the given rates
     * (the daemon's ensemble uses {@code eta = 0.05, lambda = 0.1}).
     */
    public static StepScore[] run(final double[][] data, final Forecaster forecaster, final int horizon,
        final int season, final int[] steps, final int warmupTicks, final double calibratorEta,
        final double calibratorLambda) {
        return run(data, forecaster, horizon, season, steps, warmupTicks, calibratorEta, calibratorLambda, 0, 0);
    }

    /**
     * Runs {@code forecaster} over {@code data[tick][series]} with a history that keeps {@code tickRetention} ticks
     * (0: the whole trace) and, when {@code rollUpTicksPerRow > 0}, a roll-up level (level 1) of that many ticks per
     * row over the whole trace, as the profiler keeps hourly rows beside a shorter tick history
     * ({@link RollUpForecaster}).
     */
    public static StepScore[] run(final double[][] data, final Forecaster forecaster, final int horizon,
        final int season, final int[] steps, final int warmupTicks, final double calibratorEta,
        final double calibratorLambda, final int tickRetention, final int rollUpTicksPerRow) {
        return run(data, forecaster, horizon, season, steps, warmupTicks, calibratorEta, calibratorLambda,
            tickRetention, rollUpTicksPerRow, true);
    }

    /**
     * As above; with {@code isCalibrating = false} the harness runs no calibrator of its own and scores the
     * intervals the forecaster wrote (for a forecaster that calibrates itself, as the daemon's do: what the engine
     * reads).
     */
    public static StepScore[] run(final double[][] data, final Forecaster forecaster, final int horizon,
        final int season, final int[] steps, final int warmupTicks, final double calibratorEta,
        final double calibratorLambda, final int tickRetention, final int rollUpTicksPerRow,
        final boolean isCalibrating) {
        final int ticks = data.length;
        final int seriesCount = data[0].length;
        final long[] noBuckets = new long[KeySpace.BUCKET_COUNT];
        final int[] slots = new int[seriesCount];
        for (int s = 0; s < seriesCount; s++) {
            slots[s] = s;
        }
        final double[] scale = new double[seriesCount];
        for (int s = 0; s < seriesCount; s++) {
            double sum = 0;
            for (int t = season; t < ticks; t++) {
                sum += Math.abs(data[t][s] - data[t - season][s]);
            }
            scale[s] = sum / Math.max(1, ticks - season);
        }
        // pending[step index][tick mod horizon][series]: the forecast issued `step` ticks before its target
        final int stepCount = steps.length;
        final double[][][] pendingMean = new double[stepCount][horizon + 1][seriesCount];
        final double[][][] pendingP90 = new double[stepCount][horizon + 1][seriesCount];
        final double[][][] pendingP50 = new double[stepCount][horizon + 1][seriesCount];
        final double[][][] pendingPeak = new double[stepCount][horizon + 1][seriesCount];
        final double[][] width = new double[stepCount][seriesCount];
        final long[] peakHits = new long[stepCount];
        final double[] peakRatioSum = new double[stepCount];
        final long[] peakRatioCount = new long[stepCount];
        final double[][] absError = new double[stepCount][seriesCount];
        final long[][] counts = new long[stepCount][seriesCount];
        final long[] hits90 = new long[stepCount];
        final long[] hits50 = new long[stepCount];
        final IntervalCalibrator calibrator = isCalibrating
            ? new IntervalCalibrator(seriesCount, horizon, calibratorEta, calibratorLambda) : null;
        final LoadHistory.Level tickLevel = new LoadHistory.Level(1, tickRetention > 0 ? tickRetention
            : Math.max(ticks, 2));
        try (LoadHistory history = rollUpTicksPerRow > 0
            ? LoadHistory.inMemory(seriesCount, 0.9, tickLevel,
                new LoadHistory.Level(rollUpTicksPerRow, ticks / rollUpTicksPerRow + 1))
            : LoadHistory.inMemory(seriesCount, 0.9, tickLevel)) {
            // Uncalibrated, the forecaster's own steps (a RollUpForecaster's rows are one step each), read tick by
            // tick below through the step holding each tick: the scores are those of the table the engine reads.
            // The harness's calibrator calibrates tick by tick, so it gets a table of tick steps.
            final ForecastTable table = isCalibrating ? new ForecastTable(seriesCount, horizon)
                : new ForecastTable(seriesCount, forecaster.schedule(history, horizon), horizon);
            for (int t = 0; t < ticks; t++) {
                for (int s = 0; s < seriesCount; s++) {
                    history.writeRow(s, data[t][s], 0, 0, noBuckets);
                }
                history.completeTick();
                // score forecasts whose target is tick t
                for (int k = 0; k < stepCount; k++) {
                    final int issued = t - steps[k];
                    if (issued < warmupTicks) {
                        continue;
                    }
                    final int ring = t % (horizon + 1);
                    for (int s = 0; s < seriesCount; s++) {
                        final double y = data[t][s];
                        absError[k][s] += Math.abs(y - pendingMean[k][ring][s]);
                        counts[k][s]++;
                        hits90[k] += y <= pendingP90[k][ring][s] ? 1 : 0;
                        hits50[k] += y <= pendingP50[k][ring][s] ? 1 : 0;
                        if (scale[s] > 0) {
                            width[k][s] += (pendingP90[k][ring][s] - pendingMean[k][ring][s]) / scale[s];
                        }
                        double peak = Double.NEGATIVE_INFINITY;
                        for (int u = issued + 1; u <= t; u++) {
                            peak = Math.max(peak, data[u][s]);
                        }
                        peakHits[k] += peak <= pendingPeak[k][ring][s] ? 1 : 0;
                        if (peak > 0) {
                            peakRatioSum[k] += pendingPeak[k][ring][s] / peak;
                            peakRatioCount[k]++;
                        }
                    }
                }
                for (int s = 0; s < seriesCount && calibrator != null; s++) {
                    calibrator.observe(s, t, data[t][s]);
                }
                forecaster.forecast(history, Resource.INGEST_POINTS, slots, seriesCount, table);
                for (int s = 0; s < seriesCount && calibrator != null; s++) {
                    // issued at tick count t + 1: step 0 predicts tick index t + 1
                    calibrator.calibrate(s, t + 1, table);
                }
                for (int k = 0; k < stepCount; k++) {
                    final int target = t + steps[k];
                    final int ring = target % (horizon + 1);
                    final int step = table.stepAt(steps[k]);
                    for (int s = 0; s < seriesCount; s++) {
                        pendingMean[k][ring][s] = table.mean(s, step);
                        pendingP90[k][ring][s] = table.p90(s, step);
                        pendingP50[k][ring][s] = table.p50(s, step);
                        pendingPeak[k][ring][s] = table.peakUpper(s, steps[k]);
                    }
                }
            }
        }
        final StepScore[] scores = new StepScore[stepCount];
        for (int k = 0; k < stepCount; k++) {
            double mase = 0;
            double meanWidth = 0;
            int used = 0;
            long total = 0;
            for (int s = 0; s < seriesCount; s++) {
                if (counts[k][s] > 0 && scale[s] > 0) {
                    mase += absError[k][s] / counts[k][s] / scale[s];
                    meanWidth += width[k][s] / counts[k][s];
                    used++;
                }
                total += counts[k][s];
            }
            final double coverage90 = total == 0 ? Double.NaN : (double) hits90[k] / total;
            final double coverage50 = total == 0 ? Double.NaN : (double) hits50[k] / total;
            final double peakCoverage90 = total == 0 ? Double.NaN : (double) peakHits[k] / total;
            scores[k] = new StepScore(steps[k], used == 0 ? Double.NaN : mase / used, coverage90, coverage50, total,
                used == 0 ? Double.NaN : meanWidth / used, peakCoverage90,
                peakRatioCount[k] == 0 ? Double.NaN : peakRatioSum[k] / peakRatioCount[k]);
        }
        return scores;
    }
}
