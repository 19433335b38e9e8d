package io.presplit.storage.log;

import static io.presplit.storage.log.SegmentDescriptor.DOUBLE_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_VALUE_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.INT_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.LONG_UNALIGNED;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_KEY_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.TIMESTAMP_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.VALUE_LENGTH;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A view of one published record in a mapped segment or an encoder's buffer (layout: {@link SegmentDescriptor}).
 * One instance is reused across the records of a read; it is not thread-safe and holds no copy of the data.
 * The view knows the record's field count from its segment's header ({@link #wrap}): records carry no count of
 * their own. Getters allocate nothing except {@link #seriesKey()}. Accesses are unaligned so that heap buffers
 * (alignment 1) work too; on x86 and AArch64 they cost the same as aligned ones.
 */
public final class RecordFlyweight {
    private MemorySegment memory = MemorySegment.NULL;
    private long offset;
    private int fieldCount = 1;
    private long seriesKeyLengthOffset = SegmentDescriptor.seriesKeyLengthOffset(1);

    /**
     * Points the view at the record starting at {@code offset} of {@code memory}, a record of {@code fieldCount}
     * fields (its segment's field count).
     */
    public RecordFlyweight wrap(final MemorySegment memory, final long offset, final int fieldCount) {
        this.memory = memory;
        this.offset = offset;
        if (fieldCount != this.fieldCount) {
            this.fieldCount = fieldCount;
            this.seriesKeyLengthOffset = SegmentDescriptor.seriesKeyLengthOffset(fieldCount);
        }
        return this;
    }

    /** The memory the view reads (the record's segment); for copying the record whole. */
    MemorySegment memory() {
        return memory;
    }

    /** Offset of the record in its segment file. */
    public long offset() {
        return offset;
    }

    /** Length of the record, padding included. */
    public int lengthBytes() {
        return memory.get(INT_UNALIGNED, offset + RECORD_LENGTH_OFFSET);
    }

    /** The partition key of the record's series key. */
    public long partitionKey() {
        return memory.get(LONG_UNALIGNED, offset + PARTITION_KEY_OFFSET);
    }

    /** The point's timestamp in nanoseconds since the epoch. */
    public long timestampNs() {
        return memory.get(LONG_UNALIGNED, offset + TIMESTAMP_OFFSET);
    }

    /** Number of field values the record carries. */
    public int fieldCount() {
        return fieldCount;
    }

    /**
     * The value of field {@code fieldIndex}, {@code 0 <= fieldIndex < fieldCount()} (checked by an assert only: the
     * hot read path resolves the index once per query).
     */
    public double value(final int fieldIndex) {
        assert fieldIndex >= 0 && fieldIndex < fieldCount : "field index out of range [fieldIndex=" + fieldIndex
            + ", fieldCount=" + fieldCount + "]";
        return memory.get(DOUBLE_UNALIGNED, offset + FIRST_VALUE_OFFSET + (long) fieldIndex * VALUE_LENGTH);
    }

    /** The value of the first field: the point's value in a one-field store. */
    public double value() {
        return memory.get(DOUBLE_UNALIGNED, offset + FIRST_VALUE_OFFSET);
    }

    /** Length of the series key in UTF-8 bytes. */
    public int seriesKeyLengthBytes() {
        return memory.get(INT_UNALIGNED, offset + seriesKeyLengthOffset);
    }

    /** Offset of the series key's first byte in the memory. */
    private long seriesKeyStart() {
        return offset + seriesKeyLengthOffset + Integer.BYTES;
    }

    /** Whether the series key equals {@code utf8Key} byte for byte. Allocation-free. */
    public boolean seriesKeyEquals(final MemorySegment utf8Key) {
        final long length = seriesKeyLengthBytes();
        final long start = seriesKeyStart();
        return length == utf8Key.byteSize()
            && MemorySegment.mismatch(memory, start, start + length, utf8Key, 0, length) == -1;
    }

    /**
     * Copies the series key's UTF-8 bytes into {@code destination}, which must hold
     * {@link SegmentDescriptor#MAX_SERIES_KEY_LENGTH_BYTES} bytes. Allocation-free.
     *
     * @return the number of bytes copied.
     */
    public int copySeriesKey(final byte[] destination) {
        final int length = seriesKeyLengthBytes();
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, seriesKeyStart(), destination, 0, length);
        return length;
    }

    /** The series key as a new string. Allocates. */
    public String seriesKey() {
        final int length = seriesKeyLengthBytes();
        final byte[] utf8 = new byte[length];
        MemorySegment.copy(memory, ValueLayout.JAVA_BYTE, seriesKeyStart(), utf8, 0, length);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RecordFlyweight [offset=" + offset + ", seriesKey=" + seriesKey() + ", timestampNs=" + timestampNs()
            + ", fieldCount=" + fieldCount + ", value0=" + value() + "]";
    }
}
