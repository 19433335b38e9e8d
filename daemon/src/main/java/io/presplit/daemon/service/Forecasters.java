package io.presplit.daemon.service;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.forecast.EnsembleForecaster;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.forecast.OnlineModel;
import io.presplit.forecast.RollUpForecaster;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.WeeklyCycle;
import io.presplit.profile.LoadHistory;
import io.presplit.forecast.onnx.LstmForecaster;

import java.util.concurrent.TimeUnit;

/**
 * Builds the daemon's forecasters by name: {@code naive}, {@code snaive}, {@code ensemble}, {@code lstm}; for a long
 * horizon ({@link DaemonConfig#isRollUpHorizon()}) the ensemble forecasts the steps beyond the first ones from a
 * roll-up level of the load history ({@link #rollUpEnsemble}).
 */
public final class Forecasters {
    /**
     * CPU time one tick may spend refitting ensemble members; the rest waits for later ticks. With a roll-up, each
     * of the two ensembles has this budget (the rows' refits run only at a row's end).
     */
    private static final long REFIT_BUDGET_NS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final double WEIGHT_LAMBDA = 0.05;
    private static final double WEIGHT_POWER = 2.0;
    private static final double CALIBRATOR_ETA = 0.05;
    private static final double CALIBRATOR_LAMBDA = 0.1;

    private Forecasters() {
    }

    /**
     * The daemon's forecaster for {@code config} (validated): {@link #create(String, DaemonConfig.EngineSettings, int)}
     * at tick level, or, for a long horizon, the ensemble over the tick level and the roll-up level
     * {@link DaemonConfig#rollUpLevel()}.
     */
    public static Forecaster create(final DaemonConfig config) {
        final DaemonConfig.EngineSettings settings = config.engine;
        if (!config.isRollUpHorizon()) {
            return create(config.forecasterName(), settings, config.maxHorizon());
        }
        final int level = config.rollUpLevel();
        final LoadHistory.Level rows = config.historyRollUpLevels().get(level - 1);
        final int season = config.rollUpSeasonRows();
        final int levelWindow = Math.min(rows.rowsRetained(), Math.max(7 * season, 48));
        return rollUpEnsemble(settings.slotCapacity, config.maxHorizon(), settings.seasonTicks,
            Math.min(7 * settings.seasonTicks, settings.historyTicks), config.tickHorizonTicks(), level,
            rows.ticksPerRow(), season, levelWindow,
            season > 1 && rows.rowsRetained() >= WeeklyCycle.MIN_WEEKS * WeeklyCycle.DAYS_PER_WEEK * season,
            REFIT_BUDGET_NS, RollUpForecaster.Bound.HORIZON_PEAK);
    }

    /**
     * The ensemble for long horizons: a tick-level ensemble (seasonal naive, ETS and ARIMA at season
     * {@code tickSeason}) for the first {@code tickHorizon} steps and a row-level ensemble (the same members at
     * {@code levelSeason} rows, plus the gated weekly member when {@code isWeekly}) for the rest, each with its own
     * interval calibrator, joined by a {@link RollUpForecaster} (whose rolled-up steps' p90 bounds the row's peak
     * tick, scaled so that the largest over the look-ahead covers its peak). The evaluation command builds the same
     * forecaster.
     *
     * @param slots       slot capacity.
     * @param maxHorizon  the longest horizon, in ticks.
     * @param tickSeason  the tick models' season, in ticks.
     * @param tickWindow  ticks a tick-level refit reads (at most the tick level's retention).
     * @param tickHorizon steps the tick level serves.
     * @param level       the history's roll-up level.
     * @param perRow      its ticks per row.
     * @param levelSeason the row models' season, in rows.
     * @param levelWindow rows a row-level refit reads (at most the level's retention).
     * @param isWeekly    whether the row ensemble has the gated weekly member ({@code levelSeason} must be a day).
     * @param budgetNs    refit budget per tick of each ensemble.
     * @param bound       what a rolled-up step's p90 stands for ({@link RollUpForecaster.Bound}; the daemon's:
     *                    {@code HORIZON_PEAK}).
     */
    public static Forecaster rollUpEnsemble(final int slots, final int maxHorizon, final int tickSeason,
        final int tickWindow, final int tickHorizon, final int level, final int perRow, final int levelSeason,
        final int levelWindow, final boolean isWeekly, final long budgetNs, final RollUpForecaster.Bound bound) {
        final int levelHorizon = (maxHorizon + perRow - 1) / perRow + 1;
        final Forecaster ticks = new EnsembleForecaster(slots, tickHorizon, tickSeason, new OnlineModel[] {
            new OnlineModel.OnlineEts(tickSeason), new OnlineModel.OnlineArima(tickWindow, tickSeason)},
            tickWindow, tickSeason, budgetNs, WEIGHT_LAMBDA, WEIGHT_POWER,
            new IntervalCalibrator(slots, tickHorizon, CALIBRATOR_ETA, CALIBRATOR_LAMBDA));
        final Forecaster rows = new EnsembleForecaster(slots, levelHorizon, levelSeason, new OnlineModel[] {
            new OnlineModel.OnlineEts(levelSeason), new OnlineModel.OnlineArima(levelWindow, levelSeason)},
            new Forecaster[0], levelWindow, levelSeason, budgetNs, WEIGHT_LAMBDA, WEIGHT_POWER,
            new IntervalCalibrator(slots, levelHorizon, CALIBRATOR_ETA, CALIBRATOR_LAMBDA), true, isWeekly, level);
        return new RollUpForecaster(slots, maxHorizon, ticks, tickHorizon, rows, level, levelHorizon, bound);
    }

    /**
     * A new tick-level forecaster.
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
                    window, season, REFIT_BUDGET_NS, WEIGHT_LAMBDA, WEIGHT_POWER,
                    new IntervalCalibrator(settings.slotCapacity, maxHorizon, CALIBRATOR_ETA, CALIBRATOR_LAMBDA));
            }
            default -> throw new IllegalArgumentException("unknown forecaster [forecaster=" + name
                + ", known=naive,snaive,ensemble,lstm]");
        };
    }
}
