package io.presplit.daemon;

import io.presplit.daemon.replay.Policy;
import io.presplit.daemon.replay.PolicyComparison;
import io.presplit.daemon.replay.ReplayReport;
import io.presplit.daemon.replay.ReplayResult;
import io.presplit.daemon.replay.ReplaySettings;
import io.presplit.daemon.replay.TraceFile;
import io.presplit.daemon.replay.TraceReader;
import io.presplit.daemon.replay.WideTrace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code presplit replay}: recorded traces through the real engine under several policies. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay a keyed load trace through the real engine under several policies and print what each "
        + "did. Formats: wide CSV (timestamp,key1,key2,...), long CSV (timestamp,key,value), or several "
        + "single-series files (timestamp,value; each file one key), separated by commas, semicolons or tabs. "
        + "Timestamps: epoch s, ms, us or ns (by magnitude), or yyyy-MM-dd[ HH:mm[:ss[.f]]][offset]. Blank, NaN, NA, "
        + "null and None cells are missing data: a key's last value carries over gaps inside its life; before its "
        + "first and after its last sample it has no load.")
final class ReplayCommand implements Callable<Integer> {
    /** A run of repeated ticks at least this long (and a tenth of the trace) is noted before the replay. */
    private static final int REPEATED_RUN_NOTED = 48;

    @Option(names = "--trace", required = true, arity = "1..*", description = "The trace file(s); FILE@SECONDS for "
        + "a file without timestamps (a header of key names, one row per tick of SECONDS).")
    List<String> traces;

    @Option(names = "--policies", split = ",", description = "Policies to compare (default: all): "
        + "static, reactive, predictive-snaive, predictive-ensemble, predictive-lstm, oracle.")
    List<String> policies;

    @Option(names = "--capacity", defaultValue = "0", description = "Capacity of one partition per tick, in the "
        + "trace's unit (default: mean total load / (initial partitions x 0.5)).")
    double capacity;

    @Option(names = "--initial-partitions", defaultValue = "0",
        description = "Partitions at the start, equal key ranges (default: 4).")
    int initialPartitions;

    @Option(names = "--tick-seconds", defaultValue = "0",
        description = "The tick; default: the most common spacing of the trace's timestamps.")
    long tickSeconds;

    @Option(names = "--zipf-keys", defaultValue = "0",
        description = "Spread the trace's total over this many keys with Zipf weights (for single-series traces).")
    int zipfKeys;

    @Option(names = "--zipf-exponent", defaultValue = "1.1", description = "Zipf exponent (default: 1.1).")
    double zipfExponent;

    @Option(names = "--zipf-seed", defaultValue = "1", description = "Seed of the Zipf key order (default: 1).")
    long zipfSeed;

    @Option(names = "--sweep", description = "Run every policy at split thresholds 0.5 to 1.0 in steps of 0.1, and "
        + "1.2 (merge threshold 0.375 x split): the cost frontier. 1.2 reaches the cheap end of the frontiers of "
        + "policies that act on a 90 %% quantile, whose mean then still sits under capacity.")
    boolean isSweep;

    @Option(names = "--thresholds", split = ",", description = "Split thresholds to run, e.g. 0.8,1.0 (merge "
        + "threshold 0.375 x split; default: 0.8, or the sweep's with --sweep).")
    List<Double> thresholds;

    @Option(names = "--merge-window", defaultValue = "0", description = "Ticks of measured load that must all be "
        + "under the merge threshold before a merge (default: 6).")
    int mergeWindow;

    @Option(names = "--split-lookahead", defaultValue = "0", description = "Leading forecast steps a split judges "
        + "(default: decision delay + cooldown, 3).")
    int splitLookahead;

    @Option(names = "--no-compaction", description = "Skip compaction after each tick (faster; moved bytes are then "
        + "not measured and print as - or null).")
    boolean isWithoutCompaction;

    @Option(names = "--model-file", description = "An LSTM model (.psmodel, or a bare .onnx with the LSTM contract) "
        + "for predictive-lstm instead of the bundled one.")
    Path modelFile;

    @Option(names = "--format", defaultValue = "table", description = "table or json (one object per line).")
    String format;

    @Option(names = "--chart", description = "Draw load, predicted load, capacity, saturation and decisions over "
        + "time for every run into this SVG file.")
    Path chart;

    @Option(names = "--data-dir", description = "Where the stores go (default: a temporary folder, deleted).")
    Path dataDir;

