package io.presplit.daemon.replay;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints replay results as a table or as JSON lines. */
public final class ReplayReport {
    private ReplayReport() {
    }

    /** One row per result, then the settings. */
    public static void table(final List<ReplayResult> results, final ReplaySettings settings, final PrintStream out) {
        out.printf(Locale.ROOT, "%n%-18s %-8s %5s %10s %9s %8s %8s %7s %7s %7s %6s %10s %10s%n", "policy", "model",
            "thr", "part-ticks", "saturated", "share", "worst", "splits", "merges", "thrash", "max-p", "written",
            "read-back");
        for (final ReplayResult r : results) {
            out.printf(Locale.ROOT, "%-18s %-8s %5.2f %10d %9d %7.2f%% %7.2fx %7d %7d %7d %6d %10d %10d%n",
                r.policy().label(), r.forecaster(), r.splitThreshold(), r.partitionTicks(),
                r.saturatedPartitionTicks(), 100 * r.saturatedShare(), r.worstOverload(), r.splits(), r.merges(),
                r.thrash(), r.maxPartitions(), r.pointsWritten(), r.pointsReadBack());
        }
        out.printf(Locale.ROOT, "%ncapacity %.0f points/partition/tick (%.4g in the trace's unit); %d initial "
                + "partitions; decisions take effect after %d tick(s); cooldown %d ticks; horizon %d ticks.%n"
                + "saturated = partition-ticks whose measured load exceeded capacity; worst = highest load/capacity; "
                + "thrash = a split undone by a merge (or the reverse) within %d ticks.%n",
            settings.capacityPoints(), settings.capacityUnits(), settings.initialPartitions(),
            settings.decisionDelayTicks(), settings.cooldownTicks(), settings.horizonTicks(), settings.seasonTicks());
    }

    /** One JSON object per line and result. */
    public static void json(final List<ReplayResult> results, final PrintStream out) {
        for (final ReplayResult r : results) {
            out.printf(Locale.ROOT, "{\"policy\":\"%s\",\"model\":\"%s\",\"threshold\":%.4f,\"ticks\":%d,"
                    + "\"saturated_partition_ticks\":%d,\"partition_ticks\":%d,\"splits\":%d,\"merges\":%d,"
                    + "\"thrash\":%d,\"moved_bytes\":%d,\"worst_overload\":%.6f,\"aborts\":%d,\"hot_key_holds\":%d,"
                    + "\"max_partitions\":%d,\"points_written\":%d,\"points_read_back\":%d}%n",
                r.policy().label(), r.forecaster(), r.splitThreshold(), r.ticks(), r.saturatedPartitionTicks(),
                r.partitionTicks(), r.splits(), r.merges(), r.thrash(), r.movedBytes(), r.worstOverload(), r.aborts(),
                r.hotKeyHolds(), r.maxPartitions(), r.pointsWritten(), r.pointsReadBack());
        }
    }
}
