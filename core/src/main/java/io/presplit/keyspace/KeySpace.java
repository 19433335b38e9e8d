package io.presplit.keyspace;

import java.nio.charset.StandardCharsets;

/**
 * The partition key space: every series key maps to a non-negative 64-bit partition key in
 * {@code [MIN_KEY, MAX_KEY]}, and every partition owns an inclusive range {@code [lo, hi]} of it.
 * <p>
 * Inclusive ranges let the whole space be one range without a sentinel past {@code Long.MAX_VALUE}.
 * A split at key {@code k} gives {@code [lo, k - 1]} and {@code [k, hi]}, so a valid split key lies in
 * {@code (lo, hi]}.
 * <p>
 * Each range is divided into {@link #BUCKET_COUNT} equal-width load buckets; the profiler counts load per
 * bucket so that the adjustment engine can choose a split point that balances load.
 * <p>
 * The default key is a hash (FNV-1a 64 over the UTF-8 bytes, then the MurmurHash3 64-bit finaliser for
 * avalanche), shifted right by one bit to stay non-negative. It is stable across versions: it names where data
 * lives on disk.
 */
public final class KeySpace {
    /** Smallest partition key. */
    public static final long MIN_KEY = 0L;
    /** Largest partition key. */
    public static final long MAX_KEY = Long.MAX_VALUE;
    /** Load buckets per partition range. */
    public static final int BUCKET_COUNT = 16;

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private KeySpace() {
    }

    /**
     * The partition key of a series key. Allocation-free for ASCII keys.
     *
     * @param seriesKey the series key, non-empty.
     * @return a key in {@code [MIN_KEY, MAX_KEY]}.
     */
    public static long partitionKey(final CharSequence seriesKey) {
        long h = FNV_OFFSET_BASIS;
        final int length = seriesKey.length();
        for (int i = 0; i < length; i++) {
            final char c = seriesKey.charAt(i);
            if (c < 0x80) {
                h = (h ^ c) * FNV_PRIME;
            } else {
                return partitionKey(seriesKey.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
        return fmix64(h) >>> 1;
    }

    /** The partition key of a series key given as UTF-8 bytes; equals {@link #partitionKey(CharSequence)}. */
    public static long partitionKey(final byte[] utf8) {
        long h = FNV_OFFSET_BASIS;
        for (final byte b : utf8) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return fmix64(h) >>> 1;
    }

    /**
     * Width of one load bucket of the range {@code [lo, hi]}, rounded up so that {@link #BUCKET_COUNT} buckets
     * cover the range.
     */
    public static long bucketWidth(final long lo, final long hi) {
        checkRange(lo, hi);
        return (hi - lo) / BUCKET_COUNT + 1;
    }

    /** The load bucket of {@code key} in the range starting at {@code lo} with the given bucket width. */
    public static int bucketOf(final long key, final long lo, final long bucketWidth) {
        return (int) ((key - lo) / bucketWidth);
    }

    /** First key of bucket {@code bucket} of the range starting at {@code lo}. */
    public static long bucketStart(final long lo, final long bucketWidth, final int bucket) {
        return lo + bucketWidth * bucket;
    }

    /** Checks an inclusive range; cold paths only. */
    public static void checkRange(final long lo, final long hi) {
        if (lo < MIN_KEY || hi < lo) {
            throw new IllegalArgumentException("invalid key range [lo=" + lo + ", hi=" + hi + "]");
        }
    }

    private static long fmix64(final long k) {
        long h = k;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
