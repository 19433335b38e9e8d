package io.presplit.storage.log;

import io.presplit.keyspace.KeySpace;

/**
 * How a store derives the 64-bit partition key of a series key. Chosen when a store is created and recorded in
 * its format file (spec 005); a store refuses to open with the other order.
 */
public enum KeyOrder {
    /**
     * {@link KeySpace#partitionKey(byte[])}: a hash, which spreads series evenly over the key space and so over
     * partitions, whatever their names.
     */
    HASHED(0),
    /**
     * Order-preserving: the first 8 bytes of the UTF-8 series key, zero-padded on the right when shorter, read as
     * an unsigned big-endian number and shifted right by one bit (the key space is 63 bits). If two series keys
     * compare {@code a < b} byte by byte (unsigned, a prefix first), then {@code key(a) <= key(b)}: a key range is
     * a range of series keys, so a prefix (a tenant) can be kept in one partition. Tie rule: series keys that
     * agree on their first 7 bytes and on the top 7 bits of the 8th share one partition key, so a split never
     * separates them; they behave as one hot key if their load is high.
     */
    ORDERED(1);

    private static final int PREFIX_BYTES = Long.BYTES;

    private final int code;

    KeyOrder(final int code) {
        this.code = code;
    }

    /** The code stored in the store's format file. */
    public int code() {
        return code;
    }

    /** The order with {@code code}, or {@code null} when none has it. */
    public static KeyOrder ofCode(final int code) {
        for (final KeyOrder order : values()) {
            if (order.code == code) {
                return order;
            }
        }
        return null;
    }

    /** The partition key of a series key given as UTF-8 bytes. Allocation-free. */
    public long partitionKey(final byte[] utf8) {
        return this == HASHED ? KeySpace.partitionKey(utf8) : orderedKey(utf8, 0, utf8.length);
    }

    /**
     * The {@link #ORDERED} key of the {@code length} bytes of {@code bytes} from {@code offset}. Allocation-free.
     *
     * @return a key in {@code [KeySpace.MIN_KEY, KeySpace.MAX_KEY]}.
     */
    public static long orderedKey(final byte[] bytes, final int offset, final int length) {
        long prefix = 0;
        for (int i = 0; i < PREFIX_BYTES; i++) {
            prefix = (prefix << Byte.SIZE) | (i < length ? bytes[offset + i] & 0xff : 0);
        }
        return prefix >>> 1;
    }
}
