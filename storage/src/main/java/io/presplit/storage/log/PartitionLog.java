package io.presplit.storage.log;

import static io.presplit.storage.log.SegmentDescriptor.NONE;
import static io.presplit.storage.log.SegmentDescriptor.STATE_OPEN;
import static io.presplit.storage.log.SegmentDescriptor.STATE_ROLLED;
import static io.presplit.storage.log.SegmentDescriptor.STATE_SEALED;

import io.presplit.PresplitException;
import io.presplit.keyspace.KeySpace;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.internal.ParallelForces;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * A partition's append-only log: a chain of memory-mapped segment files in the partition's own directory
 * (format: {@link SegmentDescriptor}). When a segment fills up, the writer that finds it full chains the next one;
 * records never straddle segments.
 * <p>
 * Assumptions the caller holds: {@link #append} and {@code read*} may run on any number of threads; the cold
 * operations ({@link #seal}, {@link #markCommitted}, {@link #close}) may run on any thread and are serialized
 * here; nothing is appended or read after {@link #close} starts.
 * <p>
 * Guarantees:
 * <ul>
 *   <li>{@link #append} takes no lock and allocates nothing, except when it finds the active segment full: the
 *   writers that find it full before the next segment is published take the log's lock while that segment is
 *   created, unless the store's preallocation thread has created it ahead ({@link #enableSpares}, then the roll
 *   only publishes it). The full segment is then sealed (waiting for its in-flight writers, forcing its pages)
 *   by that thread too, off the writers' path; without it, by the writer that rolled, outside the lock. A crash
 *   before that seal leaves an OPEN segment before the last, which {@link #open} seals.</li>
 *   <li>After {@link #seal} returns, every append that returned {@link #APPENDED} is in the log before the
 *   sealed tail, every later append returns {@link #SEALED}, and the seal is on disk.</li>
 *   <li>Readers see, per segment, a prefix of the records in claim order: every record published before the
 *   read, up to the first record another writer is still writing.</li>
 * </ul>
 * Durability: OS writeback of the mapped pages; {@link #seal}, segment creation, {@link #markCommitted} and
 * {@link #close} force (see "Durability" in {@link SegmentDescriptor}).
 */
public final class PartitionLog implements AutoCloseable {
    /** {@link #append} result: the record is in the log. */
    public static final int APPENDED = 0;
    /** {@link #append} result: the partition is sealed; nothing was written. */
    public static final int SEALED = -1;

    private volatile Segment active;
    private volatile boolean isSealed;
    /** Copy-on-write for readers: replaced, never changed in place. */
    private volatile Segment[] segments;
    private final Path directory;
    private final PartitionHeader header;
    private final long segmentLengthBytes;
    private final boolean isForcingEachAppend;
    /** Group commit's cursor: segments before it are finished. Group commit thread only. */
    private int forcedSegmentIndex;
    private volatile boolean isClosed;
    /**
     * The next segment, created ahead of the roll that needs it by the store's preallocation thread; guarded by
     * {@link #creationLock} (the volatile lets {@link #hasSpare()} read it without the lock).
     */
    private volatile Segment spare;
    /** Where to ask for the next spare after a roll; {@code null} when nobody pre-creates segments. */
    private volatile SpareRequests spareRequests;
    /**
     * Serializes segment creation (rolls, preallocation, spare removal), so that two creators never race on one
     * segment file. Lock order: {@code this} before {@code creationLock}.
     */
    private final Object creationLock = new Object();
    private volatile long rollsWithSpare;
    private volatile long rollsWithoutSpare;
    /** Whether the log was made from a {@link Blank} (its creation then needs only its header forced). */
    private boolean isFromBlank;

    /**
     * A partition directory made ahead of the prepare that will use it: {@code <partitions>/spare-<n>/} with a
     * blank, forced segment 0 ({@link #createBlank}, {@link #fromBlank}). Owned by one thread at a time (the
     * store's pool hands it over); closing it releases the mapping and leaves the files.
     */
    public static final class Blank implements AutoCloseable {
        private final Path directory;
        private final Segment segment;

        private Blank(final Path directory, final Segment segment) {
            this.directory = directory;
            this.segment = segment;
        }

        /** The blank's directory. */
        public Path directory() {
            return directory;
        }

        /** Releases the mapping and the file; the files stay (the store deletes them). */
        @Override
        public void close() {
            segment.close();
        }
    }

    /** Receives the logs that need a new spare segment, or the next pages of their active segment populated. */
    @FunctionalInterface
    public interface SpareRequests {
        /**
         * Asks for {@link #createSpare()} and then {@link #prepareSpare()} to be called on {@code log} soon, off the
         * caller's thread: the creation first, because a writer will roll onto it, the forces after.
         */
        void request(PartitionLog log);

        /**
         * Asks for {@link #populateActive()} to be called on {@code log} soon, off the caller's thread. Called by
         * an appender once per window of populated pages; must not block. By default nothing is populated, and
         * the appends take the first-write page faults themselves.
         */
        default void requestPopulate(final PartitionLog log) {
        }
    }

    private PartitionLog(final Path directory, final PartitionHeader header, final long segmentLengthBytes,
        final Segment[] segments, final boolean isSealed, final boolean isForcingEachAppend) {
        this.isForcingEachAppend = isForcingEachAppend;
        this.directory = directory;
        this.header = header;
        this.segmentLengthBytes = segmentLengthBytes;
        this.segments = segments;
        this.active = segments[segments.length - 1];
        this.isSealed = isSealed;
    }

    /**
     * Creates the log of a new partition durably: its directory (which must not exist), then segment 0 with the
     * header, both forced. Cold path.
     *
     * @param directory          the partition's directory, {@code <dataDir>/partitions/<id>}.
     * @param header             the partition's identity.
     * @param segmentLengthBytes length of each segment file.
     * @param isCommitted        whether the partition is routable from the start (the initial partition), rather
     *                           than a prepared child that a commit will mark.
     */
    public static PartitionLog create(final Path directory, final PartitionHeader header,
        final long segmentLengthBytes, final boolean isCommitted) {
        return create(directory, header, segmentLengthBytes, isCommitted, false);
    }

    /**
     * As {@link #create(Path, PartitionHeader, long, boolean)}, choosing whether each append forces its record's
     * pages before it returns ({@code isForcingEachAppend}, the {@code SYNC} durability).
     */
    public static PartitionLog create(final Path directory, final PartitionHeader header,
        final long segmentLengthBytes, final boolean isCommitted, final boolean isForcingEachAppend) {
        return create(directory, header, segmentLengthBytes, isCommitted, isForcingEachAppend, true);
    }

    /**
     * Creates the log of a new partition without forcing anything: its directory (which must not exist) and
     * segment 0 with the header. Nothing may rely on it being on disk until the caller has run
     * {@link #creationForces()} and forced the parent directory (the store batches them for all children of a
     * transaction, {@link ParallelForces}). Not committed. Cold path.
     */
    public static PartitionLog createUnforced(final Path directory, final PartitionHeader header,
        final long segmentLengthBytes, final boolean isForcingEachAppend) {
        return create(directory, header, segmentLengthBytes, false, isForcingEachAppend, false);
    }

    /** The directory and segment 0; with {@code isForcing}, the parent directory and the segment forced. */
    private static PartitionLog create(final Path directory, final PartitionHeader header,
        final long segmentLengthBytes, final boolean isCommitted, final boolean isForcingEachAppend,
        final boolean isForcing) {
        try {
            FileOps.checkpoint("create-directory", directory);
            Files.createDirectory(directory);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot create partition directory", directory, e);
        }
        if (isForcing) {
            FileOps.forceDirectory(directory.getParent());
        }
        final Segment first;
        try {
            first = Segment.create(directory, header, 0, segmentLengthBytes, isCommitted, isForcing);
        } catch (final RuntimeException e) {
            try {
                FileOps.deleteDirectory(directory);
            } catch (final RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new PartitionLog(directory, header, segmentLengthBytes, new Segment[] {first}, false,
            isForcingEachAppend);
    }

    /**
     * Makes a {@link Blank} in {@code directory} (which must not exist): the directory, a blank segment 0, the file
     * and the directory and its parent forced, all durable. For the store's background worker. Cold path; blocks
     * for the forces.
     */
    public static Blank createBlank(final Path directory, final long segmentLengthBytes) {
        try {
            FileOps.checkpoint("create-directory", directory);
            Files.createDirectory(directory);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot create partition directory", directory, e);
        }
        Segment segment = null;
        try {
            segment = Segment.createBlank(directory, segmentLengthBytes);
            FileOps.forceDirectory(directory);
            FileOps.forceDirectory(directory.getParent());
            return new Blank(directory, segment);
        } catch (final RuntimeException e) {
            if (segment != null) {
                try {
                    segment.close();
                } catch (final RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            try {
                FileOps.deleteDirectory(directory);
            } catch (final RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Creates the log of a new partition from a {@link Blank}: writes segment 0's header, then renames the blank's
     * directory to {@code directory} (which must not exist), without forcing: what {@link #createUnforced} does
     * without creating a file. The caller then forces {@link #creationForces()} (here only the header page) and
     * the parent directory (the rename). Takes ownership of the blank, which it closes when the rename fails. Not
     * committed. Cold path.
     */
    public static PartitionLog fromBlank(final Blank blank, final Path directory, final PartitionHeader header,
        final long segmentLengthBytes, final boolean isForcingEachAppend) {
        // The header first: a crash before the rename leaves it in the blanks (all deleted on open), after it a
        // complete header (or, after a power failure, an all-zero one: a torn creation, see isTornCreation).
        blank.segment.adopt(header, false);
        try {
            FileOps.checkpoint("rename", directory);
            Files.move(blank.directory, directory, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException | RuntimeException e) {
            try {
                blank.close();
            } catch (final RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof IOException io ? FileOps.ioFailure("cannot adopt blank partition directory",
                blank.directory, io) : (RuntimeException) e;
        }
        blank.segment.moveTo(directory.resolve(SegmentDescriptor.segmentFileName(0)));
        final PartitionLog log = new PartitionLog(directory, header, segmentLengthBytes,
            new Segment[] {blank.segment}, false, isForcingEachAppend);
        log.isFromBlank = true;
        return log;
    }

    /**
     * The forces that make a log made by {@link #createUnforced} durable, apart from its parent directory's
     * entry: segment 0's file (header, length) and the partition directory (the segment's name); for a log made
     * {@link #fromBlank}, only segment 0's header page (the file and its name were forced with the blank). No
     * order between them.
     */
    public List<ParallelForces.Force> creationForces() {
        return isFromBlank ? List.of(segments[0].headerForce())
            : List.of(segments[0].fileForce(), ParallelForces.directory(directory));
    }

    /** Records that every force of {@link #creationForces()} completed, so that later forces skip them. */
    public void markCreationDurable() {
        segments[0].markCreationDurable();
    }

    /**
     * Opens an existing partition log and recovers it: deletes leftover temporary files, recovers each segment's
     * tail, and seals as rolled any segment a crash left open before the last. Cold path.
     *
     * @param segmentLengthBytes length of segment files created from now on.
     * @throws PresplitException when the directory holds no segment, the chain has a gap or misses its last
     *                           segment (the last present one is ROLLED), or a file is corrupt; the message names
     *                           the file and, for a record, its offset.
     */
    public static PartitionLog open(final Path directory, final long segmentLengthBytes) {
        return open(directory, segmentLengthBytes, false);
    }

    /**
     * As {@link #open(Path, long)}, choosing whether each append forces its record's pages before it returns.
     */
    public static PartitionLog open(final Path directory, final long segmentLengthBytes,
        final boolean isForcingEachAppend) {
        int[] indexes = segmentIndexes(directory, true);
        if (indexes.length == 0) {
            throw FileOps.corrupt("partition directory holds no segment [directory=" + directory + "]");
        }
        final int lastIndex = indexes[indexes.length - 1];
        final Path lastFile = directory.resolve(SegmentDescriptor.segmentFileName(lastIndex));
        if (lastIndex > 0 && isAllZero(lastFile)) {
            // A roll's or a spare's creation whose forces never ran: nothing of it reached the disk, and nothing
            // relied on it (every force of a segment's records, and the ROLLED seal before it, force it first).
            deleteFile(lastFile);
            FileOps.forceDirectory(directory);
            indexes = Arrays.copyOf(indexes, indexes.length - 1);
        }
        final List<Segment> opened = new ArrayList<>(indexes.length + 1);
        Segment spareSegment = null;
        try {
            for (int i = 0; i < indexes.length; i++) {
                if (indexes[i] != i) {
                    throw FileOps.corrupt("segment chain has a gap [directory=" + directory + ", missingIndex=" + i
                        + "]");
                }
                opened.add(Segment.open(directory.resolve(SegmentDescriptor.segmentFileName(i)), i));
            }
            final PartitionHeader header = opened.getFirst().header();
            for (final Segment segment : opened) {
                if (!segment.header().equals(header)) {
                    throw FileOps.corrupt("segments of one partition disagree on its identity [directory="
                        + directory + ", segment=" + segment.path() + "]");
                }
            }
            deleteLeftoverSpares(directory, opened);
            // An empty OPEN segment after an OPEN one is a spare created ahead (or a roll that had not started
            // to use it): keep the active segment and the spare as they were.
            if (opened.size() >= 2 && opened.getLast().sealState() == STATE_OPEN && opened.getLast().isEmpty()
                && opened.get(opened.size() - 2).sealState() == STATE_OPEN) {
                spareSegment = opened.removeLast();
            }
            final int last = opened.size() - 1;
            for (int i = 0; i < last; i++) {
                final Segment segment = opened.get(i);
                if (segment.sealState() == STATE_SEALED) {
                    throw FileOps.corrupt("sealed segment is not the last of its chain [path=" + segment.path()
                        + "]");
                }
                if (segment.sealState() == STATE_OPEN) {
                    // A crash between chaining the next segment and sealing this one: finish the roll.
                    segment.seal(STATE_ROLLED, NONE);
                }
            }
            final Segment lastSegment = opened.get(last);
            if (lastSegment.sealState() == STATE_ROLLED) {
                // A roll creates the next segment durably before it marks the full one ROLLED, so a ROLLED last
                // segment means the next file is gone: refuse rather than continue without its records.
                throw FileOps.corrupt("segment file missing after a rolled segment [path="
                    + directory.resolve(SegmentDescriptor.segmentFileName(last + 1)) + ", rolledSegment="
                    + lastSegment.path() + "]");
            }
            final PartitionLog log = new PartitionLog(directory, header, segmentLengthBytes,
                opened.toArray(new Segment[0]), lastSegment.sealState() == STATE_SEALED, isForcingEachAppend);
            log.spare = spareSegment;
            return log;
        } catch (final RuntimeException e) {
            if (spareSegment != null) {
                opened.add(spareSegment);
            }
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (final RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * A partition sealed while a pre-created spare existed: a crash between the seal and the spare's removal
     * leaves empty OPEN segments after the SEALED one. They never held a record; delete them.
     */
    private static void deleteLeftoverSpares(final Path directory, final List<Segment> opened) {
        int sealedIndex = -1;
        for (int i = 0; i < opened.size(); i++) {
            if (opened.get(i).sealState() == STATE_SEALED) {
                sealedIndex = i;
                break;
            }
        }
        if (sealedIndex < 0 || sealedIndex == opened.size() - 1) {
            return;
        }
        for (int i = sealedIndex + 1; i < opened.size(); i++) {
            if (opened.get(i).sealState() != STATE_OPEN || !opened.get(i).isEmpty()) {
                throw FileOps.corrupt("sealed segment is not the last of its chain [path="
                    + opened.get(sealedIndex).path() + ", next=" + opened.get(i).path() + "]");
            }
        }
        for (int i = opened.size() - 1; i > sealedIndex; i--) {
            final Segment leftover = opened.remove(i);
            leftover.close();
            deleteFile(leftover.path());
        }
        FileOps.forceDirectory(directory);
    }

    private static void deleteFile(final Path path) {
        FileOps.checkpoint("delete", path);
        try {
            Files.deleteIfExists(path);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot delete segment", path, e);
        }
    }

    /**
     * Lets the log pre-create its next segment: it asks {@code requests} for a spare when a segment is half full
     * (so a partition that never fills half a segment, such as a short-lived split child, costs no file) and after
     * each roll (a partition that rolled is being written: its next spare is made at once). Cold path.
     */
    public void enableSpares(final SpareRequests requests) {
        spareRequests = requests;
    }

    /**
     * The background work a roll or a commit asked for: for a partition sealed in memory, makes its seal durable
     * ({@link #persistSeal}); otherwise seals (as ROLLED) every full segment a roll left open, then creates the
     * next segment (index = current chain length) as the spare, unless there is one or the log is closed. Called
     * by the preallocation thread; blocks on the seals, the file creation and their forces, which is the point:
     * the writers and the commit do not. Cold path.
     */
    public void prepareSpare() {
        if (isSealed) {
            // Sealed in memory by a commit, which left the seal's forces to this thread.
            persistSeal();
            return;
        }
        final Segment[] chain = segments;
        for (int i = 0; i < chain.length - 1; i++) {
            if (!isClosed && chain[i].sealState() == STATE_OPEN) {
                sealRolled(chain, i);
            }
        }
        createSpare();
        final Segment created = spare;
        if (created != null) {
            // The spare may come from createSpare on another thread, which left its forces to this call.
            created.ensureCreationDurable();
        }
    }

    /**
     * The urgent half of {@link #prepareSpare}: creates the next segment (index = current chain length) as the
     * spare, without its forces, unless there is one or the log is sealed or closed. Its forces are owed to
     * {@link #prepareSpare} (or to whatever relies on the segment first: a group-commit force, the ROLLED seal of
     * the segment before it, close). Called by the thread that serves spare creations only, so that a creation
     * never queues behind forces. Cold path; blocks on the file creation.
     *
     * @return whether it created a spare.
     */
    public boolean createSpare() {
        final Segment created;
        synchronized (creationLock) {
            if (isClosed || isSealed || spare != null) {
                return false;
            }
            // Created without its forces while the lock is held, so that a roll that needs it waits for a file
            // creation at most, never for a force.
            // Reserved through the window populateAhead faults in below: the rest when a roll makes it active.
            created = Segment.create(directory, header, segments.length, segmentLengthBytes, false,
                isForcingEachAppend, Segment.PAGE_BYTES + Segment.POPULATE_WINDOW_BYTES);
            spare = created;
        }
        // Outside the lock, so that a roll may take the spare meanwhile: populating is safe under appends.
        created.populateAhead();
        return true;
    }

    /** Whether a pre-created next segment is ready. */
    public boolean hasSpare() {
        return spare != null;
    }

    /** Rolls that found the next segment pre-created. */
    public long rollsWithSpare() {
        return rollsWithSpare;
    }

    /** Rolls that had to create the next segment themselves (writers waited for the file creation). */
    public long rollsWithoutSpare() {
        return rollsWithoutSpare;
    }

    /** Whether {@code directory} holds at least one segment file (a torn creation leaves none). */
    public static boolean hasSegments(final Path directory) {
        return segmentIndexes(directory, false).length > 0;
    }

    /**
     * Whether {@code directory} holds what a creation by {@link #createUnforced} leaves when the machine stops
     * before its forces: segment 0 alone, every byte of it zero (the header page never reached the disk; the
     * length may be anything, 0 included). Such a partition was never committed (a commit forces the header before
     * anything is routed to it) and never held a record, so the store deletes it as a torn prepare. A segment with
     * a zero header but any non-zero byte is not torn but corrupt, and {@link #open} refuses it. Cold path; reads
     * the file only when its first bytes are zero.
     */
    public static boolean isTornCreation(final Path directory) {
        final int[] indexes = segmentIndexes(directory, false);
        if (indexes.length != 1 || indexes[0] != 0) {
            return false;
        }
        return isAllZero(directory.resolve(SegmentDescriptor.segmentFileName(0)));
    }

    /**
     * Whether every byte of {@code path} is zero (an empty file included). Reads the header first, so that a
     * normal segment (its magic number is not zero) costs one small read at open.
     */
    private static boolean isAllZero(final Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            final ByteBuffer header = ByteBuffer.allocate(SegmentDescriptor.HEADER_LENGTH);
            final int headerBytes = Math.max(0, channel.read(header, 0));
            if (!isZero(header.flip())) {
                return false;
            }
            final ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
            long position = headerBytes;
            while (true) {
                chunk.clear();
                final int read = channel.read(chunk, position);
                if (read < 0) {
                    return true;
                }
                position += read;
                if (!isZero(chunk.flip())) {
                    return false;
                }
            }
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot read segment", path, e);
        }
    }

    private static boolean isZero(final ByteBuffer bytes) {
        while (bytes.hasRemaining()) {
            if (bytes.get() != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Appends one encoded record. Any thread. Lock-free and allocation-free unless the active segment is full
     * (see the class comment).
     *
     * @param record      the record from offset 0, as {@link RecordEncoder} lays it out, with the log's field count
     *                    ({@link PartitionHeader#fieldCount()}; the caller's contract, not checked here).
     * @param lengthBytes its length, at most {@link SegmentDescriptor#maxRecordLength(int)} of that count.
     * @return {@link #APPENDED}, or {@link #SEALED} when the partition is sealed and nothing was written.
     */
    public int append(final MemorySegment record, final int lengthBytes) {
        while (true) {
            final Segment segment = active;
            final long offset = segment.append(record, lengthBytes);
            if (offset >= 0) {
                if (isForcingEachAppend) {
                    segment.forceRange(offset, lengthBytes);
                }
                if (offset >= segment.spareRequestOffset && !segment.isSpareRequested) {
                    requestSpare(segment);
                }
                if (offset >= segment.populateRequestOffset) {
                    requestPopulate(segment);
                }
                return APPENDED;
            }
            if (offset == Segment.FULL) {
                if (active == segment) {
                    roll(segment);
                }
            } else if (isSealed) {
                return SEALED;
            }
            // Otherwise the segment was rolled, and the roll published the next segment before sealing this one.
        }
    }

    /**
     * Seals the partition at its current tail (see "Seal protocol" in {@link SegmentDescriptor}): records
     * {@code txId} in the last segment's header, waits for in-flight appends, and forces. It also completes the
     * seal of a segment a writer has just rolled, so that when it returns no append to this partition is still
     * writing. Idempotent. Cold path; blocks for the in-flight appends and the forces.
     */
    public synchronized void seal(final long txId) {
        sealInMemory(txId);
        persistSeal();
    }

    /**
     * The first half of {@link #seal}: records {@code txId}, stops every append and waits for the in-flight ones,
     * without touching the disk. When it returns, readers see the partition's final records, {@link #isSealed()}
     * is true and every later append returns {@link #SEALED}; the headers on disk still read OPEN until
     * {@link #persistSeal()} (a crash before it leaves the partition unsealed on disk, and the store's recovery
     * seals it again, as the committed children that name this transaction say it must be). Idempotent. Cold
     * path; blocks for the in-flight appends only.
     */
    public synchronized void sealInMemory(final long txId) {
        checkOpen();
        // Set before the segment's seal bit: a writer whose claim sees the bit then reads isSealed as true.
        isSealed = true;
        final Segment[] segments = this.segments;
        segments[segments.length - 1].sealInMemory(STATE_SEALED, txId);
        for (int i = segments.length - 2; i >= 0; i--) {
            segments[i].sealInMemory(STATE_ROLLED, NONE);
        }
    }

    /**
     * The second half of {@link #seal}: forces each segment's records and then its sealed header, then deletes an
     * unused spare. Does nothing when the partition is not sealed, its seal is already on disk, or the log is
     * closed ({@link #close} persists it). Idempotent. Cold path; blocks for the forces.
     */
    public synchronized void persistSeal() {
        if (!isSealed || isClosed) {
            return;
        }
        final Segment[] segments = this.segments;
        segments[segments.length - 1].persistSeal();
        for (int i = segments.length - 2; i >= 0; i--) {
            sealRolled(segments, i);
        }
        // After the seal is durable: a crash before this leaves an empty spare that open deletes.
        synchronized (creationLock) {
            final Segment unused = spare;
            if (unused != null) {
                spare = null;
                unused.close();
                deleteFile(unused.path());
                FileOps.forceDirectory(directory);
            }
        }
    }

    /** Whether the partition is sealed (in memory at least: no append succeeds any more). */
    public boolean isSealed() {
        return isSealed;
    }

    /** Whether the partition's seal is on disk (see {@link #sealInMemory} and {@link #persistSeal}). */
    public boolean isSealDurable() {
        return isSealed && active.sealState() != STATE_OPEN;
    }

    /** The transaction that sealed the partition, or {@link SegmentDescriptor#NONE}. */
    public long sealedByTxId() {
        return isSealed ? active.sealedByTxId() : NONE;
    }

    /**
     * Marks the partition committed (routable) under routing epoch {@code epoch} in segment 0's header and forces
     * it. Idempotent: a partition already committed keeps its epoch. Cold path.
     */
    public synchronized void markCommitted(final long epoch) {
        checkOpen();
        segments[0].markCommitted(epoch);
    }

    /**
     * Writes the committed mark of {@link #markCommitted} without forcing it; the caller forces
     * {@link #commitMarkForce()} before anything relies on the mark (the store batches the marks of all children
     * of a transaction). Idempotent. Cold path.
     */
    public synchronized void writeCommitted(final long epoch) {
        checkOpen();
        segments[0].writeCommitted(epoch);
    }

    /** The force that makes {@link #writeCommitted}'s mark durable: segment 0's header page. */
    public ParallelForces.Force commitMarkForce() {
        return segments[0].headerForce();
    }

    /** The routing epoch under which the partition became routable (1 for the initial one), or 0 if prepared. */
    public long committedEpoch() {
        return segments[0].committedEpoch();
    }

    /** Whether segment 0's header marks the partition committed. */
    public boolean isCommitted() {
        return segments[0].isCommitted();
    }

    /**
     * Visits every published record. Any thread; allocates one flyweight per call.
     *
     * @param visitor called once per record, in log order.
     */
    public void read(final RecordVisitor visitor) {
        read(KeySpace.MIN_KEY, KeySpace.MAX_KEY, visitor);
    }

    /**
     * Visits the published records whose partition key lies in {@code [keyLo, keyHi]}. Any thread; allocates one
     * flyweight per call.
     */
    public void read(final long keyLo, final long keyHi, final RecordVisitor visitor) {
        final RecordFlyweight flyweight = new RecordFlyweight();
        final long partitionId = header.partitionId();
        for (final Segment segment : segments) {
            segment.read(partitionId, keyLo, keyHi, visitor, flyweight);
        }
    }

    /**
     * Visits the published records with a partition key in {@code [keyLo, keyHi]} and a timestamp in
     * {@code [fromNs, toNs]}, using each full segment's time index. Any thread.
     *
     * @param flyweight a caller-owned flyweight (the visitor sees it; reused per record).
     * @return the number of records examined.
     */
    public long readRange(final long keyLo, final long keyHi, final long fromNs, final long toNs,
        final RecordVisitor visitor, final RecordFlyweight flyweight) {
        final long partitionId = header.partitionId();
        long examined = 0;
        for (final Segment segment : segments) {
            examined += segment.readRange(partitionId, keyLo, keyHi, fromNs, toNs, visitor, flyweight);
        }
        return examined;
    }

    /**
     * Bytes (records, padding included) of the published records with a partition key in {@code [keyLo, keyHi]}.
     * Sealed and rolled segments answer from their cached {@link KeyByteSummary} (two binary searches each after
     * the first call, which scans the segment once); the open segment is scanned. Any thread; cold.
     */
    public long bytesBetween(final long keyLo, final long keyHi) {
        long total = 0;
        for (final Segment segment : segments) {
            total += segment.keyByteSummary().bytesBetween(keyLo, keyHi);
        }
        return total;
    }

    /**
     * One {@link KeyByteSummary} per segment, in chain order: cached for segments that no longer take records,
     * built by one pass for the open one. For answering several key ranges with one scan of the open segment. Any
     * thread; cold.
     */
    public KeyByteSummary[] keyByteSummaries() {
        final Segment[] chain = segments;
        final KeyByteSummary[] summaries = new KeyByteSummary[chain.length];
        for (int i = 0; i < chain.length; i++) {
            summaries[i] = chain[i].keyByteSummary();
        }
        return summaries;
    }

    /**
     * Appends a copy of {@code record} (a record of another log, seen by a reader): used by compaction. Cold path;
     * allocates a slice.
     *
     * @return {@link #APPENDED} or {@link #SEALED}.
     */
    public int appendCopy(final RecordFlyweight record) {
        if (record.fieldCount() != header.fieldCount()) {
            throw new IllegalStateException("record and log disagree on the field count [directory=" + directory
                + ", logFieldCount=" + header.fieldCount() + ", recordFieldCount=" + record.fieldCount() + "]");
        }
        final int lengthBytes = record.lengthBytes();
        return append(record.memory().asSlice(record.offset(), lengthBytes), lengthBytes);
    }

    /** The partition's identity. */
    public PartitionHeader header() {
        return header;
    }

    /** The partition's directory. */
    public Path directory() {
        return directory;
    }

    /** Number of segments in the chain. */
    public int segmentCount() {
        return segments.length;
    }

    /**
     * Group commit's step for this log: forces every record published before the call that an earlier call did
     * not force (see {@link Segment#forcePublished}). Group commit thread only; takes no lock. The log must stay
     * open for the duration of the call.
     *
     * @return whether the log is finished for group commit: sealed and every segment forced.
     */
    public boolean forcePublished() {
        final Segment[] segments = this.segments;
        final int last = segments.length - 1;
        int index = forcedSegmentIndex;
        boolean isAdvancing = true;
        // Every segment from the cursor on, not only up to the first unfinished one: a full segment stays OPEN
        // until the background worker seals it as ROLLED, while writers already append to the next segment and
        // wait for this force; stopping at the full one would acknowledge their records unforced.
        for (int i = index; i <= last; i++) {
            final boolean isFinished = segments[i].forcePublished();
            if (isAdvancing && isFinished && i < last) {
                index = i + 1;
            } else {
                isAdvancing = false;
            }
        }
        forcedSegmentIndex = index;
        return isSealed && index == last && segments[index].sealState() != STATE_OPEN;
    }

    /** Forces every segment's mapped pages to disk. Cold path. */
    public synchronized void force() {
        checkOpen();
        for (final Segment segment : segments) {
            segment.force();
        }
    }

    /** Forces and closes every segment, last first. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (isClosed) {
            return;
        }
        final Segment[] segments = this.segments;
        RuntimeException failure = null;
        if (isSealed) {
            // A seal whose forces a commit left to the background thread, which had not reached it.
            try {
                segments[segments.length - 1].persistSeal();
            } catch (final RuntimeException e) {
                failure = e;
            }
        }
        // Finish the seals of full segments that the background thread had not reached: a clean close leaves
        // only the last segment open.
        for (int i = 0; i < segments.length - 1; i++) {
            try {
                sealRolled(segments, i);
            } catch (final RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        isClosed = true;
        synchronized (creationLock) {
            final Segment unused = spare;
            spare = null;
            if (unused != null) {
                try {
                    unused.close();
                    if (isSealed && failure == null) {
                        // A sealed partition never uses its spare: delete it once the seal is on disk, as
                        // persistSeal does, rather than leave an empty OPEN file after the SEALED one for the next
                        // open to delete (deleteLeftoverSpares).
                        deleteFile(unused.path());
                        FileOps.forceDirectory(directory);
                    }
                } catch (final RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        for (int i = segments.length - 1; i >= 0; i--) {
            try {
                segments[i].close();
            } catch (final RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Chains a new segment after {@code full} unless another writer did, or the partition is sealed. The lock
     * covers only the creation and the publication of the next segment, which writers that found {@code full}
     * full wait for; the seal of {@code full} (waiting for its in-flight writers, forcing it) runs after, on the
     * rolling writer alone, while the others append to the next segment. A partition seal may seal it too;
     * {@link Segment#seal} serializes the two. A crash before it completes leaves an open segment before the
     * last, which {@link #open} seals.
     */
    private void roll(final Segment full) {
        synchronized (this) {
            checkOpen();
            if (isSealed || active != full) {
                return;
            }
            synchronized (creationLock) {
                final Segment ready = spare;
                final Segment next;
                if (ready != null && ready.index() == full.index() + 1) {
                    // Before any record can go into it: a full disk fails this roll (the spare stays, the next
                    // append rolls again), never an append through an unbacked page.
                    ready.reserveWhole();
                    spare = null;
                    next = ready;
                    rollsWithSpare++;
                } else {
                    // With a background thread, the writer skips the creation's forces: they run before anything
                    // relies on the segment (its first group-commit force, the seal of the full segment, close).
                    next = Segment.create(directory, header, full.index() + 1, segmentLengthBytes, false,
                        isForcingEachAppend || spareRequests == null);
                    rollsWithoutSpare++;
                }
                final Segment[] current = segments;
                final Segment[] grown = Arrays.copyOf(current, current.length + 1);
                grown[current.length] = next;
                segments = grown;
                active = next;
            }
        }
        final SpareRequests requests = spareRequests;
        if (requests != null) {
            // The background thread seals the full segment (waits for its in-flight writers, forces it) and
            // creates the next spare: the rolling writer goes back to appending without touching the disk.
            requests.request(this);
        } else {
            full.seal(STATE_ROLLED, NONE);
        }
    }

    /** The first append past {@code segment}'s populate offset: asks for its next window of pages, once. */
    private void requestPopulate(final Segment segment) {
        segment.populateRequestOffset = Long.MAX_VALUE;
        final SpareRequests requests = spareRequests;
        if (requests != null) {
            requests.requestPopulate(this);
        }
    }

    /**
     * Faults in the next window of pages of the active segment ahead of the appends (see
     * {@code Segment.populateAhead}), asked for by an append half-way through the previous window. Called by the
     * spare thread; safe against appends, rolls and close. Cold path.
     *
     * @return the bytes populated.
     */
    public long populateActive() {
        return active.populateAhead();
    }

    /** The first append past half of {@code segment}: asks for the next segment ahead, once per segment. */
    private void requestSpare(final Segment segment) {
        segment.isSpareRequested = true;
        final SpareRequests requests = spareRequests;
        if (requests != null && spare == null && !isSealed) {
            requests.request(this);
        }
    }

    /**
     * Seals {@code chain[index]} as ROLLED, first making its successor's creation durable: on disk a ROLLED
     * segment promises that the next one exists ({@link #open} refuses a ROLLED last segment).
     */
    private static void sealRolled(final Segment[] chain, final int index) {
        chain[index + 1].ensureCreationDurable();
        chain[index].seal(STATE_ROLLED, NONE);
    }

    private void checkOpen() {
        if (isClosed) {
            throw new IllegalStateException("partition log is closed [directory=" + directory + "]");
        }
    }

    private static int[] segmentIndexes(final Path directory, final boolean isDeletingTempFiles) {
        try (Stream<Path> files = Files.list(directory)) {
            final List<Integer> indexes = new ArrayList<>();
            for (final Path file : (Iterable<Path>) files::iterator) {
                final String name = file.getFileName().toString();
                if (isDeletingTempFiles && name.endsWith(".tmp")) {
                    Files.delete(file);
                    continue;
                }
                final int index = SegmentDescriptor.segmentIndex(name);
                if (index >= 0) {
                    indexes.add(index);
                }
            }
            return indexes.stream().mapToInt(Integer::intValue).sorted().toArray();
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot list partition directory", directory, e);
        }
    }

    @Override
    public String toString() {
        return "PartitionLog [directory=" + directory + ", segmentCount=" + segments.length + ", isSealed="
            + isSealed + "]";
    }
}
