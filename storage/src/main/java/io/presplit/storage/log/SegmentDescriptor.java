package io.presplit.storage.log;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Spec 001, the partition segment format, version 2: the on-disk layout of one segment file of a partition log.
 * This Javadoc is the specification; where code disagrees with it, the code is the bug.
 * <p>
 * Version 2 (issue 3, multi-field points) adds the field count to the identity block and lets a record carry that
 * many float64 values. Version 1 segments (written before) are read as version 2 segments of one field: their
 * records are byte for byte the one-field records below, and their header is the version 2 header without the
 * field count word, the checksum sitting at offset 80 over bytes [0, 80). This code writes version 2 only.
 *
 * <h2>Files</h2>
 * A partition with id {@code id} lives in the directory {@code <dataDir>/partitions/<id>/} (decimal id). Its log is
 * a chain of segment files {@code segment-NNNNNNNNNN.log}, {@code NNNNNNNNNN} being the segment index in decimal,
 * zero-padded to ten digits, starting at 0 and without gaps. A segment is created as {@code segment-N.tmp}, sized,
 * given its header, and then renamed to {@code segment-N.log} (atomic rename), so that a process crash never
 * leaves a {@code .log} file without a complete header. Its forces (the file, then the directory) may come later
 * (see "Durability"), but always before anything relies on the segment: before a record in it is acknowledged under
 * SYNC or GROUP, before it is sealed, before the segment before it is marked ROLLED, before a prepare votes commit.
 * A power failure before them may leave a {@code .log} file that is all zero (the header page never reached the
 * disk): recovery deletes it when it is the newest segment of a chain, or segment 0 alone (a torn prepare); an
 * all-zero header with any other byte set is corruption, refused. Leftover {@code .tmp} files are deleted on open.
 * <p>
 * Every multi-byte field is little-endian. The file length is the segment capacity, a multiple of
 * {@link #RECORD_ALIGNMENT}; unwritten space reads as zero (the file is sparse).
 *
 * <h2>Header (HEADER_LENGTH = 256 bytes)</h2>
 * The identity block is written once, before the rename, by the thread that creates the segment. The state block
 * is written later by the control thread (commit, seal) or the writer that rolls the chain; it sits in its own
 * 128-byte-aligned pair of cache lines, apart from the identity block and from the records.
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                 magic "PSEG" (uint32)          offset 0       |
 * +---------------------------------------------------------------+
 * |                 format version = 1 (uint32)    offset 4       |
 * +---------------------------------------------------------------+
 * |                 partition id (int64)           offset 8       |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 segment index (int32)          offset 16      |
 * +---------------------------------------------------------------+
 * |                 load slot (int32)              offset 20      |
 * +---------------------------------------------------------------+
 * |                 created-by txn id (int64)      offset 24      |
 * |                 (-1 for the initial partition)                |
 * +---------------------------------------------------------------+
 * |                 first parent id (int64)        offset 32      |
 * |                 (-1 when none)                                |
 * +---------------------------------------------------------------+
 * |                 second parent id (int64)       offset 40      |
 * |                 (-1 when none; set by a merge)                |
 * +---------------------------------------------------------------+
 * |                 key range lo, inclusive (int64)  offset 48    |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 key range hi, inclusive (int64)  offset 56    |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 first record offset = 256 (int64) offset 64   |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 segment length in bytes (int64) offset 72     |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 field count N (int32)          offset 80      |
 * |   1..MAX_FIELD_COUNT; the store's schema (store.format)       |
 * +---------------------------------------------------------------+
 * |                 header checksum (uint32)       offset 84      |
 * |                 CRC32C of bytes [0, 84)                       |
 * +---------------------------------------------------------------+
 * |                 reserved, zero                 offset 88..127 |
 * +===============================================================+
 * |                 committed flag (int64)         offset 128     |
 * |                 0 prepared, 1 committed; segment 0 only       |
 * +---------------------------------------------------------------+
 * |                 seal state (int64)             offset 136     |
 * |                 0 OPEN, 1 ROLLED, 2 SEALED                    |
 * +---------------------------------------------------------------+
 * |                 sealed tail offset (int64)     offset 144     |
 * |                 end of the last record, when not OPEN         |
 * +---------------------------------------------------------------+
 * |                 sealed-by txn id (int64)       offset 152     |
 * |                 the txn that SEALED it, else -1               |
 * +---------------------------------------------------------------+
 * |                 committed epoch (int64)        offset 160     |
 * |   routing epoch the commit published; segment 0 only;         |
 * |   0 = epoch 1 (the initial partition)                         |
 * +---------------------------------------------------------------+
 * |                 reserved, zero                 offset 168..255|
 * +---------------------------------------------------------------+
 * </pre>
 * The lineage fields (partition id, load slot, created-by txn, parents, key range) and the field count are the same in
 * every segment of a partition, and the field count is the same in every partition of a store, so that each file
 * describes itself and compaction can copy records between them byte for byte. Seal states: {@code OPEN} segments may
 * still take records; a {@code ROLLED} segment filled up and the chain continues in the next segment; a {@code SEALED}
 * segment is the last of a partition that a split or merge sealed. The state word is written after the tail and txn
 * words and forced after the records, so a segment whose state is not OPEN has every record before its sealed tail on
 * disk.
 *
 * <h2>Records (from the first record offset, each 8-byte aligned; record version 2)</h2>
 * A record of a segment whose header says N fields carries N values, in the store's field order (field i of the
 * schema is value i). The values start at offset 24, 8-byte aligned in the file, so a reader loads each with one
 * aligned 8-byte read; the series key follows them, its length word first. With N = 1 the layout is the one of
 * record version 1 (segment format 1).
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |                 record length in bytes (int32) offset 0       |
 * |   padded total; 0 = not written yet; -1 = end of segment;     |
 * |   below -1: hole marker spanning -length bytes (recovery)     |
 * +---------------------------------------------------------------+
 * |                 checksum (uint32)              offset 4       |
 * |   CRC32C of bytes [8, record length), padding included        |
 * +---------------------------------------------------------------+
 * |                 partition key (int64)          offset 8       |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 timestamp, ns since epoch (int64) offset 16   |
 * |                                                               |
 * +---------------------------------------------------------------+
 * |                 value of field 0 (IEEE 754 binary64) off. 24  |
 * |                                                               |
 * +---------------------------------------------------------------+
 * .                 value of field i at 24 + 8 i, i &lt; N          .
 * +---------------------------------------------------------------+
 * |                 series key length in bytes (int32) 24 + 8 N   |
 * +---------------------------------------------------------------+
 * |                 series key, UTF-8, 1..1024 bytes  28 + 8 N    |
 * .                                                               .
 * +---------------------------------------------------------------+
 * |                 zero padding to the next multiple of 8        |
 * +---------------------------------------------------------------+
 * </pre>
 * Every value is finite (the writer refuses NaN and infinities). Lengths per field count N: shortest record
 * {@code align8(29 + 8 N)}, longest {@code align8(1052 + 8 N)} ({@link #minRecordLength(int)},
 * {@link #maxRecordLength(int)}); a segment holds at least one longest record ({@link #minSegmentLength(int)}).
 * Records never straddle segments. A writer that finds no room for its record writes the end-of-segment marker
 * ({@link #END_OF_SEGMENT}) in the length word at its claimed offset, when that offset is inside the segment.
 *
 * <h2>Write protocol (many writers per segment)</h2>
 * <ol>
 *   <li>Claim: an atomic get-and-add of the record length on the in-memory tail. The tail's sign bit is the
 *   in-memory seal bit: a claim that returns a negative tail fails with "sealed" and writes nothing. A claim whose
 *   record would end past the segment length fails with "full" and writes the end marker (see above).</li>
 *   <li>Write every byte of the record except the length word.</li>
 *   <li>Publish: a release store of the length word. A reader that reads a non-zero length with an acquire load
 *   sees the whole record.</li>
 * </ol>
 * A claim always ends in a publish (of the record or of the end marker): nothing can fail between the two.
 * Records become visible in claim order only as a prefix: a reader stops at the first length word still zero,
 * even if later records are already published.
 *
 * <h2>Seal protocol (one sealer, serialized per partition)</h2>
 * <ol>
 *   <li>Set the seal bit with an atomic get-and-bitwise-or on the tail; the returned tail {@code t} bounds every
 *   claim that succeeded, and no claim succeeds afterwards.</li>
 *   <li>Walk the records from the first record offset to {@code min(t, segment length)}, waiting at each zero
 *   length word for the in-flight writer that claimed it, and stopping early at an end marker. Where the walk
 *   stops is the sealed tail: every record before it is published, and nothing will ever be written after it.</li>
 *   <li>Force the mapped records; write the sealed tail and sealed-by txn words, then the state word; force the
 *   header.</li>
 * </ol>
 * Steps 1–2 are the seal in memory: from then on no append succeeds and readers stop at the sealed tail. Step 3 is
 * the seal on disk. A split or merge commit runs steps 1–2 on its parents and leaves step 3 to a background thread:
 * the children's committed marks, forced before, name the transaction and its parents, and recovery seals every
 * parent a committed child names, so a crash between the two loses nothing. Compaction of a child, the deletion of
 * a partition and close run step 3 first if it is still pending.
 *
 * <h2>Recovery (on open)</h2>
 * Every segment is walked from the first record offset, validating each record: positive length, 8-byte aligned,
 * between {@link #MIN_RECORD_LENGTH} and {@link #MAX_RECORD_LENGTH}, inside the segment, series key length
 * consistent with the record length, and checksum; or a hole marker (below).
 * <ul>
 *   <li>OPEN segment. At the first invalid position, recovery looks for a valid record further on (scanning at
 *   8-byte steps). None: the invalid position is the tail; a torn or garbage tail is cut off there and the bytes
 *   from it to the end of the segment are zeroed, so that later appends cannot expose them. One found after a
 *   zero length word: a writer claimed the space and died before publishing, while other writers published (and
 *   may have been acknowledged) after it; recovery writes a <b>hole marker</b> there, the negated distance to the
 *   valid record, and forces it. One found after a non-zero invalid length word: corruption, refused with the
 *   file and offset.</li>
 *   <li>ROLLED or SEALED segment: every record (or hole marker) up to the sealed tail must be valid; anything else
 *   is corruption, refused with the file, the offset and the reason.</li>
 *   <li>The chain: segment files 0..n without gaps, each with a valid header naming the same partition; a ROLLED
 *   last segment means the next file is missing (a roll creates the next segment durably before marking the full
 *   one), refused naming the missing file.</li>
 * </ul>
 * Hole markers: a length word below {@link #END_OF_SEGMENT} (at most -8, a multiple of 8) spans {@code -length}
 * bytes, which readers, seals and group commit skip. Only recovery writes them.
 *
 * <h2>Durability</h2>
 * Under the ASYNC mode records reach the disk by the operating system's writeback of the mapped pages: a process
 * crash loses nothing that was published, a power failure may lose recent records (recovery then keeps the valid
 * records as above). Under SYNC each append forces the pages of its record before returning; under GROUP a
 * background thread forces, in batches, every byte claimed since its last batch before writers are acknowledged.
 * <p>
 * Forces that the protocol relies on, and when:
 * <ul>
 *   <li>a split or merge prepare: each child's segment 0 file and directory, and the partitions directory, in one
 *   parallel batch, before the vote; a child made from a blank partition directory (made ahead, its segment 0
 *   sized, all zero, first page, file and names forced, then renamed into {@code partitions/} by the prepare)
 *   needs only its header page and the partitions directory in that batch;</li>
 *   <li>its commit: each child's header with the committed flag (the participant's commit point), in one parallel
 *   batch, before the routing epoch is published; the parents' seals on disk follow in the background (above);</li>
 *   <li>a segment created by a roll or ahead of one (a spare): its file and directory, before the first force of
 *   its records (group commit, seal, close) and before the segment before it is marked ROLLED; under SYNC at once.
 *   The writer that rolls onto a segment it had to create itself does not wait for those forces.</li>
 * </ul>
 */
public final class SegmentDescriptor {
    /** Byte order of every field on disk. */
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Magic number: the bytes {@code "PSEG"} read as a little-endian int. */
    public static final int MAGIC = 'P' | 'S' << 8 | 'E' << 16 | 'G' << 24;
    /** Format version this code writes (and reads, with {@link #FORMAT_VERSION_ONE_FIELD}). */
    public static final int FORMAT_VERSION = 2;
    /** The first format version: one field, no field count word; read, never written. */
    public static final int FORMAT_VERSION_ONE_FIELD = 1;
    /** Most fields a record may carry. */
    public static final int MAX_FIELD_COUNT = 64;

    /** Value of an absent id (parent, txn). */
    public static final long NONE = -1L;

    /** Seal state: the segment may take records. */
    public static final long STATE_OPEN = 0;
    /** Seal state: the segment filled up and the chain continues in the next segment. */
    public static final long STATE_ROLLED = 1;
    /** Seal state: the last segment of a partition sealed by a split or merge. */
    public static final long STATE_SEALED = 2;

    /** Alignment of the header blocks written by different threads: a pair of cache lines. */
    public static final int BLOCK_ALIGNMENT = 128;
    /** Alignment of every record. */
    public static final int RECORD_ALIGNMENT = 8;

    // Identity block, written once at creation.
    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the format version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Offset of the partition id. */
    public static final int PARTITION_ID_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the segment index. */
    public static final int SEGMENT_INDEX_OFFSET = PARTITION_ID_OFFSET + Long.BYTES;
    /** Offset of the load slot. */
    public static final int LOAD_SLOT_OFFSET = SEGMENT_INDEX_OFFSET + Integer.BYTES;
    /** Offset of the id of the transaction that created the partition. */
    public static final int CREATED_BY_TX_ID_OFFSET = LOAD_SLOT_OFFSET + Integer.BYTES;
    /** Offset of the first parent id. */
    public static final int FIRST_PARENT_ID_OFFSET = CREATED_BY_TX_ID_OFFSET + Long.BYTES;
    /** Offset of the second parent id. */
    public static final int SECOND_PARENT_ID_OFFSET = FIRST_PARENT_ID_OFFSET + Long.BYTES;
    /** Offset of the first key of the range. */
    public static final int KEY_LO_OFFSET = SECOND_PARENT_ID_OFFSET + Long.BYTES;
    /** Offset of the last key of the range. */
    public static final int KEY_HI_OFFSET = KEY_LO_OFFSET + Long.BYTES;
    /** Offset of the first-record offset. */
    public static final int FIRST_RECORD_OFFSET_OFFSET = KEY_HI_OFFSET + Long.BYTES;
    /** Offset of the segment length. */
    public static final int SEGMENT_LENGTH_OFFSET = FIRST_RECORD_OFFSET_OFFSET + Long.BYTES;
    /** Offset of the field count (version 2). */
    public static final int FIELD_COUNT_OFFSET = SEGMENT_LENGTH_OFFSET + Long.BYTES;
    /** Offset of the header checksum, which covers every byte before it. */
    public static final int HEADER_CHECKSUM_OFFSET = FIELD_COUNT_OFFSET + Integer.BYTES;
    /** Offset of the header checksum in a version 1 header (no field count word). */
    public static final int HEADER_CHECKSUM_OFFSET_V1 = SEGMENT_LENGTH_OFFSET + Long.BYTES;
    /** End of the identity block's fields (the rest of the block is reserved). */
    public static final int IDENTITY_END_OFFSET = HEADER_CHECKSUM_OFFSET + Integer.BYTES;

    // State block, written by the control thread or the rolling writer, in its own pair of cache lines.
    /** Offset of the committed flag (segment 0 only). */
    public static final int COMMITTED_OFFSET = align(IDENTITY_END_OFFSET, BLOCK_ALIGNMENT);
    /** Offset of the seal state. */
    public static final int SEAL_STATE_OFFSET = COMMITTED_OFFSET + Long.BYTES;
    /** Offset of the sealed tail offset. */
    public static final int SEALED_TAIL_OFFSET = SEAL_STATE_OFFSET + Long.BYTES;
    /** Offset of the id of the transaction that sealed the segment. */
    public static final int SEALED_BY_TX_ID_OFFSET = SEALED_TAIL_OFFSET + Long.BYTES;
    /** Offset of the routing epoch under which the partition became routable (segment 0). */
    public static final int COMMITTED_EPOCH_OFFSET = SEALED_BY_TX_ID_OFFSET + Long.BYTES;
    /** End of the state block's fields. */
    public static final int STATE_END_OFFSET = SEALED_BY_TX_ID_OFFSET + Long.BYTES;

    /** Length of the header, and offset of the first record. */
    public static final int HEADER_LENGTH = align(STATE_END_OFFSET, BLOCK_ALIGNMENT);
    /** Offset of the first record. */
    public static final int FIRST_RECORD_OFFSET = HEADER_LENGTH;

    // Record layout, offsets relative to the record start.
    /** Offset of the record length word. */
    public static final int RECORD_LENGTH_OFFSET = 0;
    /** Offset of the record checksum. */
    public static final int RECORD_CHECKSUM_OFFSET = RECORD_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the partition key; the checksum covers the record from here on. */
    public static final int PARTITION_KEY_OFFSET = RECORD_CHECKSUM_OFFSET + Integer.BYTES;
    /** Offset of the timestamp. */
    public static final int TIMESTAMP_OFFSET = PARTITION_KEY_OFFSET + Long.BYTES;
    /** Offset of the first field's value; field {@code i} is at {@link #valueOffset(int)}. */
    public static final int FIRST_VALUE_OFFSET = TIMESTAMP_OFFSET + Long.BYTES;
    /** Bytes per field value. */
    public static final int VALUE_LENGTH = Double.BYTES;

    /** Largest series key, in UTF-8 bytes. */
    public static final int MAX_SERIES_KEY_LENGTH_BYTES = 1024;
    /** Shortest record of one field: a one-byte series key, padded. */
    public static final int MIN_RECORD_LENGTH = minRecordLength(1);
    /** Longest record of one field: a series key of {@link #MAX_SERIES_KEY_LENGTH_BYTES}, padded. */
    public static final int MAX_RECORD_LENGTH = maxRecordLength(1);
    /** Longest record of any field count. */
    public static final int MAX_RECORD_LENGTH_ANY = maxRecordLength(MAX_FIELD_COUNT);
    /** Record length word of the end-of-segment marker. */
    public static final int END_OF_SEGMENT = -1;
    /** Smallest segment of a one-field store: the header plus one longest record ({@link #minSegmentLength}). */
    public static final long MIN_SEGMENT_LENGTH = minSegmentLength(1);

    /** Little-endian int, aligned: for the mapped file (page-aligned base, aligned offsets). */
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(BYTE_ORDER);
    /** Little-endian long, aligned: for the mapped file. */
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(BYTE_ORDER);
    /** Little-endian double, aligned: for the mapped file. */
    public static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE.withOrder(BYTE_ORDER);
    /** Little-endian int, unaligned: for heap buffers. */
    public static final ValueLayout.OfInt INT_UNALIGNED = ValueLayout.JAVA_INT_UNALIGNED.withOrder(BYTE_ORDER);
    /** Little-endian long, unaligned: for heap buffers. */
    public static final ValueLayout.OfLong LONG_UNALIGNED = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(BYTE_ORDER);
    /** Little-endian double, unaligned: for heap buffers. */
    public static final ValueLayout.OfDouble DOUBLE_UNALIGNED =
        ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(BYTE_ORDER);

    private SegmentDescriptor() {
    }

    /** Offset of the value of field {@code fieldIndex} in a record. */
    public static int valueOffset(final int fieldIndex) {
        return FIRST_VALUE_OFFSET + fieldIndex * VALUE_LENGTH;
    }

    /** Offset of the series key length word in a record of {@code fieldCount} fields. */
    public static int seriesKeyLengthOffset(final int fieldCount) {
        return valueOffset(fieldCount);
    }

    /** Offset of the series key bytes in a record of {@code fieldCount} fields. */
    public static int seriesKeyOffset(final int fieldCount) {
        return seriesKeyLengthOffset(fieldCount) + Integer.BYTES;
    }

    /**
     * Length of the record of {@code fieldCount} fields holding a series key of {@code seriesKeyLengthBytes} UTF-8
     * bytes, padding included.
     */
    public static int recordLength(final int fieldCount, final int seriesKeyLengthBytes) {
        return align(seriesKeyOffset(fieldCount) + seriesKeyLengthBytes, RECORD_ALIGNMENT);
    }

    /** Shortest record of {@code fieldCount} fields: a one-byte series key, padded. */
    public static int minRecordLength(final int fieldCount) {
        return recordLength(fieldCount, 1);
    }

    /** Longest record of {@code fieldCount} fields: a series key of the longest length, padded. */
    public static int maxRecordLength(final int fieldCount) {
        return recordLength(fieldCount, MAX_SERIES_KEY_LENGTH_BYTES);
    }

    /** Smallest segment of a store of {@code fieldCount} fields: the header plus one longest record. */
    public static long minSegmentLength(final int fieldCount) {
        return HEADER_LENGTH + maxRecordLength(fieldCount);
    }

    /**
     * Checks a field count against the format's limits.
     *
     * @throws IllegalArgumentException when it is not in {@code [1, MAX_FIELD_COUNT]}.
     */
    public static int checkFieldCount(final int fieldCount) {
        if (fieldCount < 1 || fieldCount > MAX_FIELD_COUNT) {
            throw new IllegalArgumentException("invalid field count [fieldCount=" + fieldCount + ", min=1, max="
                + MAX_FIELD_COUNT + "]");
        }
        return fieldCount;
    }

    /** The file name of segment {@code index}. */
    public static String segmentFileName(final int index) {
        return String.format("segment-%010d.log", index);
    }

    /** The temporary file name of segment {@code index} while it is being created. */
    public static String segmentTempFileName(final int index) {
        return String.format("segment-%010d.tmp", index);
    }

    /** The segment index named by {@code fileName}, or {@code -1} when it is not a segment file name. */
    public static int segmentIndex(final String fileName) {
        final String prefix = "segment-";
        final String suffix = ".log";
        if (fileName.length() != prefix.length() + 10 + suffix.length()
            || !fileName.startsWith(prefix) || !fileName.endsWith(suffix)) {
            return -1;
        }
        final String digits = fileName.substring(prefix.length(), prefix.length() + 10);
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return -1;
            }
        }
        final long index = Long.parseLong(digits);
        return index > Integer.MAX_VALUE ? -1 : (int) index;
    }

    private static int align(final int value, final int alignment) {
        return (value + alignment - 1) & -alignment;
    }
}
