package io.presplit.storage.log;

import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The bytes a segment holds per partition key: its distinct partition keys in ascending order with the cumulative
 * record bytes (padding included) up to each. Answers "how many bytes have a key in {@code [lo, hi]}" exactly with
 * two binary searches, which is what the compaction cost of a split point needs.
 * <p>
 * Built once per segment that no longer takes records (then cached by the segment, like its time index), by one
 * pass over the records; an open segment builds a fresh one per call. Memory: 16 bytes per distinct partition key
 * in the segment (a segment of 1,024 series: 16 KiB). Immutable once built; any thread.
 */
public final class KeyByteSummary {
    /** A summary of no records. */
    public static final KeyByteSummary EMPTY = new KeyByteSummary(new long[0], new long[0]);

    /** Distinct partition keys, ascending. */
    private final long[] keys;
    /** {@code cumulativeBytes[i]}: bytes of the records with a key at most {@code keys[i]}. */
    private final long[] cumulativeBytes;

    private KeyByteSummary(final long[] keys, final long[] cumulativeBytes) {
        this.keys = keys;
        this.cumulativeBytes = cumulativeBytes;
    }

    /**
     * Builds the summary of the records visited by {@code reader}: it must call the given visitor once per
     * record. Cold path; allocates (a hash map of the distinct keys, then two arrays).
     */
    static KeyByteSummary of(final Consumer<RecordVisitor> reader) {
        final Long2LongHashMap bytesByKey = new Long2LongHashMap(0);
        reader.accept((partitionId, record) -> {
            final long key = record.partitionKey();
            bytesByKey.put(key, bytesByKey.get(key) + record.lengthBytes());
        });
        if (bytesByKey.isEmpty()) {
            return EMPTY;
        }
        final long[] keys = new long[bytesByKey.size()];
        final Long2LongHashMap.KeyIterator iterator = bytesByKey.keySet().iterator();
        for (int i = 0; i < keys.length; i++) {
            keys[i] = iterator.nextValue();
        }
        Arrays.sort(keys);
        final long[] cumulative = new long[keys.length];
        long total = 0;
        for (int i = 0; i < keys.length; i++) {
            total += bytesByKey.get(keys[i]);
            cumulative[i] = total;
        }
        return new KeyByteSummary(keys, cumulative);
    }

    /** Bytes of the records whose partition key lies in {@code [lo, hi]} (0 when {@code lo > hi}). Allocation-free. */
    public long bytesBetween(final long lo, final long hi) {
        if (lo > hi) {
            return 0;
        }
        return bytesAtMost(hi) - bytesBelow(lo);
    }

    /** Bytes of every record of the segment. */
    public long totalBytes() {
        return cumulativeBytes.length == 0 ? 0 : cumulativeBytes[cumulativeBytes.length - 1];
    }

    /** Number of distinct partition keys. */
    public int distinctKeys() {
        return keys.length;
    }

    private long bytesBelow(final long key) {
        // Index of the first key >= key.
        final int found = Arrays.binarySearch(keys, key);
        final int first = found >= 0 ? found : -found - 1;
        return first == 0 ? 0 : cumulativeBytes[first - 1];
    }

    private long bytesAtMost(final long key) {
        final int found = Arrays.binarySearch(keys, key);
        final int last = found >= 0 ? found : -found - 2;
        return last < 0 ? 0 : cumulativeBytes[last];
    }
}
