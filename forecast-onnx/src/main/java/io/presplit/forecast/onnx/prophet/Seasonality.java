package io.presplit.forecast.onnx.prophet;

/**
 * One Fourier seasonality of a Prophet model: {@code fourierOrder} sine/cosine pairs of period {@code periodDays}.
 * <p>
 * Its feature columns are, for {@code i = 1..fourierOrder} and {@code td} the days since 1970-01-01T00:00Z,
 * {@code sin(2 i π td / P)} then {@code cos(2 i π td / P)} (Prophet's {@code fourier_series}), and it owns the
 * {@code beta} entries of those columns. Immutable.
 *
 * @param name             the component name ({@code daily}, {@code weekly}, ...).
 * @param periodDays       the period P, in days (1 = daily, 7 = weekly).
 * @param fourierOrder     the number N of sine/cosine pairs, at least 1.
 * @param priorScale       the standard deviation of the normal prior on its {@code beta} entries (fit only).
 * @param isMultiplicative whether the component multiplies the trend ({@code mode = multiplicative}) instead of
 *                         adding to it.
 */
public record Seasonality(String name, double periodDays, int fourierOrder, double priorScale,
    boolean isMultiplicative) {
    /** Checks the fields. */
    public Seasonality {
        if (name == null || name.isEmpty() || !(periodDays > 0) || !Double.isFinite(periodDays) || fourierOrder < 1
            || !(priorScale > 0)) {
            throw new IllegalArgumentException("invalid seasonality [name=" + name + ", periodDays=" + periodDays
                + ", fourierOrder=" + fourierOrder + ", priorScale=" + priorScale + "]");
        }
    }

    /** An additive seasonality. */
    public static Seasonality additive(final String name, final double periodDays, final int fourierOrder,
        final double priorScale) {
        return new Seasonality(name, periodDays, fourierOrder, priorScale, false);
    }

    /** Number of feature columns: {@code 2 * fourierOrder}. */
    public int columns() {
        return 2 * fourierOrder;
    }
}