    private static void requireNotNegative(final String option, final double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(option + " must be 0 (the default) or positive [value="
                + (value == Math.rint(value) && !Double.isInfinite(value) ? Long.toString((long) value)
                : Double.toString(value)) + "]");
        }
    }

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--chart", chart);
        // 0 stands for the default of each; a negative or non-finite value is a mistake, not a default.
        requireNotNegative("--capacity", capacity);
        requireNotNegative("--initial-partitions", initialPartitions);
        requireNotNegative("--tick-seconds", tickSeconds);
        requireNotNegative("--zipf-keys", zipfKeys);
        requireNotNegative("--merge-window", mergeWindow);
        requireNotNegative("--split-lookahead", splitLookahead);
        if (!(zipfExponent > 0) || Double.isInfinite(zipfExponent)) {
            throw new IllegalArgumentException("--zipf-exponent must be positive [value=" + zipfExponent + "]");
        }
        if (!"table".equals(format) && !"json".equals(format)) {
            throw new IllegalArgumentException("unknown format [format=" + format + ", known=table,json]");
        }
        WideTrace trace = TraceReader.read(traces.stream().map(TraceFile::parse).toList(), tickSeconds);
        if (zipfKeys > 0) {
            trace = TraceReader.zipfKeys(trace, zipfKeys, zipfExponent, zipfSeed);
        }
        final ReplaySettings derived = ReplaySettings.derive(trace, initialPartitions, capacity);
        final ReplaySettings merging = mergeWindow > 0 ? derived.withMergeWindow(mergeWindow) : derived;
        final ReplaySettings settings = (splitLookahead > 0 ? merging.withSplitLookahead(splitLookahead) : merging)
            .withCompaction(!isWithoutCompaction);
        final List<ReplaySettings> settingsList = new ArrayList<>();
        if (isSweep && thresholds != null && !thresholds.isEmpty()) {
            throw new IllegalArgumentException("--sweep and --thresholds exclude each other [thresholds=" + thresholds
                + "]");
        }
        if (isSweep) {
            for (final double threshold : new double[] {0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2}) {
                settingsList.add(settings.withSplitThreshold(threshold));
            }
        } else if (thresholds != null && !thresholds.isEmpty()) {
            for (final double threshold : thresholds) {
                if (!(threshold > 0) || Double.isInfinite(threshold)) {
                    throw new IllegalArgumentException("a split threshold must be positive [threshold=" + threshold
                        + "]");
                }
                settingsList.add(settings.withSplitThreshold(threshold));
            }
        } else {
            settingsList.add(settings);
        }
        final List<Policy> chosen = policies == null || policies.isEmpty()
            ? List.of(Policy.values()) : policies.stream().map(Policy::byLabel).toList();
        final PrintStream progress = "json".equals(format) ? System.err : System.out;
        progress.println("trace: " + trace.describe());
        if (trace.keys().size() < settings.initialPartitions()) {
            progress.printf(Locale.ROOT, "note: %d key(s) for %d initial partitions: a key is never split, so its load "
                + "over a partition's capacity is the hot-key floor for every policy; --zipf-keys N spreads a "
                + "trace's total over N keys of a skewed key space%n", trace.keys().size(),
                settings.initialPartitions());
        }
        final int[] repeated = trace.longestRepeatedRun();
        if (repeated[1] >= Math.max(REPEATED_RUN_NOTED, trace.tickCount() / 10)) {
            progress.printf(Locale.ROOT, "note: ticks %d to %d (%d of %d) repeat the tick before them in every key: a "
                + "gap in the samples, carried over (or a flat stretch); check for a stray timestamp%n",
                repeated[0], repeated[0] + repeated[1] - 1, repeated[1], trace.tickCount());
        }
        if (settings.seasonTicks() == 1 && trace.tickNs() < TimeUnit.DAYS.toNanos(1) / 2) {
            progress.printf(Locale.ROOT, "note: a day is %d ticks, more than the %d a season may hold: the seasonal "
                + "models run without a season (--tick-seconds %d or more keeps a daily one)%n",
                TimeUnit.DAYS.toNanos(1) / trace.tickNs(), ReplaySettings.MAX_SEASON_TICKS,
                TimeUnit.DAYS.toSeconds(1) / ReplaySettings.MAX_SEASON_TICKS);
        }
        final List<ReplayResult> results = PolicyComparison.run(trace, chosen, settingsList, dataDir, chart,
            progress, modelFile);
        if ("json".equals(format)) {
            ReplayReport.json(results, System.out);
        } else {
            ReplayReport.table(results, settings, System.out);
        }
        return 0;
    }
}
