package io.presplit.storage.log;

import static io.presplit.storage.log.SegmentDescriptor.DOUBLE_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.INT_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.LONG_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.MAX_RECORD_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.MAX_SERIES_KEY_LENGTH_BYTES;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_KEY_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_CHECKSUM_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SERIES_KEY_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SERIES_KEY_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.TIMESTAMP_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.VALUE_OFFSET;

import io.presplit.keyspace.KeySpace;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Encodes one record at a time into a reusable heap buffer, checksum included, ready for
 * {@link PartitionLog#append(MemorySegment, int)}. One encoder per writer thread; not thread-safe.
 * <p>
 * Allocation: none for series keys made of ASCII characters; a non-ASCII key is converted to UTF-8 through a
 * temporary {@link String} and byte array.
 */
public final class RecordEncoder {
    private final byte[] buffer = new byte[MAX_RECORD_LENGTH];
    private final MemorySegment record = MemorySegment.ofArray(buffer);
    private final CRC32C checksum = new CRC32C();
    private long partitionKey;
    private final KeyOrder keyOrder;

    /** An encoder of {@link KeyOrder#HASHED} partition keys. */
    public RecordEncoder() {
        this(KeyOrder.HASHED);
    }

    /** An encoder that derives partition keys in {@code keyOrder}. */
    public RecordEncoder(final KeyOrder keyOrder) {
        this.keyOrder = Objects.requireNonNull(keyOrder, "keyOrder");
    }

    /**
     * Validates and encodes a point. On invalid input it throws, and the buffer's content is unspecified.
     *
     * @param seriesKey   the series key: 1 to {@link SegmentDescriptor#MAX_SERIES_KEY_LENGTH_BYTES} UTF-8 bytes.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param value       a finite value.
     * @return the record length in bytes; the record is in {@link #record()} and its key in {@link #partitionKey()}.
     * @throws IllegalArgumentException when an argument breaks the rules above; the message names it.
     */
    public int encode(final CharSequence seriesKey, final long timestampNs, final double value) {
        if (timestampNs < 0) {
            throw new IllegalArgumentException("timestamp must not be negative [seriesKey=" + seriesKey
                + ", timestampNs=" + timestampNs + "]");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("value must be finite [seriesKey=" + seriesKey
                + ", timestampNs=" + timestampNs + ", value=" + value + "]");
        }
        final int keyLengthBytes = encodeSeriesKey(seriesKey);
        final MemorySegment record = this.record;
        final int lengthBytes = SegmentDescriptor.recordLength(keyLengthBytes);
        Arrays.fill(buffer, SERIES_KEY_OFFSET + keyLengthBytes, lengthBytes, (byte) 0);
        record.set(INT_UNALIGNED, RECORD_LENGTH_OFFSET, lengthBytes);
        record.set(LONG_UNALIGNED, PARTITION_KEY_OFFSET, partitionKey);
        record.set(LONG_UNALIGNED, TIMESTAMP_OFFSET, timestampNs);
        record.set(DOUBLE_UNALIGNED, VALUE_OFFSET, value);
        record.set(INT_UNALIGNED, SERIES_KEY_LENGTH_OFFSET, keyLengthBytes);
        final CRC32C checksum = this.checksum;
        checksum.reset();
        checksum.update(buffer, PARTITION_KEY_OFFSET, lengthBytes - PARTITION_KEY_OFFSET);
        record.set(INT_UNALIGNED, RECORD_CHECKSUM_OFFSET, (int) checksum.getValue());
        return lengthBytes;
    }

    /** The buffer holding the last encoded record, from offset 0. Valid until the next {@link #encode}. */
    public MemorySegment record() {
        return record;
    }

    /** The partition key of the last encoded record. */
    public long partitionKey() {
        return partitionKey;
    }

    /** Writes the key's UTF-8 bytes into the buffer and sets {@link #partitionKey}; returns the byte length. */
    private int encodeSeriesKey(final CharSequence seriesKey) {
        final int length = seriesKey.length();
        if (length == 0) {
            throw new IllegalArgumentException("series key must not be empty [seriesKey=]");
        }
        if (length > MAX_SERIES_KEY_LENGTH_BYTES) {
            throw tooLong(seriesKey, length);
        }
        final byte[] buffer = this.buffer;
        for (int i = 0; i < length; i++) {
            final char c = seriesKey.charAt(i);
            if (c >= 0x80) {
                return encodeNonAscii(seriesKey);
            }
            buffer[SERIES_KEY_OFFSET + i] = (byte) c;
        }
        partitionKey = keyOrder == KeyOrder.HASHED ? KeySpace.partitionKey(seriesKey)
            : KeyOrder.orderedKey(buffer, SERIES_KEY_OFFSET, length);
        return length;
    }

    private int encodeNonAscii(final CharSequence seriesKey) {
        final byte[] utf8 = seriesKey.toString().getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_SERIES_KEY_LENGTH_BYTES) {
            throw tooLong(seriesKey, utf8.length);
        }
        System.arraycopy(utf8, 0, buffer, SERIES_KEY_OFFSET, utf8.length);
        partitionKey = keyOrder.partitionKey(utf8);
        return utf8.length;
    }

    private static IllegalArgumentException tooLong(final CharSequence seriesKey, final int lengthBytes) {
        final String prefix = seriesKey.subSequence(0, Math.min(seriesKey.length(), 32)).toString();
        return new IllegalArgumentException("series key too long [seriesKeyPrefix=" + prefix
            + ", lengthBytes=" + lengthBytes + ", maxLengthBytes=" + MAX_SERIES_KEY_LENGTH_BYTES + "]");
    }
}
