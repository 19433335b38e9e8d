package io.presplit.storage;

import io.presplit.storage.log.PartitionLog;

import java.util.ArrayList;
import java.util.List;

/**
 * The logs a read of one partition visits, each with the key range it contributes: a sealed ancestor contributes
 * only the part of the partition's range its descendant on the way here covered. The range matters once
 * compaction runs: a merged partition whose lower parent is compacted and whose upper parent is not reads their
 * shared ancestor for the upper part only, since the lower part is in the compacted copy.
 * <p>
 * Immutable; any thread. Entries are in read order; a log appears in several entries only with disjoint ranges.
 */
final class ReadSources {
    private final PartitionLog[] logs;
    private final long[] keyLo;
    private final long[] keyHi;

    private ReadSources(final PartitionLog[] logs, final long[] keyLo, final long[] keyHi) {
        this.logs = logs;
        this.keyLo = keyLo;
        this.keyHi = keyHi;
    }

    /** No source (a routing test's partition without a log). */
    static ReadSources none() {
        return new ReadSources(new PartitionLog[0], new long[0], new long[0]);
    }

    /** A compacted partition: its compacted log, then its own, both over its range. */
    static ReadSources compacted(final PartitionLog compacted, final PartitionLog own, final long lo,
        final long hi) {
        return new ReadSources(new PartitionLog[] {compacted, own}, new long[] {lo, lo}, new long[] {hi, hi});
    }

    /**
     * A partition created from its parents: the parents' sources cut to {@code [lo, hi]} (entries of one log with
     * adjacent ranges joined), then its own log over its range.
     */
    static ReadSources inherited(final PartitionLog own, final long lo, final long hi, final ReadSources... parents) {
        final List<PartitionLog> logs = new ArrayList<>();
        final List<long[]> ranges = new ArrayList<>();
        for (final ReadSources parent : parents) {
            if (parent == null) {
                continue;
            }
            for (int i = 0; i < parent.size(); i++) {
                final long from = Math.max(lo, parent.keyLo[i]);
                final long to = Math.min(hi, parent.keyHi[i]);
                if (from > to) {
                    continue;
                }
                add(logs, ranges, parent.logs[i], from, to);
            }
        }
        add(logs, ranges, own, lo, hi);
        final long[] los = new long[logs.size()];
        final long[] his = new long[logs.size()];
        for (int i = 0; i < los.length; i++) {
            los[i] = ranges.get(i)[0];
            his[i] = ranges.get(i)[1];
        }
        return new ReadSources(logs.toArray(new PartitionLog[0]), los, his);
    }

    private static void add(final List<PartitionLog> logs, final List<long[]> ranges, final PartitionLog log,
        final long from, final long to) {
        for (int i = 0; i < logs.size(); i++) {
            final long[] range = ranges.get(i);
            if (logs.get(i) == log && (range[1] + 1 == from || to + 1 == range[0])) {
                range[0] = Math.min(range[0], from);
                range[1] = Math.max(range[1], to);
                return;
            }
        }
        logs.add(log);
        ranges.add(new long[] {from, to});
    }

    /** Number of entries. */
    int size() {
        return logs.length;
    }

    /** The log of entry {@code i}. */
    PartitionLog log(final int i) {
        return logs[i];
    }

    /** First key entry {@code i} contributes. */
    long keyLo(final int i) {
        return keyLo[i];
    }

    /** Last key entry {@code i} contributes. */
    long keyHi(final int i) {
        return keyHi[i];
    }
}
