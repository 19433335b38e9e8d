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
        out.printf(Locale.ROOT, "%n%-18s %-8s %5s %10s %9s %8s %8s %8s %7s %7s %7s %6s %9s %10s %10s%n",
            "policy", "model", "thr", "part-ticks", "saturated", "unannou.", "share", "worst", "splits", "merges",
            "thrash", "max-p", "moved-MiB", "written", "read-back");
        for (final ReplayResult r : results) {
            out.printf(Locale.ROOT, "%-18s %-8s %5.2f %10d %9d %8d %7.2f%% %7.2fx %7d %7d %7d %6d %9s %10d %10d%n",
                r.policy().label(), r.forecaster(), r.splitThreshold(), r.partitionTicks(),
                r.saturatedPartitionTicks(), r.unannounced(), 100 * r.saturatedShare(), r.worstOverload(), r.splits(),
                r.merges(), r.thrash(), r.maxPartitions(), r.movedBytes() == ReplayResult.NOT_MEASURED ? "-"
                    : String.format(Locale.ROOT, "%.0f", r.movedBytes() / (1024.0 * 1024.0)),
                r.pointsWritten(), r.pointsReadBack());
        }
        printOracleShares(results, out);
        out.printf(Locale.ROOT, "%ncapacity %.0f points/partition/tick (%.4g in the trace's unit); %d initial "
                + "partitions; decisions take effect after %d tick(s); cooldown %d ticks; horizon %d ticks.%n"
                + "saturated = partition-ticks whose measured load exceeded capacity; worst = highest load/capacity; "
                + "unannounced = saturated partition-ticks that were at or under the split level the tick before.%n"
                + "thrash = a split undone by a merge (or the reverse) within %d ticks; moved = bytes compaction "
                + "copied to make new partitions read only their own files (compaction after every tick).%n"
                + "hot-key floor: %d (tick, key) pairs in which one key alone exceeded capacity; no policy avoids "
                + "them.%n",
            settings.capacityPoints(), settings.capacityUnits(), settings.initialPartitions(),
            settings.decisionDelayTicks(), settings.cooldownTicks(), settings.horizonTicks(), settings.seasonTicks(),
            results.isEmpty() ? 0 : results.get(0).hotKeyFloor());
    }

    /**
     * For each threshold at which reactive and the oracle both ran, the share of the oracle's gain over reactive
     * (fewer saturated partition-ticks) that each predictive policy captures: 100 % matches the oracle, 0 % is no
     * better than reactive, below 0 is worse.
     */
    static void printOracleShares(final List<ReplayResult> results, final PrintStream out) {
        for (final ReplayResult reactive : results) {
            if (reactive.policy() != Policy.REACTIVE) {
                continue;
            }
            final ReplayResult oracle = atThreshold(results, Policy.ORACLE, reactive.splitThreshold());
            if (oracle == null) {
                continue;
            }
            final long gain = reactive.saturatedPartitionTicks() - oracle.saturatedPartitionTicks();
            for (final ReplayResult r : results) {
                if (r.policy().isPredictive() && r.splitThreshold() == reactive.splitThreshold()) {
                    out.printf(Locale.ROOT, "threshold %.2f: %s captures %s of the oracle's gain over reactive "
                            + "(%d -> %d saturated; oracle %d)%n", r.splitThreshold(), r.policy().label(),
                        gain <= 0 ? "n/a" : String.format(Locale.ROOT, "%.0f%%",
                            100.0 * (reactive.saturatedPartitionTicks() - r.saturatedPartitionTicks()) / gain),
                        reactive.saturatedPartitionTicks(), r.saturatedPartitionTicks(),
                        oracle.saturatedPartitionTicks());
                }
            }
        }
    }

    private static ReplayResult atThreshold(final List<ReplayResult> results, final Policy policy,
        final double threshold) {
        for (final ReplayResult r : results) {
            if (r.policy() == policy && r.splitThreshold() == threshold) {
                return r;
            }
        }
        return null;
    }

    /** One JSON object per line and result. */
    public static void json(final List<ReplayResult> results, final PrintStream out) {
        for (final ReplayResult r : results) {
            out.printf(Locale.ROOT, "{\"policy\":\"%s\",\"model\":\"%s\",\"threshold\":%.4f,\"ticks\":%d,"
                    + "\"saturated_partition_ticks\":%d,\"partition_ticks\":%d,\"splits\":%d,\"merges\":%d,"
                    + "\"thrash\":%d,\"moved_bytes\":%s,\"worst_overload\":%.6f,\"aborts\":%d,\"hot_key_holds\":%d,"
                    + "\"max_partitions\":%d,\"points_written\":%d,\"points_read_back\":%d,"
                    + "\"unannounced_saturated\":%d,\"hot_key_floor\":%d}%n",
                r.policy().label(), r.forecaster(), r.splitThreshold(), r.ticks(), r.saturatedPartitionTicks(),
                r.partitionTicks(), r.splits(), r.merges(), r.thrash(),
                r.movedBytes() == ReplayResult.NOT_MEASURED ? "null" : Long.toString(r.movedBytes()),
                r.worstOverload(), r.aborts(),
                r.hotKeyHolds(), r.maxPartitions(), r.pointsWritten(), r.pointsReadBack(), r.unannounced(),
                r.hotKeyFloor());
        }
    }
}
