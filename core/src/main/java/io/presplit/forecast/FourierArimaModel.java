package io.presplit.forecast;

/**
 * Two seasonalities, daily and weekly, by regression on Fourier terms with seasonal ARIMA errors (Hyndman &amp;
 * Athanasopoulos, FPP3 §12.1, "dynamic harmonic regression"): the daily season {@code m} stays in the ARIMA (its
 * seasonal differencing and seasonal AR/MA terms, chosen by {@link Arima}'s automatic search), and the weekly season
 * {@code 7m} enters as {@value #PAIRS} Fourier pairs,
 * <pre>
 *   y_t = Σ_{k=1..K} (a_k sin(2πkt / 7m) + b_k cos(2πkt / 7m)) + u_t,   u_t ~ seasonal ARIMA with period m
 * </pre>
 * Estimation in two stages: {@code (a, b)} by ordinary least squares of {@code y} on an intercept and the Fourier
 * terms, then the automatic ARIMA on {@code u = y - Fourier part} (the intercept stays in {@code u}). R's
 * {@code auto.arima(xreg = fourier(...))} estimates the regression and the ARIMA jointly by likelihood; the two-stage
 * estimate is consistent for {@code (a, b)} and is what this model does. None of the weekly frequencies
 * {@code k / 7m}, {@code k = 1..3}, is a daily harmonic {@code j / m}, so the regression does not compete with the
 * ARIMA's daily season. Series shorter than two weeks are fitted by the plain ARIMA.
 * <p>
 * Forecast: the ARIMA forecast of {@code u} plus the Fourier part at the future times. One instance per thread;
 * buffers sized at construction.
 */
public final class FourierArimaModel implements SeriesModel {
    /** Fourier pairs K of the weekly season. */
    public static final int PAIRS = 3;
    private static final int COLUMNS = 2 * PAIRS + 1;
    private static final int WEEK = 7;

    private final ArimaModel arima;
    private final double[] residual;
    private final double[] normal = new double[COLUMNS * COLUMNS];
    private final double[] beta = new double[COLUMNS];
    private final double[] row = new double[COLUMNS];

    /**
     * @param maxLength the longest series (longer ones are fitted on their most recent values, as {@link ArimaModel}).
     * @param maxSeason the longest daily season.
     */
    public FourierArimaModel(final int maxLength, final int maxSeason) {
        this.arima = new ArimaModel(maxLength, maxSeason);
        this.residual = new double[maxLength];
    }

    @Override
    public String name() {
        return "arima-fourier";
    }

    @Override
    public boolean fitForecast(final double[] y, final int n, final int season, final int horizon, final double[] out) {
        final int period = WEEK * season;
        if (season < 2 || n < 2 * period) {
            return arima.fitForecast(y, n, season, horizon, out);
        }
        // fit on the most recent maxLength values, with t counted from the start of that window
        final int length = Math.min(n, residual.length);
        final int from = n - length;
        if (!regress(y, from, length, period)) {
            return arima.fitForecast(y, n, season, horizon, out);
        }
        for (int t = 0; t < length; t++) {
            residual[t] = y[from + t] - periodic(t, period);
        }
        if (!arima.fitForecast(residual, length, season, horizon, out)) {
            return false;
        }
        for (int h = 0; h < horizon; h++) {
            out[h] += periodic(length + h, period);
        }
        return true;
    }

    /** The fitted weekly part {@code Σ a_k sin + b_k cos} at time t (from the start of the fitted window). */
    private double periodic(final int t, final int period) {
        fill(t, period);
        double v = 0;
        for (int c = 1; c < COLUMNS; c++) {
            v += beta[c] * row[c];
        }
        return v;
    }

    /** OLS of y[from..from+length) on (1, sin, cos) by Cholesky of the normal equations; false if singular. */
    private boolean regress(final double[] y, final int from, final int length, final int period) {
        for (int i = 0; i < COLUMNS * COLUMNS; i++) {
            normal[i] = 0;
        }
        for (int i = 0; i < COLUMNS; i++) {
            beta[i] = 0;
        }
        for (int t = 0; t < length; t++) {
            fill(t, period);
            final double value = y[from + t];
            for (int i = 0; i < COLUMNS; i++) {
                beta[i] += row[i] * value;
                for (int j = 0; j <= i; j++) {
                    normal[i * COLUMNS + j] += row[i] * row[j];
                }
            }
        }
        for (int i = 0; i < COLUMNS; i++) {
            for (int j = 0; j <= i; j++) {
                double v = normal[i * COLUMNS + j];
                for (int k = 0; k < j; k++) {
                    v -= normal[i * COLUMNS + k] * normal[j * COLUMNS + k];
                }
                if (i == j) {
                    if (!(v > 0)) {
                        return false;
                    }
                    normal[i * COLUMNS + i] = Math.sqrt(v);
                } else {
                    normal[i * COLUMNS + j] = v / normal[j * COLUMNS + j];
                }
            }
        }
        for (int i = 0; i < COLUMNS; i++) {
            double v = beta[i];
            for (int k = 0; k < i; k++) {
                v -= normal[i * COLUMNS + k] * beta[k];
            }
            beta[i] = v / normal[i * COLUMNS + i];
        }
        for (int i = COLUMNS - 1; i >= 0; i--) {
            double v = beta[i];
            for (int k = i + 1; k < COLUMNS; k++) {
                v -= normal[k * COLUMNS + i] * beta[k];
            }
            beta[i] = v / normal[i * COLUMNS + i];
        }
        return true;
    }

    private void fill(final int t, final int period) {
        row[0] = 1;
        for (int k = 1; k <= PAIRS; k++) {
            final double angle = 2 * Math.PI * k * (double) (t % period) / period;
            row[2 * k - 1] = Math.sin(angle);
            row[2 * k] = Math.cos(angle);
        }
    }
}
