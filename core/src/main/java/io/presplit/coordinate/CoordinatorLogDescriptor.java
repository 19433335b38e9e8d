package io.presplit.coordinate;

/**
 * On-disk layout of the coordinator log (spec: {@code docs/spec/002-coordinator-log.md}). Little-endian.
 * A file header, then fixed-length records appended in order and forced to disk one by one.
 *
 * <pre>
 * file header (HEADER_LENGTH = 16)
 *   0  magic          int32   0x50534C47 ("PSLG")
 *   4  version        int32   1
 *   8  reserved       int64   0
 *
 * record (RECORD_LENGTH = 80)
 *   0  crc32c         int32   CRC32C of bytes [4, 80)
 *   4  type           int32   1 BEGIN, 2 COMMIT, 3 DONE, 4 ABORT
 *   8  txId           int64
 *  16  kind           int32   0 SPLIT, 1 MERGE            (BEGIN only; else 0)
 *  20  firstChildSlot int32                               (BEGIN only)
 *  24  firstParentId  int64                               (BEGIN only)
 *  32  secondParentId int64                               (BEGIN only)
 *  40  splitKey       int64                               (BEGIN only)
 *  48  firstChildId   int64                               (BEGIN only)
 *  56  secondChildId  int64                               (BEGIN only)
 *  64  secondChildSlot int32                              (BEGIN only)
 *  68  reserved       int32   0
 *  72  reserved       int64   0
 * </pre>
 * A record whose CRC does not match, or a partial record, ends the log: it is a torn append and is cut off on
 * open. Written and read by the coordinator thread only.
 */
public final class CoordinatorLogDescriptor {
    /** File magic, "PSLG". */
    public static final int MAGIC = 0x50534C47;
    /** Format version. */
    public static final int VERSION = 1;
    /** Offset of the magic in the file header. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version in the file header. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Length of the file header. */
    public static final int HEADER_LENGTH = VERSION_OFFSET + Integer.BYTES + Long.BYTES;

    /** Offset of the CRC in a record. */
    public static final int CRC_OFFSET = 0;
    /** Offset of the record type. */
    public static final int TYPE_OFFSET = CRC_OFFSET + Integer.BYTES;
    /** Offset of the transaction id. */
    public static final int TX_ID_OFFSET = TYPE_OFFSET + Integer.BYTES;
    /** Offset of the transaction kind. */
    public static final int KIND_OFFSET = TX_ID_OFFSET + Long.BYTES;
    /** Offset of the first child's load slot. */
    public static final int FIRST_CHILD_SLOT_OFFSET = KIND_OFFSET + Integer.BYTES;
    /** Offset of the first parent id. */
    public static final int FIRST_PARENT_ID_OFFSET = FIRST_CHILD_SLOT_OFFSET + Integer.BYTES;
    /** Offset of the second parent id. */
    public static final int SECOND_PARENT_ID_OFFSET = FIRST_PARENT_ID_OFFSET + Long.BYTES;
    /** Offset of the split key. */
    public static final int SPLIT_KEY_OFFSET = SECOND_PARENT_ID_OFFSET + Long.BYTES;
    /** Offset of the first child id. */
    public static final int FIRST_CHILD_ID_OFFSET = SPLIT_KEY_OFFSET + Long.BYTES;
    /** Offset of the second child id. */
    public static final int SECOND_CHILD_ID_OFFSET = FIRST_CHILD_ID_OFFSET + Long.BYTES;
    /** Offset of the second child's load slot. */
    public static final int SECOND_CHILD_SLOT_OFFSET = SECOND_CHILD_ID_OFFSET + Long.BYTES;
    /** Offset of the reserved tail. */
    public static final int RESERVED_OFFSET = SECOND_CHILD_SLOT_OFFSET + Integer.BYTES;
    /** Length of a record. */
    public static final int RECORD_LENGTH = RESERVED_OFFSET + Integer.BYTES + Long.BYTES;

    /** Record type: the transaction began; the record carries the whole {@link Txn}. */
    public static final int TYPE_BEGIN = 1;
    /** Record type: the commit point was passed. */
    public static final int TYPE_COMMIT = 2;
    /** Record type: the transaction was applied everywhere. */
    public static final int TYPE_DONE = 3;
    /** Record type: the transaction was aborted. */
    public static final int TYPE_ABORT = 4;

    private CoordinatorLogDescriptor() {
    }
}
