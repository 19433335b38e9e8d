package io.presplit.forecast;

/**
 * A model whose per-partition state lives in caller-owned flat arrays, so one instance serves many partitions: the
 * kernel style of statsforecast, used by {@link EnsembleForecaster}.
 * <p>
 * Contract: {@link #refit} is the cold step (a full fit, spread over ticks by the caller); {@link #update} and
 * {@link #forecast} are the per-tick steps, O(state) and allocation-free. State slices are
 * {@link #stateLength()} doubles at {@code offset}. Control thread only.
 */
public interface OnlineModel {
    /** Short name. */
    String name();

    /** Doubles of state per partition. */
    int stateLength();

    /**
     * Fits {@code y[0..n)} and writes the state, positioned after {@code y[n-1]}. Allocation-free.
     *
     * @return {@code false} if the model cannot fit this series (the caller keeps forecasting by its fallback).
     */
    boolean refit(double[] y, int n, double[] state, int offset);

    /** Advances the state by one observation. O(state), allocation-free. */
    void update(double[] state, int offset, double value);

    /** Writes the forecasts of steps 1..horizon into {@code out[outOffset..outOffset+horizon)}. Allocation-free. */
    void forecast(double[] state, int offset, int horizon, double[] out, int outOffset);

    /**
     * Scales the state at {@code offset} so that every forecast it gives is multiplied by {@code factor} (a split
     * child's share of its parent), keeping the fitted parameters. Cold path.
     *
     * @return {@code false} when the state does not scale that way; the caller refits instead.
     */
    default boolean scale(final double[] state, final int offset, final double factor) {
        return false;
    }

    /** {@link Ets} as an online model. */
    final class OnlineEts implements OnlineModel {
        private final Ets ets;
        private final int season;

        /** @param season the season length m. */
        public OnlineEts(final int season) {
            this.ets = new Ets(season);
            this.season = season;
        }

        @Override
        public String name() {
            return "ets";
        }

        @Override
        public int stateLength() {
            return Ets.stateLength(season);
        }

        @Override
        public boolean refit(final double[] y, final int n, final double[] state, final int offset) {
            if (!ets.fit(y, n, season)) {
                return false;
            }
            ets.saveState(state, offset);
            return true;
        }

        @Override
        public void update(final double[] state, final int offset, final double value) {
            ets.loadState(state, offset);
            ets.update(value);
            ets.saveState(state, offset);
        }

        @Override
        public void forecast(final double[] state, final int offset, final int horizon, final double[] out,
            final int outOffset) {
            ets.loadState(state, offset);
            ets.forecast(horizon, out, outOffset);
        }

        /** Additive ETS is linear in its states: level, trend and seasonal terms scale with the load. */
        @Override
        public boolean scale(final double[] state, final int offset, final double factor) {
            Ets.scaleState(state, offset, factor);
            return true;
        }
    }

    /**
     * Automatic seasonal {@link Arima} as an online model: the order search and CSS fit run in {@link #refit}, and
     * each new sample moves the differenced series and residual tails in O(state). State: {@link
     * Arima#stateLength(int)} doubles per partition (275 for m = 24).
     */
    final class OnlineArima implements OnlineModel {
        private final Arima arima;
        private final int season;

        /**
         * @param maxLength the longest fit window.
         * @param season    the season length m.
         */
        public OnlineArima(final int maxLength, final int season) {
            this.arima = new Arima(maxLength, season);
            this.season = season;
        }

        @Override
        public String name() {
            return "arima";
        }

        @Override
        public int stateLength() {
            return Arima.stateLength(season);
        }

        @Override
        public boolean refit(final double[] y, final int n, final double[] state, final int offset) {
            if (!arima.fit(y, n, season)) {
                return false;
            }
            arima.saveState(state, offset);
            return true;
        }

        @Override
        public void update(final double[] state, final int offset, final double value) {
            arima.loadState(state, offset);
            arima.update(value);
            arima.saveState(state, offset);
        }

        @Override
        public void forecast(final double[] state, final int offset, final int horizon, final double[] out,
            final int outOffset) {
            arima.loadState(state, offset);
            arima.forecast(horizon, out, outOffset);
        }
    }
}
