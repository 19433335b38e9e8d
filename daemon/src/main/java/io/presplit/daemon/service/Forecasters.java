package io.presplit.daemon.service;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.LstmForecaster;

import java.util.concurrent.TimeUnit;

/** Builds the daemon's forecasters by name: {@code naive}, {@code snaive}, {@code ensemble}, {@code lstm}. */
public final class Forecasters {
    /** CPU time one tick may spend refitting ensemble members; the rest waits for later ticks. */
    private static final long REFIT_BUDGET_NS = TimeUnit.MILLISECONDS.toNanos(200);

    private Forecasters() {
    }

    /**
     * A new forecaster.
     *
     * @param name       one of the names above.
     * @param settings   season, history and slot capacity.
     * @param maxHorizon the longest horizon it must forecast.
     * @throws IllegalArgumentException for an unknown name.
     */
    public static Forecaster create(final String name, final DaemonConfig.EngineSettings settings,
        final int maxHorizon) {
        return switch (name) {
            case "naive" -> new SeasonalNaiveForecaster(1);
            case "snaive" -> new SeasonalNaiveForecaster(settings.seasonTicks);
            case "lstm" -> LstmForecaster.openLoadModel();
            case "ensemble" -> {
                final int season = settings.seasonTicks;
                final int window = Math.min(7 * season, settings.historyTicks);
                yield new EnsembleForecaster(settings.slotCapacity, maxHorizon, season,
                    new OnlineModel[] {new OnlineModel.OnlineEts(season), new OnlineModel.OnlineArima(window, season)},
                    window, season, REFIT_BUDGET_NS, 0.05, 2.0,
                    new IntervalCalibrator(settings.slotCapacity, maxHorizon, 0.05, 0.1));
            }
            default -> throw new IllegalArgumentException("unknown forecaster [forecaster=" + name
                + ", known=naive,snaive,ensemble,lstm]");
        };
    }
}
