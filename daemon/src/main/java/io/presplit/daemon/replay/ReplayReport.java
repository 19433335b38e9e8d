package io.presplit.daemon.replay;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/** Prints replay results as a table. */
public final class ReplayReport {
    private ReplayReport() {
    }

    /** Prints one row per policy. */
    public static void print(final List<ReplayResult> results, final double capacity, final PrintStream out) {
        out.printf(Locale.ROOT, "%n%-18s %-8s %10s %12s %9s %9s %7s %7s %7s %12s %12s%n", "policy", "model",
            "part-ticks", "saturated", "share", "worst", "splits", "merges", "max-p", "written", "read-back");
        for (final ReplayResult r : results) {
            out.printf(Locale.ROOT, "%-18s %-8s %10d %12d %8.2f%% %8.2fx %7d %7d %7d %12d %12d%n",
                r.policy().label(), r.forecaster(), r.partitionTicks(), r.saturatedPartitionTicks(),
                100 * r.saturatedShare(), r.worstUtilization(), r.splits(), r.merges(), r.maxPartitions(),
                r.pointsWritten(), r.pointsReadBack());
        }
        out.printf(Locale.ROOT, "%ncapacity %.0f points/partition/tick; saturated = partition-ticks whose measured "
            + "load exceeded capacity; worst = highest load/capacity seen.%n", capacity);
    }
}
