package io.presplit.storage.log;

import static io.presplit.storage.log.SegmentDescriptor.DOUBLE_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.INT_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.LONG_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.MAX_SERIES_KEY_LENGTH_BYTES;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_KEY_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_CHECKSUM_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.TIMESTAMP_OFFSET;

import io.presplit.keyspace.KeySpace;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Encodes one record at a time into a reusable heap buffer, checksum included, ready for
 * {@link PartitionLog#append(MemorySegment, int)}: a record of the schema's field count (layout:
 * {@link SegmentDescriptor}, record version 2). One encoder per writer thread; not thread-safe.
 * <p>
 * Allocation: none for series keys made of ASCII characters and valid input; a non-ASCII key is converted to UTF-8
 * through a temporary {@link String} and byte array; an error message is built only when input is refused.
 */
public final class RecordEncoder {
    private final FieldSchema fields;
    private final int fieldCount;
    private final int seriesKeyLengthOffset;
    private final int seriesKeyOffset;
    private final byte[] buffer;
    private final MemorySegment record;
    private final CRC32C checksum = new CRC32C();
    private long partitionKey;
    private final KeyOrder keyOrder;

    /** An encoder of {@link KeyOrder#HASHED} partition keys and one field. */
    public RecordEncoder() {
        this(KeyOrder.HASHED, FieldSchema.SINGLE);
    }

    /** An encoder that derives partition keys in {@code keyOrder}, of one field. */
    public RecordEncoder(final KeyOrder keyOrder) {
        this(keyOrder, FieldSchema.SINGLE);
    }

    /** An encoder that derives partition keys in {@code keyOrder}, of records carrying the fields of {@code fields}. */
    public RecordEncoder(final KeyOrder keyOrder, final FieldSchema fields) {
        this.keyOrder = Objects.requireNonNull(keyOrder, "keyOrder");
        this.fields = Objects.requireNonNull(fields, "fields");
        this.fieldCount = fields.count();
        this.seriesKeyLengthOffset = SegmentDescriptor.seriesKeyLengthOffset(fieldCount);
        this.seriesKeyOffset = SegmentDescriptor.seriesKeyOffset(fieldCount);
        this.buffer = new byte[SegmentDescriptor.maxRecordLength(fieldCount)];
        this.record = MemorySegment.ofArray(buffer);
    }

    /**
     * Validates and encodes a point of a one-field schema. On invalid input it throws, and the buffer's content is
     * unspecified.
     *
     * @param seriesKey   the series key: 1 to {@link SegmentDescriptor#MAX_SERIES_KEY_LENGTH_BYTES} UTF-8 bytes.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param value       a finite value.
     * @return the record length in bytes; the record is in {@link #record()} and its key in {@link #partitionKey()}.
     * @throws IllegalArgumentException when an argument breaks the rules above, or the schema has more than one
     *                                  field; the message names what was wrong.
     */
    public int encode(final CharSequence seriesKey, final long timestampNs, final double value) {
        if (fieldCount != 1) {
            throw new IllegalArgumentException("one value given but the store has several fields; write them all "
                + "[seriesKey=" + seriesKey + ", fields=" + fields + "]");
        }
        checkTimestamp(seriesKey, timestampNs);
        if (!Double.isFinite(value)) {
            throw notFinite(seriesKey, timestampNs, 0, value);
        }
        record.set(DOUBLE_UNALIGNED, SegmentDescriptor.FIRST_VALUE_OFFSET, value);
        return encodeRest(seriesKey, timestampNs);
    }

