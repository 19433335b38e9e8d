package io.presplit.daemon.service;

import io.presplit.daemon.config.DaemonConfig;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.ForecastTableDescriptor;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One control tick of the forecaster the daemon builds ({@link Forecasters#create(DaemonConfig)}), over many
 * partitions: a new history row for every partition (the profiler's part), then the forecast step (observe, scores,
 * model updates, forecasts, weights, calibrated intervals, refits within the daemon's 200 ms budget). Two
 * configurations ({@code config}):
 * <ul>
 *   <li>{@code ensemble}: the daemon's tick-level ensemble (seasonal naive, ETS, ARIMA, per-lead weights, the
 *       calibrator) at its default horizon of 24 ticks, season 24 ticks, 96 ticks of history (the daemon's default
 *       season of 360 ticks and 2,160 ticks of history would need 52 GB of history at a million partitions);</li>
 *   <li>{@code rollUp}: a day ahead on 10-minute ticks (144 steps): the roll-up path, a tick-level ensemble (season
 *       6, 48 ticks of history) for the first step and an hourly-row ensemble (season 24, 48 rows kept) for the rest,
 *       with the rows' peak bound; the rows are forecast at each row's end, every 6th tick.</li>
 *   <li>{@code day10s}: a day ahead on 10-second ticks (8,640 ticks): a tick-level ensemble (season 6 ticks, 96
 *       ticks of history) for the first quarter hour (90 ticks) and the hourly-row ensemble for the rest, minute
 *       rows kept for an hour, hour rows for 48 hours; the table holds 90 tick steps and 25 row steps
 *       ({@link io.presplit.forecast.StepSchedule}; before it, 8,640 steps: 207 KB a partition). A row ends every
 *       360th tick, so the measured ticks are the ticks between row ends.</li>
 *   <li>{@code day1s}: the same a day ahead on 1-second ticks (86,400 ticks): 900 tick steps (a quarter hour),
 *       960 ticks of history, 25 row steps.</li>
 * </ul>
 * Every partition starts from the fitted models of partition 0 (handed on as to a split child, share 1), so the tick
 * measures the fitted steady state. Baseline: the same rows, then seasonal naive (a tick-level forecaster: over a
 * table of tick steps of the tick level's horizon when the daemon's table has row steps). Run with
 * {@code -prof gc}. The setup prints the memory it took ({@code memory [...]}): the process's resident set, the heap
 * in use after a GC, and the forecast table's bytes per partition. The {@code day*} configurations write two days of
 * history into partition 0 only and seed every other partition from it (as a split child's), so that the setup of
 * a million partitions at fine ticks takes seconds, not hours.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class DaemonForecasterTickBenchmark {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];

    @Param({"10000", "1000000"})
    int slots;

    @Param({"ensemble", "rollUp", "day10s", "day1s"})
    String config;

    private LoadHistory history;
    private Forecaster forecaster;
    private SeasonalNaiveForecaster snaive;
    private ForecastTable table;
    private ForecastTable snaiveTable;
    private int[] slotList;
    private int ticksPerDay;
    private long tick;

    @Setup(Level.Trial)
    public void setUp() {
        final DaemonConfig daemon = daemonConfig();
        ticksPerDay = (int) (86_400_000L / daemon.engine.tickMs);
        final List<LoadHistory.Level> rollUps = daemon.historyRollUpLevels();
        final LoadHistory.Level[] levels = new LoadHistory.Level[rollUps.size() + 1];
        levels[0] = new LoadHistory.Level(1, daemon.engine.historyTicks);
        for (int l = 0; l < rollUps.size(); l++) {
            levels[l + 1] = rollUps.get(l);
        }
        history = LoadHistory.inMemory(slots, 0.9, levels);
        slotList = new int[slots];
        for (int s = 0; s < slots; s++) {
            slotList[s] = s;
        }
        // two days of history, ending at a row's end
        final SplittableRandom rng = new SplittableRandom(20_261_124L);
        final boolean isSeeded = config.startsWith("day");
        for (int t = 0; t < 2 * ticksPerDay; t++) {
            final double load = load(t);
            for (int s = 0; s < (isSeeded ? 1 : slots); s++) {
                history.writeRow(s, load + 10 * rng.nextDouble(), 0, 0, NO_BUCKETS);
            }
            history.completeTick();
        }
        for (int s = 1; isSeeded && s < slots; s++) {
            history.seedFromParent(s, 0, 1.0);
        }
        tick = 2L * ticksPerDay;
        forecaster = Forecasters.create(daemon);
        table = new ForecastTable(slots, forecaster.schedule(history, daemon.maxHorizon()), daemon.maxHorizon());
        snaiveTable = table.isTickSteps() ? table : new ForecastTable(slots, daemon.tickHorizonTicks());
        // fit partition 0 (each call refits what its budget allows), then hand its models to every partition
        for (int i = 0; i < 20; i++) {
            forecaster.forecast(history, Resource.INGEST_POINTS, slotList, 1, table);
        }
        for (int s = 1; s < slots; s++) {
            forecaster.onSplitChild(0, s, 1.0);
        }
        snaive = new SeasonalNaiveForecaster(daemon.engine.seasonTicks);
        printMemory();
    }

    private void printMemory() {
        System.gc();
        final long heapBytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rssBytes = -1;
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rssBytes = 1024 * Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.printf(Locale.ROOT, "%nmemory [config=%s, slots=%d, rssBytes=%d, heapUsedBytes=%d, "
            + "rssPerSlot=%d, heapPerSlot=%d, tableSteps=%d, tableBytesPerSlot=%d]%n", config, slots, rssBytes,
            heapBytes, rssBytes / slots, heapBytes / slots, table.stepCapacity(),
            ForecastTableDescriptor.rowLength(table.stepCapacity()));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        forecaster.close();
        history.close();
    }

    /** One tick: a new row for every partition, then the daemon's forecast step. */
    @Benchmark
    public double daemonTick() {
        writeTick();
        forecaster.forecast(history, Resource.INGEST_POINTS, slotList, slots, table);
        return table.peakUpper(0);
    }

    /** Baseline: the same new rows, then seasonal naive. */
    @Benchmark
    public double snaiveTick() {
        writeTick();
        snaive.forecast(history, Resource.INGEST_POINTS, slotList, slots, snaiveTable);
        return snaiveTable.peakUpper(0);
    }

    private DaemonConfig daemonConfig() {
        final DaemonConfig daemon = new DaemonConfig();
        daemon.engine.forecaster = "ensemble";
        daemon.engine.slotCapacity = slots;
        daemon.engine.maxPartitions = slots / 2;
        switch (config) {
            case "ensemble" -> {
                daemon.engine.tickMs = 3_600_000;
                daemon.engine.seasonTicks = 24;
                daemon.engine.horizonTicks = 24;
                daemon.engine.maxHorizonTicks = 24;
                daemon.engine.historyTicks = 96;
                daemon.engine.historyRollUps = List.of();
            }
            case "rollUp" -> {
                daemon.engine.tickMs = 600_000;
                daemon.engine.seasonTicks = 6;
                daemon.engine.horizonTicks = 144;
                daemon.engine.maxHorizonTicks = 144;
                daemon.engine.historyTicks = 48;
                daemon.engine.historyRollUps = List.of(new DaemonConfig.HistoryRollUp(3_600_000, 48));
            }
            case "day10s", "day1s" -> {
                final int tickMs = "day10s".equals(config) ? 10_000 : 1_000;
                daemon.engine.tickMs = tickMs;
                daemon.engine.seasonTicks = 60_000 / tickMs;
                daemon.engine.horizonTicks = 86_400_000 / tickMs;
                daemon.engine.maxHorizonTicks = daemon.engine.horizonTicks;
                daemon.engine.historyTicks = 960_000 / tickMs;
                daemon.engine.historyRollUps = List.of(new DaemonConfig.HistoryRollUp(60_000, 60),
                    new DaemonConfig.HistoryRollUp(3_600_000, 48));
            }
            default -> throw new IllegalArgumentException("unknown config [config=" + config + "]");
        }
        daemon.validate();
        if (daemon.isRollUpHorizon() == "ensemble".equals(config)) {
            throw new IllegalStateException("the daemon's rule did not pick the expected path [config=" + config
                + "]");
        }
        return daemon;
    }

    private void writeTick() {
        final double load = load(tick);
        for (int s = 0; s < slots; s++) {
            history.writeRow(s, load + (s & 7), 0, 0, NO_BUCKETS);
        }
        history.completeTick();
        tick++;
    }

    private double load(final long t) {
        return 100 + 25 * Math.sin(2 * Math.PI * t / ticksPerDay);
    }
}
