package io.presplit.daemon;

import io.presplit.adjust.PartitionTable;
import io.presplit.daemon.replay.Policy;
import io.presplit.daemon.replay.ReplaySettings;
import io.presplit.daemon.replay.TraceReader;
import io.presplit.daemon.replay.TraceReplay;
import io.presplit.daemon.replay.WideTrace;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;

/**
 * {@code presplit profile}: the top partitions by ingest load, with their recent series, read from the load
 * history. With {@code --history}, from a persisted history file (spec 004); otherwise the bundled demo trace is
 * replayed through the real engine (store, profiler, seasonal-naive forecasts, splits and merges) for
 * {@code --ticks} ticks and the profile is read from that engine's history.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
    description = "Show the top partitions by ingest load with their recent series, from a load history file "
        + "(--history) or from a short replay of the bundled demo trace.")
final class ProfileCommand implements Callable<Integer> {
    @Option(names = "--history", description = "A persisted load history file (docs/spec/004).")
    Path historyFile;

    @Option(names = "--ticks", defaultValue = "168",
        description = "Demo replay length in ticks (hours of the trace) (default: ${DEFAULT-VALUE}).")
    int ticks;

    @Option(names = "--top", defaultValue = "10", description = "Partitions to show (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--window", defaultValue = "24",
        description = "Rows (ticks at level 0) the ranking and statistics cover (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--recent", defaultValue = "12",
        description = "Latest rows printed per partition (default: ${DEFAULT-VALUE}).")
    int recent;

    @Option(names = "--level", defaultValue = "0",
        description = "History level to read: 0 = ticks, 1.. = the roll-ups (e.g. minutes, hours) the history was "
            + "created with (default: ${DEFAULT-VALUE}).")
    int level;

    @Override
    public Integer call() throws Exception {
        if (top < 1 || window < 1 || recent < 1 || ticks < 1 || level < 0) {
            throw new IllegalArgumentException("profile options must be positive [top=" + top + ", window=" + window
                + ", recent=" + recent + ", ticks=" + ticks + ", level=" + level + "]");
        }
        if (historyFile != null) {
            try (LoadHistory history = LoadHistory.openExisting(historyFile)) {
                System.out.printf(Locale.ROOT, "load history %s: %d slots, %d ticks completed, levels %s%n",
                    historyFile, history.slotCapacity(), history.tickCount(), describeLevels(history));
                print(history, allSlots(history), slot -> "slot " + slot, System.out);
            }
            return 0;
        }
        replayDemo(System.out);
        return 0;
    }

    private void replayDemo(final PrintStream out) throws IOException {
        final WideTrace full;
        try (InputStream in = DemoCommand.class.getResourceAsStream(DemoCommand.TRACE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                    "bundled trace missing from the jar [resource=" + DemoCommand.TRACE_RESOURCE + "]");
            }
            full = TraceReader.read(in, DemoCommand.TRACE_RESOURCE, "trace", 0);
        }
        final int tickCount = Math.max(2, Math.min(ticks, full.tickCount()));
        final WideTrace trace = new WideTrace(full.keys(), full.startNs(), full.tickNs(),
            Arrays.copyOf(full.loads(), tickCount));
        final ReplaySettings settings = ReplaySettings.derive(full, 0, 0);
        out.printf(Locale.ROOT, "replaying %d of %d hourly ticks of the bundled Bitbrains trace (%d keys, the demo's "
            + "predictive-snaive policy)%n", tickCount, full.tickCount(), trace.keys().size());
        final Path dataDir = Files.createTempDirectory("presplit-profile-");
        try {
            TraceReplay.run(trace, Policy.PREDICTIVE_SNAIVE, new SeasonalNaiveForecaster(settings.seasonTicks()),
                settings, dataDir, (tick, engine) -> {
                    if (tick == tickCount - 1) {
                        final PartitionTable partitions = engine.partitions();
                        final int[] live = Arrays.copyOf(partitions.liveSlotsByKey(), partitions.liveCount());
                        out.printf(Locale.ROOT, "%d live partitions after %d ticks; %d splits, %d merges committed%n",
                            live.length, tickCount, engine.coordinator().splitsCommitted(),
                            engine.coordinator().mergesCommitted());
                        print(engine.history(), live, slot -> String.format(Locale.ROOT, "p%d [%016x..%016x]",
                            partitions.partitionId(slot), partitions.keyLo(slot), partitions.keyHi(slot)), out);
                    }
                });
        } finally {
            ScratchDirectories.delete(dataDir);
        }
    }

    private void print(
        final LoadHistory history, final int[] slots, final IntFunction<String> label, final PrintStream out) {
        if (level >= history.levelCount()) {
            throw new IllegalArgumentException("the load history has no such level [level=" + level + ", levels="
                + describeLevels(history) + "]");
        }
        final int[] ranked = Arrays.stream(slots).filter(slot -> history.length(level, slot) > 0).boxed()
            .sorted(Comparator.comparingDouble((Integer slot) -> -windowSum(history, slot)))
            .limit(top).mapToInt(Integer::intValue).toArray();
        if (ranked.length == 0) {
            out.println("no partition has load history " + (level == 0 ? "yet" : "at level " + level + " yet"));
            return;
        }
        final String rows = level == 0 ? "ticks" : "rows of " + history.ticksPerRow(level) + " ticks";
        final String row = level == 0 ? "tick" : "row";
        out.printf(Locale.ROOT, "top %d by ingest points over the last %d %s (sum, mean, max, p95 per %s; "
            + "query cost sum; then the last %ss, oldest first):%n", ranked.length, window, rows, row, row);
        final double[] scratch = new double[history.rowsRetained(level)];
        for (final int slot : ranked) {
            final int w = Math.min(window, history.length(level, slot));
            final int r = Math.min(recent, history.length(level, slot));
            history.copySeries(level, Resource.INGEST_POINTS, slot, r, scratch);
            final StringBuilder series = new StringBuilder();
            for (int i = 0; i < r; i++) {
                series.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.0f", scratch[i]));
            }
            out.printf(Locale.ROOT, "  %-44s sum %10.0f  mean %8.1f  max %8.0f  p95 %8.0f  query %8.0f%n    %s%n",
                label.apply(slot), history.windowSum(level, Resource.INGEST_POINTS, slot, w),
                history.windowMean(level, Resource.INGEST_POINTS, slot, w),
                history.windowMax(level, Resource.INGEST_POINTS, slot, w),
                history.windowQuantile(level, Resource.INGEST_POINTS, slot, w, 0.95, scratch),
                history.windowSum(level, Resource.QUERY_COST, slot, w), series);
        }
    }

    private double windowSum(final LoadHistory history, final int slot) {
        return history.windowSum(level, Resource.INGEST_POINTS, slot, Math.min(window, history.length(level, slot)));
    }

    /** Each level as ticks per row × rows retained, e.g. {@code [1x2160, 6x1440, 360x168]}. */
    private static String describeLevels(final LoadHistory history) {
        final StringBuilder levels = new StringBuilder("[");
        for (int l = 0; l < history.levelCount(); l++) {
            levels.append(l == 0 ? "" : ", ").append(history.ticksPerRow(l)).append('x')
                .append(history.rowsRetained(l));
        }
        return levels.append(']').toString();
    }

    private static int[] allSlots(final LoadHistory history) {
        final int[] slots = new int[history.slotCapacity()];
        Arrays.setAll(slots, slot -> slot);
        return slots;
    }
}