    /**
     * Validates and encodes a point with one value per field. On invalid input it throws, and the buffer's content
     * is unspecified. The array stays the caller's: it is read, not kept.
     *
     * @param seriesKey   the series key: 1 to {@link SegmentDescriptor#MAX_SERIES_KEY_LENGTH_BYTES} UTF-8 bytes.
     * @param timestampNs nanoseconds since the epoch, non-negative.
     * @param values      exactly one finite value per field, in the schema's order.
     * @return the record length in bytes; the record is in {@link #record()} and its key in {@link #partitionKey()}.
     * @throws IllegalArgumentException when an argument breaks the rules above; the message names the series, and
     *                                  the field and value or the counts.
     */
    public int encode(final CharSequence seriesKey, final long timestampNs, final double[] values) {
        if (values.length != fieldCount) {
            throw new IllegalArgumentException("wrong number of values [seriesKey=" + seriesKey + ", values="
                + values.length + ", fieldCount=" + fieldCount + ", fields=" + fields + "]");
        }
        checkTimestamp(seriesKey, timestampNs);
        final MemorySegment record = this.record;
        for (int i = 0; i < values.length; i++) {
            final double value = values[i];
            if (!Double.isFinite(value)) {
                throw notFinite(seriesKey, timestampNs, i, value);
            }
            record.set(DOUBLE_UNALIGNED, SegmentDescriptor.valueOffset(i), value);
        }
        return encodeRest(seriesKey, timestampNs);
    }

    /** The schema of the records this encoder writes. */
    public FieldSchema fields() {
        return fields;
    }

    /** Writes the key, the fixed fields and the checksum around the values already in the buffer. */
    private int encodeRest(final CharSequence seriesKey, final long timestampNs) {
        final int keyLengthBytes = encodeSeriesKey(seriesKey);
        final MemorySegment record = this.record;
        final int lengthBytes = SegmentDescriptor.recordLength(fieldCount, keyLengthBytes);
        Arrays.fill(buffer, seriesKeyOffset + keyLengthBytes, lengthBytes, (byte) 0);
        record.set(INT_UNALIGNED, RECORD_LENGTH_OFFSET, lengthBytes);
        record.set(LONG_UNALIGNED, PARTITION_KEY_OFFSET, partitionKey);
        record.set(LONG_UNALIGNED, TIMESTAMP_OFFSET, timestampNs);
        record.set(INT_UNALIGNED, seriesKeyLengthOffset, keyLengthBytes);
        final CRC32C checksum = this.checksum;
        checksum.reset();
        checksum.update(buffer, PARTITION_KEY_OFFSET, lengthBytes - PARTITION_KEY_OFFSET);
        record.set(INT_UNALIGNED, RECORD_CHECKSUM_OFFSET, (int) checksum.getValue());
        return lengthBytes;
    }

    private static void checkTimestamp(final CharSequence seriesKey, final long timestampNs) {
        if (timestampNs < 0) {
            throw new IllegalArgumentException("timestamp must not be negative [seriesKey=" + seriesKey
                + ", timestampNs=" + timestampNs + "]");
        }
    }

    private IllegalArgumentException notFinite(final CharSequence seriesKey, final long timestampNs,
        final int fieldIndex, final double value) {
        return new IllegalArgumentException("value must be finite [seriesKey=" + seriesKey + ", timestampNs="
            + timestampNs + ", field=" + fields.name(fieldIndex) + ", value=" + value + "]");
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
            buffer[seriesKeyOffset + i] = (byte) c;
        }
        partitionKey = keyOrder == KeyOrder.HASHED ? KeySpace.partitionKey(seriesKey)
            : KeyOrder.orderedKey(buffer, seriesKeyOffset, length);
        return length;
    }

    private int encodeNonAscii(final CharSequence seriesKey) {
        final byte[] utf8 = seriesKey.toString().getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_SERIES_KEY_LENGTH_BYTES) {
            throw tooLong(seriesKey, utf8.length);
        }
        System.arraycopy(utf8, 0, buffer, seriesKeyOffset, utf8.length);
        partitionKey = keyOrder.partitionKey(utf8);
        return utf8.length;
    }

    private static IllegalArgumentException tooLong(final CharSequence seriesKey, final int lengthBytes) {
        final String prefix = seriesKey.subSequence(0, Math.min(seriesKey.length(), 32)).toString();
        return new IllegalArgumentException("series key too long [seriesKeyPrefix=" + prefix
            + ", lengthBytes=" + lengthBytes + ", maxLengthBytes=" + MAX_SERIES_KEY_LENGTH_BYTES + "]");
    }
}
