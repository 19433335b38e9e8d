package io.presplit.storage.log;

import static io.presplit.storage.log.SegmentDescriptor.COMMITTED_EPOCH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.COMMITTED_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.CREATED_BY_TX_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.END_OF_SEGMENT;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_PARENT_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_RECORD_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIRST_RECORD_OFFSET_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FORMAT_VERSION;
import static io.presplit.storage.log.SegmentDescriptor.HEADER_CHECKSUM_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.HEADER_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.INT;
import static io.presplit.storage.log.SegmentDescriptor.KEY_HI_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.KEY_LO_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.LOAD_SLOT_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.LONG;
import static io.presplit.storage.log.SegmentDescriptor.MAGIC;
import static io.presplit.storage.log.SegmentDescriptor.MAGIC_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FIELD_COUNT_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.FORMAT_VERSION_ONE_FIELD;
import static io.presplit.storage.log.SegmentDescriptor.HEADER_CHECKSUM_OFFSET_V1;
import static io.presplit.storage.log.SegmentDescriptor.MAX_FIELD_COUNT;
import static io.presplit.storage.log.SegmentDescriptor.MIN_SEGMENT_LENGTH;
import static io.presplit.storage.log.SegmentDescriptor.NONE;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.PARTITION_KEY_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_ALIGNMENT;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_CHECKSUM_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.RECORD_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEALED_BY_TX_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEALED_TAIL_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEAL_STATE_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SECOND_PARENT_ID_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEGMENT_INDEX_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.SEGMENT_LENGTH_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.STATE_OPEN;
import static io.presplit.storage.log.SegmentDescriptor.STATE_ROLLED;
import static io.presplit.storage.log.SegmentDescriptor.STATE_SEALED;
import static io.presplit.storage.log.SegmentDescriptor.TIMESTAMP_OFFSET;
import static io.presplit.storage.log.SegmentDescriptor.VERSION_OFFSET;

