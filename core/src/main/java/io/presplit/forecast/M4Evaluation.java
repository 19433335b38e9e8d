package io.presplit.forecast;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;

/**
 * Scores a {@link SeriesModel} the way the M4 competition did: hold out the last {@code h} values of each series,
 * forecast them from the rest, and average sMAPE and MASE over the series.
 * <p>
 * Definitions (Makridakis, Spiliotis &amp; Assimakopoulos 2020, "The M4 Competition: 100,000 time series and 61
 * forecasting methods", Int. J. Forecasting 36(1), eqs. 1–2):
 * <pre>
 *   sMAPE = 200/h Σ_{t=1..h} |y_t - f_t| / (|y_t| + |f_t|)
 *   MASE  = (1/h Σ |y_t - f_t|) / (1/(n-m) Σ_{t=m+1..n} |y_t - y_{t-m}|)     (in-sample seasonal naive scale)
 * </pre>
 * with {@code m = 24} for hourly data. Times are wall and the evaluating thread's CPU time (the fair measure on
 * a shared machine). Cold path.
 */
public final class M4Evaluation {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Scores of one model over a set of series. */
    public record Score(String model, int series, double smape, double mase, long nanos, long cpuNanos,
        long fallbacks) {
        /** Mean wall time per series, in milliseconds. */
        public double millisPerSeries() {
            return nanos / 1e6 / series;
        }

        /** Mean CPU time of the evaluating thread per series, in milliseconds. */
        public double cpuMillisPerSeries() {
            return cpuNanos / 1e6 / series;
        }
    }

    private M4Evaluation() {
    }

    /** sMAPE of {@code forecast[0..h)} against {@code actual[from..from+h)}, in percent. */
    public static double smape(final double[] actual, final int from, final double[] forecast, final int h) {
        double sum = 0;
        for (int t = 0; t < h; t++) {
            final double a = actual[from + t];
            final double f = forecast[t];
            final double denominator = Math.abs(a) + Math.abs(f);
            sum += denominator == 0 ? 0 : Math.abs(a - f) / denominator;
        }
        return 200.0 * sum / h;
    }

    /**
     * MASE of {@code forecast[0..h)} against {@code actual[n..n+h)}, scaled by the in-sample seasonal naive error of
     * {@code actual[0..n)} with season {@code m} (season 1 when the series is not longer than a season).
     */
    public static double mase(final double[] actual, final int n, final int m, final double[] forecast, final int h) {
        final int lag = n > m ? m : 1;
        double scale = 0;
        for (int t = lag; t < n; t++) {
            scale += Math.abs(actual[t] - actual[t - lag]);
        }
        scale /= n - lag;
        double error = 0;
        for (int t = 0; t < h; t++) {
            error += Math.abs(actual[n + t] - forecast[t]);
        }
        return error / h / scale;
    }

    /**
     * Holds out the last {@code horizon} values of each series and scores {@code model} on them. Series not longer
     * than {@code horizon + 1} are skipped. {@code perSeries}, if not null, receives each series' sMAPE and MASE
     * at {@code [2i]} and {@code [2i+1]}.
     */
    public static Score evaluate(
        final List<SeriesCsv.Series> series, final SeriesModel model, final int horizon, final int season,
        final double[] perSeries) {
        final double[] forecast = new double[horizon];
        double smapeSum = 0;
        double maseSum = 0;
        int count = 0;
        final long start = System.nanoTime();
        final long cpuStart = THREADS.getCurrentThreadCpuTime();
        for (int i = 0; i < series.size(); i++) {
            final double[] y = series.get(i).values();
            final int n = y.length - horizon;
            if (n < 2) {
                continue;
            }
            model.fitForecast(y, n, season, horizon, forecast);
            final double s = smape(y, n, forecast, horizon);
            final double q = mase(y, n, season, forecast, horizon);
            if (perSeries != null) {
                perSeries[2 * i] = s;
                perSeries[2 * i + 1] = q;
            }
            smapeSum += s;
            maseSum += q;
            count++;
        }
        final long nanos = System.nanoTime() - start;
        final long cpuNanos = THREADS.getCurrentThreadCpuTime() - cpuStart;
        final long fallbacks = model instanceof GuardedModel g ? g.fallbacks() : 0;
        return new Score(model.name(), count, smapeSum / count, maseSum / count, nanos, cpuNanos, fallbacks);
    }
}
