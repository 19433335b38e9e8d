package io.presplit.forecast;

import java.util.List;

/**
 * The offline models by name, as the {@code presplit forecast} command offers them. The ensemble combines seasonal
 * naive at the season and at seven seasons (the weekly cycle of hourly data: the second seasonality), ETS and
 * automatic ARIMA, by {@link EnsembleModel} with p = 2. Cold path.
 */
public final class Models {
    /** The longest series the ARIMA model fits; longer series are fitted on their most recent values. */
    public static final int MAX_LENGTH = 4096;
    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("naive", "snaive", "wsnaive", "ets", "etsm", "arima",
        "arima-css", "arima-fourier", "ensemble");

    private Models() {
    }

    /**
     * A guarded model by name.
     *
     * @param name       one of {@link #NAMES}.
     * @param season     the longest season it will see.
     * @param maxHorizon the longest horizon it will be asked for.
     * @throws IllegalArgumentException for an unknown name.
     */
    public static GuardedModel create(final String name, final int season, final int maxHorizon) {
        return switch (name) {
            case "naive" -> new GuardedModel(new Naive());
            case "snaive" -> new GuardedModel(new SeriesModel.SeasonalNaive());
            case "wsnaive" -> new GuardedModel(new WeeklyNaive());
            case "ets" -> new GuardedModel(new EtsModel(season));
            case "etsm" -> new GuardedModel(new EtsModel(season, true));
            case "arima" -> new GuardedModel(new ArimaModel(MAX_LENGTH, season));
            case "arima-css" -> new GuardedModel(new ArimaModel(MAX_LENGTH, season, false));
            case "arima-fourier" -> new GuardedModel(new FourierArimaModel(MAX_LENGTH, season));
            case "ensemble" -> new GuardedModel(new EnsembleModel(new SeriesModel[] {
                create("snaive", season, maxHorizon), create("wsnaive", season, maxHorizon),
                create("ets", season, maxHorizon), create("arima", season, maxHorizon)}, 2.0, maxHorizon));
            default -> throw new IllegalArgumentException("unknown model [model=" + name + ", known=" + NAMES + "]");
        };
    }

    /**
     * The second seasonality by seasonal naive: period {@code 7 m} (the week, for a daily season), or {@code m} when
     * the series is shorter than that.
     */
    private static final class WeeklyNaive implements SeriesModel {
        @Override
        public String name() {
            return "wsnaive";
        }

        @Override
        public boolean fitForecast(final double[] y, final int n, final int season, final int horizon,
            final double[] out) {
            SeriesModel.seasonalNaive(y, n, n >= 7 * season ? 7 * season : season, horizon, out);
            return true;
        }
    }

    /** The naive (last value) forecast. */
    private static final class Naive implements SeriesModel {
        @Override
        public String name() {
            return "naive";
        }

        @Override
        public boolean fitForecast(final double[] y, final int n, final int season, final int horizon,
            final double[] out) {
            SeriesModel.seasonalNaive(y, n, 1, horizon, out);
            return true;
        }
    }
}