import io.presplit.PresplitException;
import io.presplit.memory.FileSpace;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.internal.ParallelForces;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.channels.FileChannel.MapMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * One memory-mapped segment file of a partition log (format: {@link SegmentDescriptor}).
 * <p>
 * Assumptions the caller holds: {@link #append} may run on many threads at once; {@link #markCommitted} and
 * {@link #close} are serialized by the owning {@link PartitionLog}; {@link #seal} may run on two threads (the
 * rolling writer and a partition seal) and serializes itself; nobody appends, reads or seals after
 * {@link #close}.
 * <p>
 * Guarantees: {@link #append} takes no lock and allocates nothing; a record it wrote is visible to readers once
 * the call returns, unless an earlier claim is still being written (readers see a prefix). After {@link #seal}
 * returns, every claim that succeeded before it is published, the tail is fixed, and no claim succeeds.
 */
final class Segment implements AutoCloseable {
    /** Returned by {@link #append} when the record does not fit. */
    static final long FULL = -1;
    /** Returned by {@link #append} when the segment is sealed (rolled or sealed with its partition). */
    static final long SEALED = -2;

    /**
     * Bytes whose pages {@link #populateAhead} faults in per call: 4 MiB, 1,024 pages; at 200 MB/s of appends a
     * window lasts 20 ms, and the next is asked for half-way through it.
     */
    static final long POPULATE_WINDOW_BYTES = 4L << 20;
    /** The page size {@link #populateAhead} steps by (the mapping's base is page-aligned). */
    static final long PAGE_BYTES = 4096;

    /** Longest time {@link #seal} waits for an in-flight writer before giving up. */
    static final long SEAL_WAIT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    // The seal bit is the tail's sign bit: get-and-add on a sealed tail keeps it negative (the low 63 bits cannot
    // reach 2^63), so every claim after the seal sees it.
    private static final long SEAL_BIT = Long.MIN_VALUE;
    private static final VarHandle TAIL;
    private static final VarHandle LENGTH_WORD = INT.varHandle();
    private static final Logger LOG = LoggerFactory.getLogger(Segment.class);
    private static final AtomicLong RELEASE_FAILURES = new AtomicLong();
    /** Atomic access to a page's first 8 bytes ({@link #populateAhead}). */
    private static final VarHandle PAGE_TOUCH = LONG.varHandle();

    static {
        try {
            TAIL = MethodHandles.lookup().findVarHandle(Segment.class, "tail", long.class);
        } catch (final ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The file; changes once at most, when a blank partition directory is adopted ({@link #adopt}). */
    private volatile Path path;
    private final int index;
    private final FileChannel channel;
    private final Arena arena;
    private final MemorySegment memory;
    private final long lengthBytes;
    /**
     * Values per record, from the header: set by the constructor, or by {@link #adopt} for a blank segment, before
     * the segment is published to other threads (through the owning log's volatile chain); then fixed.
     */
    private int fieldCount;
    /** Offset past which the owning log asks for the next segment ahead ({@link PartitionLog}): half the length. */
    final long spareRequestOffset;
    /**
     * Whether the owning log has asked for the next segment on this one's behalf. Written by appending threads
     * without synchronization: a race only repeats the request, which the background thread ignores.
     */
    boolean isSpareRequested;
    /**
     * Offset past which an append asks for the next window of populated pages ({@link #populateAhead}); set to
     * {@link Long#MAX_VALUE} by the appender that asks (a request in flight) and by the populating thread once the
     * whole segment is populated. Plain: a stale read only repeats or delays a request, and the work is idempotent.
     */
    long populateRequestOffset;
    /** End of the pages {@link #populateAhead} faulted in; guarded by {@link #populateLock}. */
    private long populatedTo;
    /** Serializes {@link #populateAhead} with itself and with {@link #close} (no touch of an unmapped page). */
    private final Object populateLock = new Object();
    /** Next offset to claim, with the seal bit; accessed through {@link #TAIL}. */
    @SuppressWarnings("unused")
    private volatile long tail;
    /** End of the last record once sealed in memory, else -1; readers use it as their limit. */
    private volatile long sealedTailOffset;
    /** The seal state on disk: not OPEN once the seal's records and header are forced ({@link #persistSeal}). */
    private volatile long sealState;
    /**
     * The seal state in memory: not OPEN once claims stopped and the tail is fixed ({@link #sealInMemory}), which
     * may precede {@link #sealState} (a commit defers the forces of its parents' seals to a background thread).
     */
    private volatile long memorySealState;
    /** The transaction that sealed the segment in memory, or {@link SegmentDescriptor#NONE}. */
    private volatile long memorySealedByTxId;
    /**
     * Group commit's cursor: records before it are published and forced. Read and written by the group commit
     * thread only.
     */
    private long forcedOffset = FIRST_RECORD_OFFSET;
    /**
     * Whether the file's creation (its header, its length, its name in the directory) is on disk. False only for a
     * segment created without forcing, until {@link #ensureCreationDurable} ran; every force of the segment's
     * records runs that first, so no acknowledgement or seal ever relies on an unforced creation.
     */
    private volatile boolean isCreationDurable;
    /** Serializes {@link #ensureCreationDurable} (group commit, the background thread and close may race). */
    private final Object creationForceLock = new Object();
    /** Built on the first range read once the segment no longer takes records; then immutable. */
    private volatile TimeIndex timeIndex;
    /** Built on the first cost query once the segment no longer takes records; then immutable. */
    private volatile KeyByteSummary keyByteSummary;

    private Segment(final Path path, final int index, final FileChannel channel, final Arena arena,
        final MemorySegment memory, final boolean isCreationDurable, final int fieldCount) {
        this.isCreationDurable = isCreationDurable;
        this.fieldCount = fieldCount;
        this.path = path;
        this.index = index;
        this.channel = channel;
        this.arena = arena;
        this.memory = memory;
        this.lengthBytes = memory.byteSize();
        this.spareRequestOffset = lengthBytes / 2;
        this.tail = FIRST_RECORD_OFFSET;
        // The header page is written at creation: windows start after it, asked for by the first append.
        this.populatedTo = PAGE_BYTES;
        this.populateRequestOffset = FIRST_RECORD_OFFSET;
        this.sealedTailOffset = -1;
        this.sealState = STATE_OPEN;
        this.memorySealState = STATE_OPEN;
        this.memorySealedByTxId = NONE;
    }

    /**
     * Creates segment {@code index} of a partition durably: a temporary file with a complete, forced header,
     * atomically renamed, and the directory forced. Cold path.
     */
    static Segment create(final Path directory, final PartitionHeader header, final int index,
        final long lengthBytes, final boolean isCommitted) {
        return create(directory, header, index, lengthBytes, isCommitted, true);
    }

    /**
     * Creates segment {@code index} of a partition: a temporary file with a complete header, atomically renamed;
     * with {@code isForcing}, the file is forced before the rename and the directory after it. Without, the
     * caller forces both later ({@link #fileForce()}, the directory) before anything relies on the segment being
     * on disk. Cold path.
     */
    static Segment create(final Path directory, final PartitionHeader header, final int index,
        final long lengthBytes, final boolean isCommitted, final boolean isForcing) {
        return create(directory, header, index, lengthBytes, isCommitted, isForcing, lengthBytes);
    }

    /**
     * {@link #create(Path, PartitionHeader, int, long, boolean, boolean)} reserving only the first
     * {@code reservedBytes} (at least the header's page): for a spare, which holds no records until a roll makes it
     * active, and is reserved whole then ({@link #reserveWhole}).
     */
    static Segment create(final Path directory, final PartitionHeader header, final int index,
        final long lengthBytes, final boolean isCommitted, final boolean isForcing, final long reservedBytes) {
        final long minLengthBytes = SegmentDescriptor.minSegmentLength(header.fieldCount());
        if (lengthBytes < minLengthBytes || lengthBytes % RECORD_ALIGNMENT != 0) {
            throw new IllegalArgumentException("invalid segment length [lengthBytes=" + lengthBytes
                + ", minLengthBytes=" + minLengthBytes + ", fieldCount=" + header.fieldCount() + ", alignment="
                + RECORD_ALIGNMENT + "]");
        }
        final Path temp = directory.resolve(SegmentDescriptor.segmentTempFileName(index));
        final Path path = directory.resolve(SegmentDescriptor.segmentFileName(index));
        FileChannel channel = null;
        Arena arena = null;
        try {
            Files.deleteIfExists(temp);
            FileOps.checkpoint("create-segment", temp);
            channel = FileChannel.open(
                temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            reserve(temp, Math.min(lengthBytes, Math.max(PAGE_BYTES, reservedBytes)));
            arena = Arena.ofShared();
            // Mapping past the end grows the file; its blocks are reserved, and unwritten space reads as zero.
            final MemorySegment memory = channel.map(MapMode.READ_WRITE, 0, lengthBytes, arena);
            writeHeader(memory, header, index, isCommitted);
            // One fsync writes back the header page dirtied through the mapping (it is in the page cache like
            // any other) and the file's new length (metadata): no separate msync of the header.
            if (isForcing) {
                FileOps.checkpoint("force-file", temp);
                channel.force(true);
            }
            FileOps.checkpoint("rename", temp);
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE);
            if (isForcing) {
                FileOps.forceDirectory(directory);
            }
            return new Segment(path, index, channel, arena, memory, isForcing, header.fieldCount());
        } catch (final IOException | RuntimeException e) {
            throw abandonCreation(arena, channel, temp, e);
        }
    }

    /**
     * Creates a blank segment 0 for a partition made ahead of its prepare: {@code segment-0000000000.log} in
     * {@code directory}, sized, all zero, its first page written and the file forced (so that the header page is
     * allocated, and a later force of the header is a data write, not a file-system journal commit). The caller
     * forces the directory. Cold path.
     */
    static Segment createBlank(final Path directory, final long lengthBytes) {
        final Path path = directory.resolve(SegmentDescriptor.segmentFileName(0));
        FileChannel channel = null;
        Arena arena = null;
        try {
            FileOps.checkpoint("create-segment", path);
            channel = FileChannel.open(
                path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
            reserve(path, lengthBytes);
            arena = Arena.ofShared();
            final MemorySegment memory = channel.map(MapMode.READ_WRITE, 0, lengthBytes, arena);
            // A zero written through the mapping dirties the header page, so the force allocates its block.
            memory.set(LONG, MAGIC_OFFSET, 0);
            FileOps.checkpoint("force-file", path);
            channel.force(true);
            // The field count comes with the header, when the blank is adopted.
            final Segment blank = new Segment(path, 0, channel, arena, memory, true, 0);
            // The child's first appends then find their pages faulted in (see populateAhead).
            blank.populateAhead();
            return blank;
        } catch (final IOException | RuntimeException e) {
            throw abandonCreation(arena, channel, path, e);
        }
    }

    /**
     * Makes a blank segment ({@link #createBlank}) segment 0 of a partition: writes the header, not forced
     * ({@link #headerForce()}). Called before its directory is renamed to the partition's, so that a process
     * crash never leaves a partition directory with a half-written header. The file, its length and its name in
     * the directory are on disk already. Cold path.
     */
    void adopt(final PartitionHeader header, final boolean isCommitted) {
        if (lengthBytes < SegmentDescriptor.minSegmentLength(header.fieldCount())) {
            throw new IllegalArgumentException("blank segment too short for the field count [path=" + path
                + ", lengthBytes=" + lengthBytes + ", fieldCount=" + header.fieldCount() + "]");
        }
        writeHeader(memory, header, 0, isCommitted);
        fieldCount = header.fieldCount();
    }

    /** Records the file's new name after its directory was renamed ({@link #adopt}). Cold path. */
    void moveTo(final Path newPath) {
        path = newPath;
    }

    /**
     * Opens an existing segment file and recovers its tail (see "Recovery" in {@link SegmentDescriptor}). Cold
     * path.
     *
     * @throws PresplitException with {@link FileOps#STORAGE_CORRUPT} when the file breaks the format.
     */
    static Segment open(final Path path, final int expectedIndex) {
        FileChannel channel = null;
        Arena arena = null;
        try {
            FileOps.checkpoint("open-segment", path);
            channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
            final long size = channel.size();
            if (size < MIN_SEGMENT_LENGTH || size % RECORD_ALIGNMENT != 0) {
                throw FileOps.corrupt("segment file has an invalid length [path=" + path + ", lengthBytes=" + size
                    + "]");
            }
            arena = Arena.ofShared();
            final MemorySegment memory = channel.map(MapMode.READ_WRITE, 0, size, arena);
            final int fieldCount = checkHeader(path, memory, expectedIndex);
            if (size < SegmentDescriptor.minSegmentLength(fieldCount)) {
                throw FileOps.corrupt("segment file too short for its field count [path=" + path + ", lengthBytes="
                    + size + ", fieldCount=" + fieldCount + "]");
            }
            final Segment segment = new Segment(path, expectedIndex, channel, arena, memory, true, fieldCount);
            segment.recover();
            return segment;
        } catch (final IOException | RuntimeException e) {
            release(arena, channel, path, e);
            throw e instanceof IOException io ? FileOps.ioFailure("cannot open segment", path, io)
                : (RuntimeException) e;
        }
    }

    /**
     * Appends one encoded record. Any thread; lock-free; allocation-free.
     *
     * @param record      the record, from offset 0, as {@link RecordEncoder} lays it out.
     * @param lengthBytes its length, padding included.
     * @return the record's offset in the segment, {@link #FULL} or {@link #SEALED}.
     */
    long append(final MemorySegment record, final int lengthBytes) {
        final long offset = (long) TAIL.getAndAdd(this, (long) lengthBytes);
        if (offset < 0) {
            return SEALED;
        }
        final MemorySegment memory = this.memory;
        final long segmentLength = this.lengthBytes;
        if (offset + lengthBytes > segmentLength) {
            // Only the first claim past the end starts inside the segment: it marks the end for the sealer's walk.
            if (offset < segmentLength) {
                LENGTH_WORD.setRelease(memory, offset + RECORD_LENGTH_OFFSET, END_OF_SEGMENT);
            }
            return FULL;
        }
        MemorySegment.copy(record, RECORD_CHECKSUM_OFFSET, memory, offset + RECORD_CHECKSUM_OFFSET,
            lengthBytes - RECORD_CHECKSUM_OFFSET);
        // Publish: the release store orders every byte above before the length word readers acquire.
        LENGTH_WORD.setRelease(memory, offset + RECORD_LENGTH_OFFSET, lengthBytes);
        return offset;
    }

    /**
     * Visits the published records whose partition key lies in {@code [keyLo, keyHi]}. Any thread; allocation-free.
     */
    void read(final long partitionId, final long keyLo, final long keyHi, final RecordVisitor visitor,
        final RecordFlyweight flyweight) {
        final long sealedTail = sealedTailOffset;
        scanRange(partitionId, FIRST_RECORD_OFFSET, sealedTail >= 0 ? sealedTail : lengthBytes, keyLo, keyHi,
            Long.MIN_VALUE, Long.MAX_VALUE, visitor, flyweight);
    }

    /**
     * The record bytes per partition key: cached once the segment no longer takes records (built by one pass on
     * the first call), built afresh on each call while it is open. Any thread; cold.
     */
    KeyByteSummary keyByteSummary() {
        if (sealedTailOffset < 0) {
            return KeyByteSummary.of(visitor -> read(NONE, Long.MIN_VALUE, Long.MAX_VALUE, visitor,
                new RecordFlyweight()));
        }
        KeyByteSummary summary = keyByteSummary;
        if (summary == null) {
            summary = KeyByteSummary.of(visitor -> read(NONE, Long.MIN_VALUE, Long.MAX_VALUE, visitor,
                new RecordFlyweight()));
            keyByteSummary = summary;
        }
        return summary;
    }

    /**
     * Visits the published records whose partition key lies in {@code [keyLo, keyHi]} and whose timestamp lies in
     * {@code [fromNs, toNs]}. Skips through the {@link TimeIndex} once the segment no longer takes records (building
     * it on the first call); scans linearly while it is open. Any thread; allocation-free except for the index
     * build.
     *
     * @return the number of records examined (the query cost).
     */
    long readRange(final long partitionId, final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final RecordVisitor visitor, final RecordFlyweight flyweight) {
        final long sealedTail = sealedTailOffset;
        if (sealedTail < 0) {
            return scanRange(partitionId, FIRST_RECORD_OFFSET, lengthBytes, keyLo, keyHi, fromNs, toNs, visitor,
                flyweight);
        }
        TimeIndex index = timeIndex;
        if (index == null) {
            index = buildTimeIndex(sealedTail);
            timeIndex = index;
        }
        if (!index.overlaps(fromNs, toNs)) {
            return 0;
        }
        long examined = 0;
        final int blocks = index.blockCount();
        for (int block = 0; block < blocks; block++) {
            if (index.overlaps(block, fromNs, toNs)) {
                examined += scanRange(partitionId, index.blockStart(block), index.blockEnd(block), keyLo, keyHi,
                    fromNs, toNs, visitor, flyweight);
            }
        }
        return examined;
    }

    private long scanRange(final long partitionId, final long from, final long limit, final long keyLo,
        final long keyHi, final long fromNs, final long toNs, final RecordVisitor visitor,
        final RecordFlyweight flyweight) {
        final MemorySegment memory = this.memory;
        long examined = 0;
        long offset = from;
        while (offset < limit) {
            final int recordLength = (int) LENGTH_WORD.getAcquire(memory, offset + RECORD_LENGTH_OFFSET);
            if (recordLength <= 0) {
                if (recordLength < END_OF_SEGMENT) {
                    offset -= recordLength;
                    continue;
                }
                break;
            }
            examined++;
            final long key = memory.get(LONG, offset + PARTITION_KEY_OFFSET);
            final long timestampNs = memory.get(LONG, offset + TIMESTAMP_OFFSET);
            if (key >= keyLo && key <= keyHi && timestampNs >= fromNs && timestampNs <= toNs) {
                visitor.onRecord(partitionId, flyweight.wrap(memory, offset, fieldCount));
            }
            offset += recordLength;
        }
        return examined;
    }

    private TimeIndex buildTimeIndex(final long sealedTail) {
        final MemorySegment memory = this.memory;
        int capacity = 16;
        long[] starts = new long[capacity];
        long[] mins = new long[capacity];
        long[] maxs = new long[capacity];
        int blocks = 0;
        int inBlock = TimeIndex.RECORDS_PER_BLOCK;
        long offset = FIRST_RECORD_OFFSET;
        while (offset < sealedTail) {
            final int recordLength = memory.get(INT, offset + RECORD_LENGTH_OFFSET);
            if (recordLength < END_OF_SEGMENT) {
                offset -= recordLength;
                continue;
            }
            if (recordLength <= 0) {
                break;
            }
            final long timestampNs = memory.get(LONG, offset + TIMESTAMP_OFFSET);
            if (inBlock == TimeIndex.RECORDS_PER_BLOCK) {
                if (blocks == capacity) {
                    capacity *= 2;
                    starts = Arrays.copyOf(starts, capacity);
                    mins = Arrays.copyOf(mins, capacity);
                    maxs = Arrays.copyOf(maxs, capacity);
                }
                starts[blocks] = offset;
                mins[blocks] = timestampNs;
                maxs[blocks] = timestampNs;
                blocks++;
                inBlock = 0;
            }
            mins[blocks - 1] = Math.min(mins[blocks - 1], timestampNs);
            maxs[blocks - 1] = Math.max(maxs[blocks - 1], timestampNs);
            inBlock++;
            offset += recordLength;
        }
        return new TimeIndex(starts, mins, maxs, blocks, sealedTail);
    }

    /**
     * Seals the segment (see "Seal protocol" in {@link SegmentDescriptor}): stops claims, waits for in-flight
     * writers, forces the records, then writes and forces the sealed header. Idempotent, and safe on two threads:
     * each half is synchronized ({@link #sealInMemory}, {@link #persistSeal}), so a second caller waits for the
     * first's half in progress, but a partition seal in memory never waits for a background thread's forces.
     * Cold path; blocks for the in-flight writers and the forces.
     *
     * @param state {@link SegmentDescriptor#STATE_ROLLED} or {@link SegmentDescriptor#STATE_SEALED}.
     * @param txId  the sealing transaction, or {@link SegmentDescriptor#NONE}.
     * @return the sealed tail offset.
     * @throws PresplitException when an in-flight writer does not publish within {@link #SEAL_WAIT_TIMEOUT_NS}.
     */
    long seal(final long state, final long txId) {
        sealInMemory(state, txId);
        persistSeal();
        return sealedTailOffset;
    }

    /**
     * The first half of {@link #seal}: stops claims, waits for in-flight writers and fixes the tail, without
     * touching the disk. Readers then read up to the sealed tail and every claim fails with {@link #SEALED}; the
     * header on disk stays OPEN until {@link #persistSeal}. Idempotent; synchronized with {@link #seal}. Cold path.
     *
     * @return the sealed tail offset.
     * @throws PresplitException when an in-flight writer does not publish within {@link #SEAL_WAIT_TIMEOUT_NS}.
     */
    synchronized long sealInMemory(final long state, final long txId) {
        if (memorySealState != STATE_OPEN) {
            return sealedTailOffset;
        }
        final long claimedEnd = (long) TAIL.getAndBitwiseOr(this, SEAL_BIT) & ~SEAL_BIT;
        final long limit = Math.min(claimedEnd, lengthBytes);
        final MemorySegment memory = this.memory;
        final long deadlineNs = System.nanoTime() + SEAL_WAIT_TIMEOUT_NS;
        long offset = FIRST_RECORD_OFFSET;
        while (offset < limit) {
            final int recordLength = (int) LENGTH_WORD.getAcquire(memory, offset + RECORD_LENGTH_OFFSET);
            if (recordLength == END_OF_SEGMENT) {
                break;
            }
            if (recordLength == 0) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new PresplitException(PresplitException.Category.FATAL, "SEAL_STALLED",
                        "an in-flight writer did not publish its record [path=" + path + ", offset=" + offset + "]");
                }
                Thread.onSpinWait();
                continue;
            }
            // A hole marker (negative, below the end marker) spans -recordLength bytes.
            offset += recordLength < 0 ? -recordLength : recordLength;
        }
        sealedTailOffset = offset;
        memorySealedByTxId = txId;
        memorySealState = state;
        return offset;
    }

    /**
     * The second half of {@link #seal}: forces the records up to the sealed tail, then writes and forces the
     * sealed header (in that order: a header that is not OPEN promises its records are on disk). Does nothing
     * unless the segment is sealed in memory and not yet on disk. Synchronized with {@link #seal}. Cold path.
     */
    synchronized void persistSeal() {
        final long state = memorySealState;
        if (state == STATE_OPEN || sealState != STATE_OPEN) {
            return;
        }
        ensureCreationDurable();
        FileOps.checkpoint("force-records", path);
        memory.force();
        FileOps.checkpoint("write-seal", path);
        memory.set(LONG, SEALED_TAIL_OFFSET, sealedTailOffset);
        memory.set(LONG, SEALED_BY_TX_ID_OFFSET, memorySealedByTxId);
        memory.set(LONG, SEAL_STATE_OFFSET, state);
        memory.asSlice(0, HEADER_LENGTH).force();
        sealState = state;
        releaseUnusedTail();
    }

    /**
     * Gives back the reserved blocks after the sealed tail, which nothing writes again: a segment sealed by a split
     * or a roll keeps only what it holds on disk, not its whole reserved length. A failure costs disk space only, so
     * it is logged with the count of such failures, not thrown. Cold path.
     */
    private void releaseUnusedTail() {
        final long from = (sealedTailOffset + PAGE_BYTES - 1) & -PAGE_BYTES;
        try {
            FileSpace.release(path, from, lengthBytes - from);
        } catch (final IOException | RuntimeException e) {
            LOG.warn("cannot give back a sealed segment's unused blocks [path={}, failures={}, error={}]", path,
                RELEASE_FAILURES.incrementAndGet(), e.toString());
        }
    }


    /**
     * Records {@code epoch} as the committed epoch, sets the committed flag and forces the header. Idempotent: a
     * segment already committed keeps its epoch. Cold path.
     */
    void markCommitted(final long epoch) {
        if (writeCommitted(epoch)) {
            FileOps.checkpoint("force-header", path);
            forceHeader();
        }
    }

    /**
     * Records {@code epoch} as the committed epoch and sets the committed flag in the mapped header, without
     * forcing it (see {@link #headerForce()}). Idempotent: a segment already committed keeps its epoch. Cold path.
     *
     * @return whether the header changed.
     */
    boolean writeCommitted(final long epoch) {
        if (memory.get(LONG, COMMITTED_OFFSET) == 1) {
            return false;
        }
        FileOps.checkpoint("write-committed", path);
        memory.set(LONG, COMMITTED_EPOCH_OFFSET, epoch);
        memory.set(LONG, COMMITTED_OFFSET, 1);
        return true;
    }

    /** A force of the header's page (one {@code msync}), for a {@link ParallelForces} batch. */
    ParallelForces.Force headerForce() {
        return new ParallelForces.Force("force-header", path, this::forceHeader);
    }

    /**
     * A force of the whole file, data and metadata (its length, its blocks): for a segment created without
     * forcing ({@link #create(Path, PartitionHeader, int, long, boolean, boolean)}), in a batch.
     */
    ParallelForces.Force fileForce() {
        return new ParallelForces.Force("force-file", path, () -> channel.force(true));
    }

    /** Records that the caller's batch forced the file and its directory ({@link #fileForce()}). */
    void markCreationDurable() {
        isCreationDurable = true;
    }

    private void forceHeader() {
        memory.asSlice(0, HEADER_LENGTH).force();
    }

    /** The committed epoch in the header; 1 for a committed segment that records none (the initial partition). */
    long committedEpoch() {
        final long epoch = memory.get(LONG, COMMITTED_EPOCH_OFFSET);
        return epoch == 0 && isCommitted() ? 1 : epoch;
    }

    /** Whether the header's committed flag is set. */
    boolean isCommitted() {
        return memory.get(LONG, COMMITTED_OFFSET) == 1;
    }

    /** The partition identity in the header. */
    PartitionHeader header() {
        return new PartitionHeader(
            memory.get(LONG, PARTITION_ID_OFFSET),
            memory.get(INT, LOAD_SLOT_OFFSET),
            memory.get(LONG, CREATED_BY_TX_ID_OFFSET),
            memory.get(LONG, FIRST_PARENT_ID_OFFSET),
            memory.get(LONG, SECOND_PARENT_ID_OFFSET),
            memory.get(LONG, KEY_LO_OFFSET),
            memory.get(LONG, KEY_HI_OFFSET),
            fieldCount);
    }

    /** Values per record (the header's field count). */
    int fieldCount() {
        return fieldCount;
    }

    /**
     * Seal state on disk: {@link SegmentDescriptor#STATE_OPEN}, {@code STATE_ROLLED} or {@code STATE_SEALED};
     * not OPEN only once the seal's records and header are forced.
     */
    long sealState() {
        return sealState;
    }

    /** The sealed tail offset, or -1 while open. */
    long sealedTailOffset() {
        return sealedTailOffset;
    }

    /** Seal state in memory (see {@link #sealInMemory}); equal to {@link #sealState()} once persisted. */
    long memorySealState() {
        return memorySealState;
    }

    /** The transaction that sealed the segment (in memory at least), or {@link SegmentDescriptor#NONE}. */
    long sealedByTxId() {
        return memorySealedByTxId;
    }

    /** Whether no record was ever claimed in the segment (a pre-created spare, or a fresh segment). */
    boolean isEmpty() {
        return ((long) TAIL.getVolatile(this) & ~SEAL_BIT) == FIRST_RECORD_OFFSET;
    }

    /** Index of the segment in its chain. */
    int index() {
        return index;
    }

    /** The segment file. */
    Path path() {
        return path;
    }

    /** Forces the mapped pages to disk (and first the file's creation, when that is not on disk yet). Cold path. */
    void force() {
        ensureCreationDurable();
        memory.force();
    }

    /**
     * Makes the creation of a segment created without forcing durable: the whole file (header, length), then the
     * directory (its name). Does nothing when it already is. Any thread; blocks for the forces. Cold path.
     */
    void ensureCreationDurable() {
        if (isCreationDurable) {
            return;
        }
        synchronized (creationForceLock) {
            if (isCreationDurable) {
                return;
            }
            FileOps.checkpoint("force-file", path);
            try {
                channel.force(true);
            } catch (final IOException e) {
                throw FileOps.ioFailure("cannot force segment", path, e);
            }
            FileOps.forceDirectory(path.getParent());
            isCreationDurable = true;
        }
    }

    /** Whether the file's creation is on disk (see {@link #ensureCreationDurable}). */
    boolean isCreationDurable() {
        return isCreationDurable;
    }

    /**
     * Forces the pages that hold bytes {@code [offset, offset + lengthBytes)}: one {@code msync} of the pages
     * they span. Any thread. Used by {@link io.presplit.storage.Durability#SYNC} after each append.
     */
    void forceRange(final long offset, final long lengthBytes) {
        memory.asSlice(offset, lengthBytes).force();
    }

    /**
     * Group commit's step for this segment: forces every byte claimed so far that a previous call did not cover,
     * and advances the cursor past the records that are published. A record claimed but not yet published is
     * forced again by a later call. Group commit thread only.
     * <p>
     * Guarantee: every record published before this call began is on disk when it returns.
     *
     * @return whether the segment is finished for group commit: no longer open and forced up to its sealed tail.
     */
    boolean forcePublished() {
        final long from = forcedOffset;
        final long state = sealState;
        final long claimed = Math.min((long) TAIL.getVolatile(this) & ~SEAL_BIT, lengthBytes);
        if (claimed > from) {
            ensureCreationDurable();
            FileOps.checkpoint("force-group", path);
            memory.asSlice(from, claimed - from).force();
            final MemorySegment memory = this.memory;
            long offset = from;
            while (offset < claimed) {
                final int recordLength = (int) LENGTH_WORD.getAcquire(memory, offset + RECORD_LENGTH_OFFSET);
                if (recordLength == 0 || recordLength == END_OF_SEGMENT) {
                    break;
                }
                offset += recordLength < 0 ? -recordLength : recordLength;
            }
            forcedOffset = offset;
        }
        // A segment that is no longer open had every record forced by its seal, before the state changed.
        return state != STATE_OPEN;
    }

    /** Forces the pages, unmaps and closes the file. Safe to call twice. */
    @Override
    public void close() {
        synchronized (populateLock) {
            closeMapping();
        }
    }

    /**
     * Faults in the pages of the next {@link #POPULATE_WINDOW_BYTES} after those already populated, so that the
     * appends to come do not take the first-write fault of a fresh page of this sparse file: page cache page, the
     * file system's {@code page_mkwrite} (block reservation, timestamps, which can wait for a journal commit). On
     * this project's VM a first write to a fresh page took 2–14 µs on average and up to 154 ms while other threads
     * forced files, against 0.1–1.3 µs once the page was touched (docs/BENCHMARKS.md, "Multi-field points and
     * spares", {@code MappedPageFaultBenchmark}); {@code madvise(MADV_POPULATE_WRITE)} left 1.3–3.5 µs. Each page
     * is touched by an atomic add of zero to its first 8 bytes: it writes the value it reads in one indivisible
     * step, so it changes nothing, even under a writer that is filling the same bytes at that moment. Then sets
     * {@link #populateRequestOffset} to half-way through the window. Any thread (the spare thread); does nothing on
     * a closed segment; cold path, blocks for the faults.
     *
     * @return the bytes populated by this call.
     */
    long populateAhead() {
        synchronized (populateLock) {
            if (!arena.scope().isAlive()) {
                populateRequestOffset = Long.MAX_VALUE;
                return 0;
            }
            final long from = populatedTo;
            final long to = Math.min(lengthBytes, from + POPULATE_WINDOW_BYTES);
            final MemorySegment memory = this.memory;
            for (long page = from & -PAGE_BYTES; page < to; page += PAGE_BYTES) {
                final long unused = (long) PAGE_TOUCH.getAndAdd(memory, page, 0L);
            }
            populatedTo = to;
            populateRequestOffset = to >= lengthBytes ? Long.MAX_VALUE
                : Math.max(from, to - POPULATE_WINDOW_BYTES / 2);
            return to - from;
        }
    }

    private void closeMapping() {
        if (!arena.scope().isAlive()) {
            return;
        }
        RuntimeException failure = null;
        try {
            ensureCreationDurable();
            memory.force();
        } catch (final RuntimeException e) {
            failure = e;
        }
        final RuntimeException releaseFailure = release(arena, channel, path, failure);
        if (failure != null) {
            throw failure;
        }
        if (releaseFailure != null) {
            throw releaseFailure;
        }
    }

    private void recover() {
        final long state = memory.get(LONG, SEAL_STATE_OFFSET);
        if (state == STATE_OPEN) {
            final long end = recoverOpen();
            zeroFrom(end);
            tail = end;
            populatedTo = end;
            populateRequestOffset = end;
            return;
        }
        if (state != STATE_ROLLED && state != STATE_SEALED) {
            throw FileOps.corrupt("invalid seal state [path=" + path + ", state=" + state + "]");
        }
        final long sealedTail = memory.get(LONG, SEALED_TAIL_OFFSET);
        if (sealedTail < FIRST_RECORD_OFFSET || sealedTail > lengthBytes || sealedTail % RECORD_ALIGNMENT != 0) {
            throw FileOps.corrupt("invalid sealed tail [path=" + path + ", sealedTailOffset=" + sealedTail + "]");
        }
        final CRC32C checksum = new CRC32C();
        long offset = FIRST_RECORD_OFFSET;
        while (offset < sealedTail) {
            final long length = validLength(offset, sealedTail, checksum);
            if (length <= 0) {
                throw FileOps.corrupt("invalid record before the sealed tail [path=" + path + ", offset=" + offset
                    + ", sealedTailOffset=" + sealedTail + ", reason=" + describeInvalid(offset, sealedTail)
                    + "]");
            }
            offset += length;
        }
        tail = sealedTail | SEAL_BIT;
        sealedTailOffset = sealedTail;
        sealState = state;
        memorySealState = state;
        memorySealedByTxId = memory.get(LONG, SEALED_BY_TX_ID_OFFSET);
    }

    /**
     * Recovers an OPEN segment (see "Recovery" in {@link SegmentDescriptor}) and returns its tail: valid records
     * and hole markers are kept; an invalid record with nothing valid after it is a torn tail, cut off; a zero
     * length word followed by a valid record is a hole a writer claimed but never published before a crash, and
     * gets a hole marker so that the acknowledged records after it stay readable; a non-zero invalid record
     * followed by a valid one is corruption, refused.
     */
    private long recoverOpen() {
        final CRC32C checksum = new CRC32C();
        final MemorySegment memory = this.memory;
        long offset = FIRST_RECORD_OFFSET;
        while (offset < lengthBytes) {
            final long length = validLength(offset, lengthBytes, checksum);
            if (length > 0) {
                offset += length;
                continue;
            }
            final long next = nextValidRecord(offset + RECORD_ALIGNMENT, checksum);
            if (next < 0) {
                break;
            }
            final int lengthWord = memory.get(INT, offset + RECORD_LENGTH_OFFSET);
            if (lengthWord != 0) {
                throw FileOps.corrupt("corrupt record followed by valid records [path=" + path + ", offset=" + offset
                    + ", nextValidOffset=" + next + ", reason=" + describeInvalid(offset, lengthBytes) + "]");
            }
            if (next - offset > Integer.MAX_VALUE) {
                throw FileOps.corrupt("hole too long for a marker [path=" + path + ", offset=" + offset
                    + ", nextValidOffset=" + next + "]");
            }
            memory.set(INT, offset + RECORD_LENGTH_OFFSET, (int) -(next - offset));
            memory.asSlice(offset, Integer.BYTES).force();
            offset = next;
        }
        return offset;
    }

    /**
     * The length to skip at {@code offset} when it holds a valid record (its padded length) or a hole marker
     * (the hole's length), else 0.
     */
    private long validLength(final long offset, final long limit, final CRC32C checksum) {
        final MemorySegment memory = this.memory;
        final int recordLength = memory.get(INT, offset + RECORD_LENGTH_OFFSET);
        if (recordLength < END_OF_SEGMENT) {
            final long holeLength = -(long) recordLength;
            return holeLength % RECORD_ALIGNMENT == 0 && offset + holeLength <= limit ? holeLength : 0;
        }
        final int fields = fieldCount;
        if (recordLength < SegmentDescriptor.minRecordLength(fields)
            || recordLength > SegmentDescriptor.maxRecordLength(fields)
            || recordLength % RECORD_ALIGNMENT != 0 || offset + recordLength > limit) {
            return 0;
        }
        final int keyLength = memory.get(INT, offset + SegmentDescriptor.seriesKeyLengthOffset(fields));
        if (keyLength < 1 || SegmentDescriptor.recordLength(fields, keyLength) != recordLength) {
            return 0;
        }
        checksum.reset();
        checksum.update(memory.asSlice(offset + PARTITION_KEY_OFFSET, recordLength - PARTITION_KEY_OFFSET)
            .asByteBuffer());
        return (int) checksum.getValue() == memory.get(INT, offset + RECORD_CHECKSUM_OFFSET) ? recordLength : 0;
    }

    /** The offset of the first valid record (not hole marker) at or after {@code from}, or -1. */
    private long nextValidRecord(final long from, final CRC32C checksum) {
        final MemorySegment memory = this.memory;
        final int minLength = SegmentDescriptor.minRecordLength(fieldCount);
        for (long offset = from; offset + minLength <= lengthBytes; offset += RECORD_ALIGNMENT) {
            if (memory.get(INT, offset + RECORD_LENGTH_OFFSET) >= minLength
                && validLength(offset, lengthBytes, checksum) > 0) {
                return offset;
            }
        }
        return -1;
    }

    /** Why the record at {@code offset} is invalid, for the error message. */
    private String describeInvalid(final long offset, final long limit) {
        final int recordLength = memory.get(INT, offset + RECORD_LENGTH_OFFSET);
        if (recordLength == 0) {
            return "unwritten length word";
        }
        final int fields = fieldCount;
        if (recordLength < SegmentDescriptor.minRecordLength(fields)
            || recordLength > SegmentDescriptor.maxRecordLength(fields)
            || recordLength % RECORD_ALIGNMENT != 0 || offset + recordLength > limit) {
            return "invalid length " + recordLength + " for " + fields + " field(s)";
        }
        final int keyLength = memory.get(INT, offset + SegmentDescriptor.seriesKeyLengthOffset(fields));
        if (keyLength < 1 || SegmentDescriptor.recordLength(fields, keyLength) != recordLength) {
            return "series key length " + keyLength + " disagrees with record length " + recordLength + " for "
                + fields + " field(s)";
        }
        return "checksum mismatch";
    }

    /** Zeroes any non-zero bytes from {@code offset} to the end, so that appends cannot expose a torn tail. */
    private void zeroFrom(final long offset) {
        final MemorySegment memory = this.memory;
        long lastNonZeroEnd = -1;
        for (long word = offset; word < lengthBytes; word += Long.BYTES) {
            if (memory.get(LONG, word) != 0) {
                lastNonZeroEnd = word + Long.BYTES;
            }
        }
        if (lastNonZeroEnd > 0) {
            final MemorySegment garbage = memory.asSlice(offset, lastNonZeroEnd - offset);
            garbage.fill((byte) 0);
            garbage.force();
        }
    }

    private static void writeHeader(final MemorySegment memory, final PartitionHeader header, final int index,
        final boolean isCommitted) {
        memory.set(INT, MAGIC_OFFSET, MAGIC);
        memory.set(INT, VERSION_OFFSET, FORMAT_VERSION);
        memory.set(LONG, PARTITION_ID_OFFSET, header.partitionId());
        memory.set(INT, SEGMENT_INDEX_OFFSET, index);
        memory.set(INT, LOAD_SLOT_OFFSET, header.loadSlot());
        memory.set(LONG, CREATED_BY_TX_ID_OFFSET, header.createdByTxId());
        memory.set(LONG, FIRST_PARENT_ID_OFFSET, header.firstParentId());
        memory.set(LONG, SECOND_PARENT_ID_OFFSET, header.secondParentId());
        memory.set(LONG, KEY_LO_OFFSET, header.keyLo());
        memory.set(LONG, KEY_HI_OFFSET, header.keyHi());
        memory.set(LONG, FIRST_RECORD_OFFSET_OFFSET, FIRST_RECORD_OFFSET);
        memory.set(LONG, SEGMENT_LENGTH_OFFSET, memory.byteSize());
        memory.set(INT, FIELD_COUNT_OFFSET, header.fieldCount());
        memory.set(INT, HEADER_CHECKSUM_OFFSET, headerChecksum(memory, HEADER_CHECKSUM_OFFSET));
        memory.set(LONG, COMMITTED_OFFSET, isCommitted ? 1 : 0);
        memory.set(LONG, SEAL_STATE_OFFSET, STATE_OPEN);
        memory.set(LONG, SEALED_TAIL_OFFSET, 0);
        memory.set(LONG, SEALED_BY_TX_ID_OFFSET, NONE);
    }

    /** Checks the header of an existing segment file and returns its field count (1 for a version 1 header). */
    private static int checkHeader(final Path path, final MemorySegment memory, final int expectedIndex) {
        final int magic = memory.get(INT, MAGIC_OFFSET);
        final int version = memory.get(INT, VERSION_OFFSET);
        if (magic != MAGIC || (version != FORMAT_VERSION && version != FORMAT_VERSION_ONE_FIELD)) {
            throw FileOps.corrupt("not a segment file of a known version [path=" + path + ", magic=0x"
                + Integer.toHexString(magic) + ", version=" + version + ", supported=" + FORMAT_VERSION_ONE_FIELD
                + ".." + FORMAT_VERSION + "]");
        }
        final int checksumOffset = version == FORMAT_VERSION ? HEADER_CHECKSUM_OFFSET : HEADER_CHECKSUM_OFFSET_V1;
        final int checksum = memory.get(INT, checksumOffset);
        if (checksum != headerChecksum(memory, checksumOffset)) {
            throw FileOps.corrupt("segment header checksum mismatch [path=" + path + ", version=" + version + "]");
        }
        final int fieldCount = version == FORMAT_VERSION ? memory.get(INT, FIELD_COUNT_OFFSET) : 1;
        if (fieldCount < 1 || fieldCount > MAX_FIELD_COUNT) {
            throw FileOps.corrupt("invalid field count in segment header [path=" + path + ", fieldCount="
                + fieldCount + ", max=" + MAX_FIELD_COUNT + "]");
        }
        final int index = memory.get(INT, SEGMENT_INDEX_OFFSET);
        final long firstRecordOffset = memory.get(LONG, FIRST_RECORD_OFFSET_OFFSET);
        final long lengthBytes = memory.get(LONG, SEGMENT_LENGTH_OFFSET);
        if (index != expectedIndex || firstRecordOffset != FIRST_RECORD_OFFSET || lengthBytes != memory.byteSize()) {
            throw FileOps.corrupt("segment header disagrees with its file [path=" + path + ", index=" + index
                + ", expectedIndex=" + expectedIndex + ", firstRecordOffset=" + firstRecordOffset
                + ", lengthBytes=" + lengthBytes + ", fileLengthBytes=" + memory.byteSize() + "]");
        }
        return fieldCount;
    }

    /** CRC32C of the header bytes before {@code checksumOffset} (84 in version 2, 80 in version 1). */
    private static int headerChecksum(final MemorySegment memory, final int checksumOffset) {
        final CRC32C checksum = new CRC32C();
        checksum.update(memory.asSlice(0, checksumOffset).asByteBuffer());
        return (int) checksum.getValue();
    }

    /**
     * Reserves a new segment's blocks before it is mapped. Without them a full file system faults the first store
     * that reaches an unbacked page (the header write of a split's child, an append), which the JVM raises as an
     * {@link InternalError} in that thread: measured, it stopped the control loop, both ingest threads and the spare
     * thread. Reserved, the creation fails with an {@link IOException} that its caller handles, and appends into the
     * segment cannot fault for want of space. A seal gives the unused tail back ({@link #releaseUnusedTail}).
     * Segments of files made before this (sparse) are not reserved on reopen.
     */
    private static void reserve(final Path file, final long lengthBytes) throws IOException {
        FileOps.checkpoint("reserve-segment", file);
        FileSpace.reserve(file, lengthBytes);
    }

    /**
     * Reserves the blocks of the whole segment (those it holds already are kept): a spare's, before a roll makes it
     * active. Cold path (a roll: 5–111 µs for 64 MiB on ext4, docs/BENCHMARKS.md, "A full disk").
     *
     * @throws PresplitException ({@link FileOps#STORAGE_IO}) when the file system cannot hold it.
     */
    void reserveWhole() {
        try {
            reserve(path, lengthBytes);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot reserve the next segment", path, e);
        }
    }

    /**
     * Undoes a creation that failed: releases the mapping and the channel, deletes the half-made {@code file}
     * (failures suppressed in {@code cause}), and returns what to throw: {@code cause}, as a storage I/O failure
     * when it is an {@link IOException}.
     */
    private static RuntimeException abandonCreation(
        final Arena arena, final FileChannel channel, final Path file, final Exception cause) {
        release(arena, channel, file, cause);
        try {
            Files.deleteIfExists(file);
        } catch (final IOException suppressed) {
            cause.addSuppressed(suppressed);
        }
        return cause instanceof IOException io ? FileOps.ioFailure("cannot create segment", file, io)
            : (RuntimeException) cause;
    }

    /**
     * Releases the mapping and then the channel (reverse order of acquisition), attempting both even when the
     * first fails. Failures are added to {@code primary} when there is one; otherwise the first is returned,
     * with any later one suppressed in it.
     */
    private static RuntimeException release(
        final Arena arena, final FileChannel channel, final Path path, final Exception primary) {
        RuntimeException first = null;
        if (arena != null && arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (final RuntimeException e) {
                first = e;
            }
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException e) {
                final PresplitException failure = FileOps.ioFailure("cannot close segment file", path, e);
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
            }
        }
        if (primary != null && first != null) {
            primary.addSuppressed(first);
            return null;
        }
        return first;
    }

    @Override
    public String toString() {
        return "Segment [path=" + path + ", index=" + index + ", sealState=" + sealState + ", sealedTailOffset="
            + sealedTailOffset + "]";
    }
}
