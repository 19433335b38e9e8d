package io.presplit.storage;

import static io.presplit.storage.log.SegmentDescriptor.NONE;

import io.presplit.PresplitException;
import io.presplit.coordinate.PartitionParticipant;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.internal.StoreLock;
import io.presplit.storage.internal.ParallelForces;
import io.presplit.storage.internal.ThreadPlacement;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.KeyByteSummary;
import io.presplit.storage.log.PartitionHeader;
import io.presplit.storage.log.PartitionLog;
import io.presplit.storage.log.RecordVisitor;
import io.presplit.storage.log.SegmentDescriptor;
import io.presplit.storage.meta.CatalogEntry;
import io.presplit.storage.meta.PartitionCatalog;
import io.presplit.storage.meta.StoreFormatFile;
import org.HdrHistogram.WriterReaderPhaser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * The partition store: a data directory of partitions, each an append-only log of memory-mapped segments, a
 * routing table with epochs, and the participant side of the split/merge two-phase commit.
 * <p>
 * Layout: {@code <dataDir>/partitions/<id>/segment-NNNNNNNNNN.log} (see {@link SegmentDescriptor}) and the
 * catalog {@code <dataDir>/catalog.cmap} ({@link PartitionCatalog}, a persisted Chronicle Map). The segment
 * headers are the authority: each names its partition, load slot, creating transaction, parents and key range,
 * and carries the committed flag with the routing epoch the commit published, and the seal. The catalog mirrors
 * them for readers ({@link #catalog()}) and is reconciled with them on every open. On the first open the store
 * creates partition 0 over the whole key space, with load slot 0; on later opens it rebuilds every partition, the
 * lineage and the routing table from the headers.
 * <p>
 * Threads:
 * <ul>
 *   <li>Writes: any number of threads, each through its own {@link PartitionWriter} ({@link #openWriter}).</li>
 *   <li>Reads ({@link #scan}, {@link #scanPartition}, {@link #query}): any thread, concurrently with writes and
 *   commits. A read sees, per segment, the records published before it up to the first one still being
 *   written; it never sees a record twice.</li>
 *   <li>Participant calls, {@link #openWriter} and {@link #close}: any thread, serialized by a lock; cold.</li>
 * </ul>
 * The caller stops writers and readers before {@link #close}.
 * <p>
 * Split/merge (DESIGN.md, "two-phase commit with log-structured handoff"): {@link #prepare} creates the children
 * durably, not routable. {@link #commit} marks the children committed on disk (this participant's commit point),
 * publishes the next routing epoch with the children in place of the parents, then seals the parents at their
 * tails. A split moves no data: the children read their parents' sealed records filtered to their own range.
 * Each step's forces run as one parallel batch ({@link ParallelForces}); a parent's seal is made durable by the
 * background worker after the commit returns (see "Seal protocol" in {@link SegmentDescriptor}).
 * <p>
 * Compaction (spec 005, {@link #compact}, the {@code presplit-compaction} thread under
 * {@link StoreOptions#compactionBytesPerSecond()}): a live partition's share of its sealed ancestors' records is
 * copied into its own compacted log, committed by a directory rename; {@link #deleteUnneededPartitions} then removes
 * sealed partitions nobody reads. {@link #splitCost} and {@link #mergeCost} say how many bytes a split or merge
 * would make compaction move. The key order ({@link StoreOptions#keyOrder()}) is fixed in
 * {@code <dataDir>/store.format} when the store is created.
 * <p>
 * Recovery on open: leftover {@code <id>.deleting} directories and {@code compacting} work directories are
 * deleted; a partition directory with no segment (a torn prepare) is deleted; each log recovers its
 * tails; a transaction is treated as committed when any of its children is marked committed or any of its parents
 * is sealed by it, and its commit is then finished (the other children marked, the other parents sealed); the
 * partitions that are committed and not sealed must tile the key space. The routing epoch is persisted: after an
 * open it is the largest epoch a commit recorded (1 for a new store), never lower than before the restart.
 * <p>
 * Durability ({@link Durability}, chosen at open): SYNC forces each record, GROUP acknowledges writes after a
 * batched force, ASYNC leaves records to the operating system's writeback. Prepare, commit and close always force;
 * a commit's parent seals are forced in the background, or at once when segments are not preallocated.
 */
public final class PartitionStore implements PartitionParticipant, AutoCloseable {
    /** Default length of a segment file: 64 MiB. */
    public static final long DEFAULT_SEGMENT_LENGTH_BYTES = 64L << 20;
    /** Name of the directory, under the data directory, that holds one directory per partition. */
    public static final String PARTITIONS_DIRECTORY = "partitions";
    /** Name of the directory, inside a partition's directory, of its compacted log (spec 005). */
    public static final String COMPACTED_DIRECTORY = "compacted";
    /** Name of the directory, inside a partition's directory, of a compaction in progress (spec 005). */
    public static final String COMPACTING_DIRECTORY = "compacting";
    /** Suffix a deleted partition's directory takes before its files are deleted (spec 005). */
    public static final String DELETING_SUFFIX = ".deleting";
    /** How long a deleted partition's mapped logs stay open after its files are unlinked. */
    static final long DELETED_LOG_GRACE_NS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Name of the directory, under the data directory, of the blank partition directories made ahead of prepares
     * ({@code blanks/spare-<n>/}); a prepare renames one into {@link #PARTITIONS_DIRECTORY}.
     */
    public static final String BLANKS_DIRECTORY = "blanks";
    /** Name prefix of a blank partition directory. */
    public static final String BLANK_PREFIX = "spare-";
    /** Blank partition directories kept ready when segments are preallocated: the two children of a split. */
    static final int BLANK_TARGET = 2;
    /** Id of the partition created on the first open. */
    public static final long INITIAL_PARTITION_ID = 0;
    /** Load slot of the partition created on the first open. */
    public static final int INITIAL_LOAD_SLOT = 0;

    private static final Logger LOG = LoggerFactory.getLogger(PartitionStore.class);

    private volatile RoutingTable routingTable;
    /** Committed partitions (live and sealed), by id; copy-on-write for readers. */
    private volatile Partition[] readablePartitions;
    /** The logs of {@link #readablePartitions}, for group commit. */
    private volatile PartitionLog[] readableLogs;
    private final Path dataDirectory;
    private final Path partitionsDirectory;
    private final long segmentLengthBytes;
    private final StoreOptions options;
    /** Group commit under {@link Durability#GROUP}, else {@code null}. */
    private final GroupCommitter groupCommitter;
    /** The Chronicle Map mirror of the partitions and the epoch; guarded by {@link #lock}. */
    private final PartitionCatalog catalog;
    /** This process's hold on the directory ({@link StoreLock}), released last by {@link #close()}. */
    private final StoreLock storeLock;
    /**
     * Pre-creates next segments and makes commits' parent seals durable when
     * {@link StoreOptions#isPreallocatingSegments()}, else {@code null} (then commits seal durably themselves).
     */
    private final SegmentPreallocator preallocator;
    /** Runs the independent forces of one protocol step at once (prepare's creations, commit's marks). */
    private final ParallelForces forces;
    /** Writer-core pinning ({@link StoreOptions#writerCpus()}): where writers and background threads run. */
    private final ThreadPlacement placement;
    /**
     * Blank partition directories ({@link PartitionLog.Blank}) that prepares turn into children without creating
     * a file; filled by the background worker up to {@link #BLANK_TARGET}, taken under {@link #lock}.
     */
    private final ConcurrentLinkedQueue<PartitionLog.Blank> blanks = new ConcurrentLinkedQueue<>();
    /** Whether a refill of {@link #blanks} is queued or running (one at a time). */
    private final AtomicBoolean isRefillingBlanks = new AtomicBoolean();
    private final AtomicLong nextBlankNumber = new AtomicLong();
    private volatile long childrenFromBlanks;
    private final LoadRecorder recorder;
    private final Object lock = new Object();
    /** Serializes compactions and deletions (cold, long); taken before {@link #lock}, never inside it. */
    private final Object compactionLock = new Object();
    /**
     * Readers ({@link #scan}, {@link #scanPartition}, {@link #query}, {@link PartitionReader}) enter a critical
     * section around their use of a partition's read sources; deletion flips the phase after unlinking a partition
     * and so waits out every read that may still hold its logs before it closes them.
     */
    private final WriterReaderPhaser readPhaser = new WriterReaderPhaser();
    /**
     * Logs of deleted partitions, closed once no reader can hold them and {@link #DELETED_LOG_GRACE_NS} has passed
     * (a writer holding a routing snapshot from before the partition's seal could still call its append); guarded
     * by {@link #compactionLock}.
     */
    private final List<DeletedLog> deletedLogs = new ArrayList<>();
    /** Background compaction when {@link StoreOptions#compactionBytesPerSecond()} is positive, else {@code null}. */
    private Compactor compactor;
    private volatile long compactedBytes;
    private volatile long compactions;
    private volatile long deletedPartitions;
    /** Every open partition, prepared ones included; guarded by {@link #lock}. */
    private final Map<Long, Partition> partitions;
    private long maxPartitionId;
    private boolean isClosed;

    private PartitionStore(final Path dataDirectory, final StoreOptions options, final ThreadPlacement placement,
        final LoadRecorder recorder, final Map<Long, Partition> partitions, final PartitionCatalog catalog,
        final StoreLock storeLock) {
        this.catalog = catalog;
        this.storeLock = storeLock;
        this.placement = placement;
        this.forces = new ParallelForces(placement);
        this.dataDirectory = dataDirectory;
        this.partitionsDirectory = dataDirectory.resolve(PARTITIONS_DIRECTORY);
        this.options = options;
        this.segmentLengthBytes = options.segmentLengthBytes();
        this.recorder = recorder;
        this.partitions = partitions;
        final List<Partition> live = new ArrayList<>();
        long maxId = -1;
        long epoch = Math.max(1, catalog.epoch());
        for (final Partition partition : partitions.values()) {
            maxId = Math.max(maxId, partition.id());
            epoch = Math.max(epoch, partition.log().committedEpoch());
            if (partition.isCommitted() && !partition.isSealed()) {
                live.add(partition);
            }
        }
        this.maxPartitionId = maxId;
        try {
            this.routingTable = new RoutingTable(epoch, live);
        } catch (final IllegalArgumentException e) {
            throw new PresplitException(PresplitException.Category.FATAL, FileOps.STORAGE_CORRUPT,
                "live partitions do not tile the key space [dataDirectory=" + dataDirectory + ", live=" + live + "]",
                e);
        }
        refreshReadablePartitions();
        reconcileCatalog(epoch);
        this.groupCommitter = options.durability() == Durability.GROUP
            ? new GroupCommitter(() -> readableLogs, options.groupCommitMaxDelayNs(), placement) : null;
        this.preallocator = options.isPreallocatingSegments() ? new SegmentPreallocator(placement) : null;
        if (preallocator != null) {
            for (final Partition partition : live) {
                partition.log().enableSpares(preallocator);
            }
            requestBlanks();
        }
    }

    private void startCompactor() {
        if (options.compactionBytesPerSecond() > 0) {
            compactor = new Compactor(this, options.compactionBytesPerSecond(), placement);
        }
    }

    /**
     * Opens (or creates) a store whose new segments are {@link #DEFAULT_SEGMENT_LENGTH_BYTES} long, with
     * {@link Durability#ASYNC}; see {@link #open(Path, LoadRecorder, StoreOptions)}.
     */
    public static PartitionStore open(final Path dataDirectory, final LoadRecorder recorder) {
        return open(dataDirectory, recorder, DEFAULT_SEGMENT_LENGTH_BYTES);
    }

    /**
     * Opens (or creates) a store with {@link Durability#ASYNC}; see {@link #open(Path, LoadRecorder, StoreOptions)}.
     *
     * @throws IllegalArgumentException when the segment length is invalid (see {@link StoreOptions}).
     */
    public static PartitionStore open(final Path dataDirectory, final LoadRecorder recorder,
        final long segmentLengthBytes) {
        return open(dataDirectory, recorder, StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(
            segmentLengthBytes));
    }

    /**
     * Opens the store in {@code dataDirectory}, creating it with the initial partition when empty, and recovers
     * it (see the class comment). Under {@link Durability#GROUP} starts the group commit thread. On failure,
     * closes whatever it opened, last first, and rethrows. Cold path.
     *
     * @param dataDirectory the data directory; created when missing.
     * @param recorder      the load recorder writes are counted in; owned by the caller, which closes it after
     *                      the store. Its slot capacity must exceed every partition's load slot.
     * @param options       segment length and durability.
     * @throws PresplitException on I/O failure or when the data on disk is inconsistent.
     */
    public static PartitionStore open(final Path dataDirectory, final LoadRecorder recorder,
        final StoreOptions options) {
        final long segmentLengthBytes = options.segmentLengthBytes();
        // First: a bad CPU list is the caller's mistake, reported before anything on disk changes.
        final ThreadPlacement placement = ThreadPlacement.ofWriterCpus(options.writerCpus());
        final boolean isForcingEachAppend = options.durability() == Durability.SYNC;
        final Path partitionsDirectory = dataDirectory.resolve(PARTITIONS_DIRECTORY);
        try {
            Files.createDirectories(partitionsDirectory);
            Files.createDirectories(dataDirectory.resolve(BLANKS_DIRECTORY));
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot create data directory", partitionsDirectory, e);
        }
        FileOps.forceDirectory(dataDirectory);
        // Before anything of the store is read or written: one process per store directory.
        final StoreLock storeLock = StoreLock.acquire(dataDirectory);
        // Opened in id order, closed in reverse on failure.
        final TreeMap<Long, PartitionLog> logs = new TreeMap<>();
        final Map<Long, PartitionLog> compactedLogs = new HashMap<>();
        PartitionCatalog catalog = null;
        try {
            deleteInterruptedDeletions(partitionsDirectory);
            deleteLeftoverBlanks(dataDirectory.resolve(BLANKS_DIRECTORY));
            StoreFormatFile.checkOrCreate(dataDirectory, options.keyOrder(), options.fields(),
                partitionDirectories(partitionsDirectory).isEmpty());
            final int fieldCount = options.fields().count();
            for (final Path directory : partitionDirectories(partitionsDirectory)) {
                final long id = Long.parseLong(directory.getFileName().toString());
                if (!PartitionLog.hasSegments(directory) || PartitionLog.isTornCreation(directory)) {
                    LOG.warn("deleting torn partition directory [directory={}]", directory);
                    FileOps.deleteDirectory(directory);
                    continue;
                }
                final PartitionLog log = PartitionLog.open(directory, segmentLengthBytes, isForcingEachAppend);
                logs.put(id, log);
                // A compaction interrupted before its rename (its commit point) left only a work directory.
                deleteTree(directory.resolve(COMPACTING_DIRECTORY));
                final Path compactedDirectory = directory.resolve(COMPACTED_DIRECTORY);
                if (Files.isDirectory(compactedDirectory)) {
                    final PartitionLog compacted = PartitionLog.open(compactedDirectory, segmentLengthBytes);
                    compactedLogs.put(id, compacted);
                    if (!compacted.isSealed() || !compacted.header().equals(log.header())) {
                        throw FileOps.corrupt("compacted log is not sealed or names another partition [directory="
                            + compactedDirectory + "]");
                    }
                }
                if (log.header().partitionId() != id) {
                    throw FileOps.corrupt("partition directory and header disagree [directory=" + directory
                        + ", headerPartitionId=" + log.header().partitionId() + "]");
                }
                if (log.header().fieldCount() != fieldCount) {
                    throw FileOps.corrupt("partition's field count disagrees with the store format file [directory="
                        + directory + ", segmentFieldCount=" + log.header().fieldCount() + ", storeFields="
                        + options.fields() + "]");
                }
            }
            if (logs.isEmpty()) {
                final PartitionHeader initial = PartitionHeader.initial(
                    INITIAL_PARTITION_ID, INITIAL_LOAD_SLOT, KeySpace.MIN_KEY, KeySpace.MAX_KEY, fieldCount);
                logs.put(INITIAL_PARTITION_ID, PartitionLog.create(
                    partitionsDirectory.resolve(Long.toString(INITIAL_PARTITION_ID)), initial, segmentLengthBytes,
                    true, isForcingEachAppend));
            }
            for (final PartitionLog log : logs.values()) {
                checkLoadSlot(recorder, log.header().loadSlot());
            }
            finishCommittedTransactions(logs, compactedLogs.keySet());
            catalog = PartitionCatalog.open(dataDirectory);
            final PartitionStore store = new PartitionStore(dataDirectory, options, placement, recorder,
                link(logs, compactedLogs), catalog, storeLock);
            store.startCompactor();
            return store;
        } catch (final RuntimeException e) {
            if (catalog != null) {
                try {
                    catalog.close();
                } catch (final RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            for (final PartitionLog log : compactedLogs.values()) {
                try {
                    log.close();
                } catch (final RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            for (final PartitionLog log : logs.descendingMap().values()) {
                try {
                    log.close();
                } catch (final RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            try {
                storeLock.close();
            } catch (final RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * A writer for the calling thread. Claims one load recorder stripe, which stays claimed for the recorder's
     * lifetime (the recorder cannot release stripes), so open one writer per ingest thread and keep it. With
     * writer-core pinning ({@link StoreOptions#writerCpus()}) the calling thread is moved onto the next writer CPU
     * first, for good: open the writer on the thread that will write. Cold path.
     *
     * @throws IllegalStateException when the recorder has no free stripe or the store is closed.
     * @throws PresplitException     ({@code THREAD_AFFINITY}) when the operating system refuses the writer CPU;
     *                               no writer is opened, no stripe claimed.
     */
    public PartitionWriter openWriter() {
        synchronized (lock) {
            checkOpen();
            final int cpu = placement.pinWriter();
            if (cpu >= 0) {
                LOG.info("writer pinned [thread={}, cpu={}, backgroundCpus={}]", Thread.currentThread().getName(),
                    cpu, placement.backgroundCpus());
            }
            return new PartitionWriter(this, recorder, recorder.claimStripe(), groupCommitter);
        }
    }

    /**
     * A reader for the calling thread: key-range and time-range queries and aggregates, whose cost is recorded as
     * query load. Claims one load recorder stripe for the recorder's lifetime, like {@link #openWriter}. Cold path.
     *
     * @throws IllegalStateException when the recorder has no free stripe or the store is closed.
     */
    public PartitionReader openReader() {
        synchronized (lock) {
            checkOpen();
            return new PartitionReader(this, recorder, recorder.claimStripe());
        }
    }

    /** The fields of every point of this store, fixed when it was created (the format file's). */
    public FieldSchema fields() {
        return options.fields();
    }

    /** The phaser readers enter around their use of read sources (see the field). */
    WriterReaderPhaser readPhaser() {
        return readPhaser;
    }

    /** The current routing snapshot. Any thread; one volatile read. */
    public RoutingTable routingTable() {
        return routingTable;
    }

    /**
     * Visits every stored point exactly once: for each live partition of the current routing snapshot (in key
     * order), its read sources (sealed ancestors' records in its range, or their compacted copy, then its own
     * log) filtered to its range. The visitor's partition id is the id of the log that holds the record (a
     * compacted copy reports the partition it belongs to). Any thread; allocates one flyweight per log.
     */
    public void scan(final RecordVisitor visitor) {
        final long phase = readPhaser.writerCriticalSectionEnter();
        try {
            final RoutingTable routing = routingTable;
            for (int i = 0; i < routing.size(); i++) {
                read(routing.partition(i).sources(), KeySpace.MIN_KEY, KeySpace.MAX_KEY, visitor);
            }
        } finally {
            readPhaser.writerCriticalSectionExit(phase);
        }
    }

    /**
     * Visits the records of partition {@code partitionId} as its readers see them: its read sources in order (the
     * sealed ancestors' records in its range, oldest ancestor first, or their compacted copy), then its own.
     *
     * @throws IllegalArgumentException when no committed partition has that id.
     */
    public void scanPartition(final long partitionId, final RecordVisitor visitor) {
        final long phase = readPhaser.writerCriticalSectionEnter();
        try {
            read(readablePartition(partitionId).sources(), KeySpace.MIN_KEY, KeySpace.MAX_KEY, visitor);
        } finally {
            readPhaser.writerCriticalSectionExit(phase);
        }
    }

    /**
     * Visits every point of one series with a timestamp in {@code [fromNs, toNs]}: routes the series key under
     * the current epoch and reads that partition's lineage (sealed ancestors, then the partition itself) filtered
     * to the key and time range. Any thread; allocates a few objects per call.
     *
     * @throws IllegalArgumentException for an empty or oversize series key or {@code fromNs > toNs}.
     */
    public void query(final CharSequence seriesKey, final long fromNs, final long toNs, final RecordVisitor visitor) {
        final byte[] utf8 = seriesKey.toString().getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0 || utf8.length > SegmentDescriptor.MAX_SERIES_KEY_LENGTH_BYTES || fromNs > toNs) {
            throw new IllegalArgumentException("invalid query [seriesKeyLengthBytes=" + utf8.length + ", fromNs="
                + fromNs + ", toNs=" + toNs + "]");
        }
        final long key = options.keyOrder().partitionKey(utf8);
        final MemorySegment keyBytes = MemorySegment.ofArray(utf8);
        final RecordVisitor filter = (partitionId, record) -> {
            final long timestampNs = record.timestampNs();
            if (timestampNs >= fromNs && timestampNs <= toNs && record.seriesKeyEquals(keyBytes)) {
                visitor.onRecord(partitionId, record);
            }
        };
        final long phase = readPhaser.writerCriticalSectionEnter();
        try {
            read(routingTable.route(key).sources(), key, key, filter);
        } finally {
            readPhaser.writerCriticalSectionExit(phase);
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Votes {@code false} when a parent is unknown, not routable (sealed or itself only prepared) or has prepared
     * children of another transaction; when the split key lies outside {@code (lo, hi]}; when merge parents are
     * not adjacent (first below second); or when a child id is taken by a partition of another identity. Votes
     * {@code true} at once when the children already exist as this transaction made them.
     *
     * @throws IllegalArgumentException when the transaction is malformed (ids, slots).
     * @throws PresplitException        on I/O failure; children created by this call are removed first.
     */
    @Override
    public boolean prepare(final Txn txn) {
        synchronized (lock) {
            checkOpen();
            checkShape(txn);
            final Partition first = partitions.get(txn.firstParentId());
            final Partition second = txn.kind() == Txn.Kind.MERGE ? partitions.get(txn.secondParentId()) : null;
            if (first == null || (txn.kind() == Txn.Kind.MERGE && second == null)) {
                return vote(txn, false, "unknown parent");
            }
            final List<PartitionHeader> childHeaders = childHeaders(txn, first, second);
            if (childHeaders.isEmpty()) {
                return vote(txn, false, txn.kind() == Txn.Kind.SPLIT ? "split key outside (lo, hi]"
                    : "merge parents not adjacent");
            }
            boolean isAllPrepared = true;
            for (final PartitionHeader header : childHeaders) {
                final Partition existing = partitions.get(header.partitionId());
                if (existing == null) {
                    isAllPrepared = false;
                } else if (!existing.header().equals(header)) {
                    return vote(txn, false, "child id taken [childId=" + header.partitionId() + "]");
                }
            }
            if (isAllPrepared) {
                return vote(txn, true, "already prepared");
            }
            final RoutingTable routing = routingTable;
            if (!routing.contains(first) || (second != null && !routing.contains(second))) {
                return vote(txn, false, "parent not routable");
            }
            for (final Partition other : partitions.values()) {
                final PartitionHeader header = other.header();
                if (!other.isCommitted() && header.createdByTxId() != txn.txId()
                    && isParentOf(header, txn.firstParentId(), txn.secondParentId())) {
                    return vote(txn, false, "parent has prepared children of another transaction [txId="
                        + header.createdByTxId() + "]");
                }
            }
            createChildren(childHeaders, first, second);
            for (final PartitionHeader header : childHeaders) {
                catalog.put(entryOf(partitions.get(header.partitionId())));
            }
            return vote(txn, true, "children created");
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Order: mark the children committed on disk (their headers forced in one parallel batch), publish the next
     * routing epoch with the children in place of the parents, seal the parents in memory (waiting for in-flight
     * appends; no append succeeds afterwards), then hand the seals' forces to the background worker (or, without
     * preallocation, force them here). A repeat finds each step done and skips it.
     *
     * @throws PresplitException with code {@code TXN_NOT_PREPARED} when a child does not exist, or on I/O
     * failure (the coordinator retries).
     */
    @Override
    public void commit(final Txn txn) {
        synchronized (lock) {
            checkOpen();
            checkShape(txn);
            final List<Partition> children = new ArrayList<>(2);
            for (final long childId : childIds(txn)) {
                final Partition child = partitions.get(childId);
                if (child == null || child.header().createdByTxId() != txn.txId()
                    || child.header().firstParentId() != txn.firstParentId()
                    || child.header().secondParentId() != txn.secondParentId()) {
                    throw new PresplitException(PresplitException.Category.ERROR, "TXN_NOT_PREPARED",
                        "commit of a transaction that is not prepared [txId=" + txn.txId() + ", childId=" + childId
                            + "]");
                }
                children.add(child);
            }
            final List<Partition> parents = new ArrayList<>(2);
            for (final long parentId : parentIds(txn)) {
                final Partition parent = partitions.get(parentId);
                if (parent == null) {
                    // Only deletion removes a committed partition, and only a sealed one whose children compacted:
                    // this commit finished before (a redo after a crash between the store's commit and DONE).
                    if (children.stream().allMatch(Partition::isCommitted)) {
                        LOG.info("commit already finished; parent since deleted by compaction [txId={}, "
                            + "parentId={}]", txn.txId(), parentId);
                        return;
                    }
                    throw FileOps.corrupt("commit of a transaction whose parent is missing [txId=" + txn.txId()
                        + ", parentId=" + parentId + "]");
                }
                parents.add(parent);
            }
            final RoutingTable routing = routingTable;
            final boolean isPublishing = routing.contains(parents.getFirst());
            // A repeat finds the children marked and keeps their epoch (writeCommitted is idempotent).
            final long epoch = isPublishing ? routing.epoch() + 1 : children.getFirst().log().committedEpoch();
            final List<ParallelForces.Force> marks = new ArrayList<>(children.size());
            for (final Partition child : children) {
                child.log().writeCommitted(epoch);
                marks.add(child.log().commitMarkForce());
            }
            // This participant's commit point: every child's mark on disk (one batch, forced at once).
            forces.forceAll(marks);
            refreshReadablePartitions();
            if (preallocator != null) {
                for (final Partition child : children) {
                    // Before the publish, so that no write reaches a child whose rolls cannot ask for spares; and
                    // its first spare at once: a child filling at the parent's rate would otherwise ask at half of
                    // its first segment, too late when the background threads are busy with this commit's seals
                    // (the roll then creates its segment on the writer's path: the write stall's maximum).
                    child.log().enableSpares(preallocator);
                    preallocator.request(child.log());
                }
            }
            if (isPublishing) {
                routingTable = routing.replace(parents, children);
            }
            for (final Partition parent : parents) {
                if (preallocator != null) {
                    // The seal's forces are not part of the commit: the children's durable marks name this
                    // transaction, and recovery seals a parent they name. Compaction and close persist it first.
                    parent.log().sealInMemory(txn.txId());
                    preallocator.request(parent.log());
                } else {
                    parent.log().seal(txn.txId());
                }
            }
            for (final Partition child : children) {
                catalog.put(entryOf(child));
            }
            for (final Partition parent : parents) {
                catalog.put(entryOf(parent));
            }
            catalog.putEpoch(routingTable.epoch());
            LOG.info("committed [txId={}, kind={}, parents={}, children={}, epoch={}]", txn.txId(), txn.kind(),
                parentIds(txn), childIds(txn), routingTable.epoch());
        }
    }

    /**
     * {@inheritDoc}
     * <p>
     * Closes and deletes the directories of the transaction's children that exist and were created by it;
     * anything else (unknown ids, partitions of other transactions, a malformed transaction) is left alone.
     *
     * @throws PresplitException with code {@code TXN_COMMITTED} when a child is already committed.
     */
    @Override
    public void abort(final Txn txn) {
        synchronized (lock) {
            checkOpen();
            // No shape check: abort must succeed for a transaction whose prepare was rejected as malformed.
            for (final long childId : childIds(txn)) {
                final Partition child = partitions.get(childId);
                if (child == null || child.header().createdByTxId() != txn.txId()) {
                    continue;
                }
                if (child.isCommitted()) {
                    throw new PresplitException(PresplitException.Category.ERROR, "TXN_COMMITTED",
                        "abort of a committed transaction [txId=" + txn.txId() + ", childId=" + childId + "]");
                }
                dropPrepared(child);
                catalog.remove(childId);
            }
            LOG.info("aborted [txId={}, kind={}, children={}]", txn.txId(), txn.kind(), childIds(txn));
        }
    }

    /** {@inheritDoc} Reads the current routing snapshot; allocates the list. */
    @Override
    public List<PartitionView> livePartitions() {
        final RoutingTable routing = routingTable;
        final List<PartitionView> views = new ArrayList<>(routing.size());
        for (int i = 0; i < routing.size(); i++) {
            final Partition partition = routing.partition(i);
            views.add(new PartitionView(partition.id(), partition.keyLo(), partition.keyHi(), partition.loadSlot()));
        }
        return views;
    }

    /**
     * {@inheritDoc}
     * <p>
     * Here: the largest id of a partition found on disk at open or created since, aborted ones included.
     */
    @Override
    public long maxPartitionId() {
        synchronized (lock) {
            return maxPartitionId;
        }
    }

    /** Number of committed partitions, live and sealed: those {@link #scan} reads. */
    public int committedPartitionCount() {
        return readablePartitions.length;
    }

    /** The options the store was opened with. */
    public StoreOptions options() {
        return options;
    }

    /** Under {@link Durability#GROUP}: forces that failed (each fails the writers waiting on it); else 0. */
    public long groupCommitFailures() {
        return groupCommitter == null ? 0 : groupCommitter.failures();
    }

    /** Under {@link Durability#GROUP}: batches forced so far; else 0. */
    public long groupCommitBatches() {
        return groupCommitter == null ? 0 : groupCommitter.batches();
    }

    /** Segment pre-creations that failed (each roll concerned then created its segment itself); 0 when off. */
    public long segmentPreallocationFailures() {
        return preallocator == null ? 0 : preallocator.failures();
    }

    /** Background threads that could not be moved onto the background CPUs (writer-core pinning); 0 when off. */
    public long threadPlacementFailures() {
        return placement.failures();
    }

    /** Children that prepares made from blank partition directories (no file created on the prepare's path). */
    public long childrenFromBlanks() {
        return childrenFromBlanks;
    }

    /** Blank partition directories ready for prepares now. */
    public int readyBlanks() {
        return blanks.size();
    }

    /** Queues a refill of the blank partition directories unless one is queued; nothing without preallocation. */
    private void requestBlanks() {
        if (preallocator != null && isRefillingBlanks.compareAndSet(false, true)) {
            preallocator.requestTask(this::refillBlanks);
        }
    }

    /** Background worker: makes blank partition directories up to {@link #BLANK_TARGET}. */
    private void refillBlanks() {
        try {
            while (blanks.size() < BLANK_TARGET) {
                blanks.add(PartitionLog.createBlank(dataDirectory.resolve(BLANKS_DIRECTORY)
                    .resolve(BLANK_PREFIX + nextBlankNumber.getAndIncrement()), segmentLengthBytes));
            }
        } finally {
            isRefillingBlanks.set(false);
        }
    }

    /** Rolls, over every committed partition, that had to create the next segment themselves. */
    public long rollsWithoutSpare() {
        long total = 0;
        for (final PartitionLog log : readableLogs) {
            total += log.rollsWithoutSpare();
        }
        return total;
    }

    /** Rolls, over every committed partition, that found the next segment pre-created. */
    public long rollsWithSpare() {
        long total = 0;
        for (final PartitionLog log : readableLogs) {
            total += log.rollsWithSpare();
        }
        return total;
    }

    /** The data directory. */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /**
     * Stops background compaction (a copy in progress is abandoned; its work directory is deleted on the next
     * open), then forces and closes every partition log and compacted log (highest id first) and the logs of
     * deleted partitions still in their grace period, releasing every mapping and file. Safe to call twice.
     * Writers, readers and callers of {@link #compact} must have stopped.
     */
    @Override
    public void close() {
        // Outside the lock: the compaction thread takes it; it stops at its next record or park.
        final Compactor running = compactor;
        if (running != null) {
            running.close();
        }
        synchronized (compactionLock) {
            closeInLock();
        }
    }

    private void closeInLock() {
        synchronized (lock) {
            if (isClosed) {
                return;
            }
            isClosed = true;
            RuntimeException failure = null;
            if (preallocator != null) {
                preallocator.close();
            }
            forces.close();
            // After the workers stopped: no blank is added any more.
            for (PartitionLog.Blank blank = blanks.poll(); blank != null; blank = blanks.poll()) {
                try {
                    blank.close();
                    FileOps.deleteDirectory(blank.directory());
                } catch (final RuntimeException e) {
                    failure = withSuppressed(failure, e);
                }
            }
            if (groupCommitter != null) {
                try {
                    groupCommitter.close();
                } catch (final RuntimeException e) {
                    failure = e;
                }
            }
            final List<Partition> all = new ArrayList<>(partitions.values());
            all.sort(Comparator.comparingLong(Partition::id).reversed());
            for (final DeletedLog deleted : deletedLogs) {
                all.add(deleted.partition());
            }
            deletedLogs.clear();
            final List<PartitionLog> logs = new ArrayList<>();
            for (final Partition partition : all) {
                if (partition.compacted() != null) {
                    logs.add(partition.compacted());
                }
                logs.add(partition.log());
            }
            for (final PartitionLog log : logs) {
                try {
                    log.close();
                } catch (final RuntimeException e) {
                    failure = withSuppressed(failure, e);
                }
            }
            try {
                catalog.close();
            } catch (final RuntimeException e) {
                failure = withSuppressed(failure, e);
            }
            // Last: another process may open the directory once this returns.
            try {
                storeLock.close();
            } catch (final RuntimeException e) {
                failure = withSuppressed(failure, e);
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /**
     * The catalog's entries: every partition (prepared, live, sealed) with its range, lineage, state and epochs,
     * read from the persisted Chronicle Map. Any thread; serialized with participant calls; allocates.
     */
    public List<CatalogEntry> catalog() {
        synchronized (lock) {
            checkOpen();
            return catalog.entries();
        }
    }

    /**
     * Compacts live partition {@code partitionId} now, without a budget: copies the records of its read sources
     * other than its own log (its sealed ancestors' records in its range, in read order) into a new log of its
     * own, then switches its reads to that log and its own log (spec 005). The ancestors stay until
     * {@link #deleteUnneededPartitions} finds that no partition needs them. Returns at once (0) when the
     * partition's reads already go through no ancestor. Any thread, serialized with other compactions and with
     * deletions; concurrent with writes, reads and split/merge. Cold; blocks for the copy and its forces.
     *
     * @return the bytes copied (records, padding included); also added to {@link #compactedBytes()}.
     * @throws IllegalArgumentException when no live partition has that id.
     * @throws PresplitException        on I/O failure: nothing changed for readers; the work directory is removed
     *                                  now or by the next attempt or open.
     */
    public long compact(final long partitionId) {
        return compact(partitionId, CompactionBudget.unlimited(), () -> false);
    }

    /**
     * Compacts the first live partition (in key order) whose reads still go through ancestors, under
     * {@code budget}. Called by the compaction thread.
     *
     * @return 1 when it compacted a partition, 0 when none needed it.
     */
    int compactNext(final CompactionBudget budget, final BooleanSupplier isCancelled) {
        final RoutingTable routing = routingTable;
        for (int i = 0; i < routing.size(); i++) {
            final Partition partition = routing.partition(i);
            if (partition.hasAncestorSources()) {
                synchronized (lock) {
                    if (partition.isSealed()) {
                        // Sealed by a split or merge since the snapshot: its children compact instead.
                        return 0;
                    }
                }
                compact(partition.id(), budget, isCancelled);
                return 1;
            }
        }
        return 0;
    }

    private long compact(final long partitionId, final CompactionBudget budget, final BooleanSupplier isCancelled) {
        synchronized (compactionLock) {
            final Partition partition;
            final ReadSources sources;
            synchronized (lock) {
                checkOpen();
                partition = partitions.get(partitionId);
                if (partition == null || !partition.isCommitted() || partition.isSealed()) {
                    throw new IllegalArgumentException("compaction needs a live partition [partitionId="
                        + partitionId + "]");
                }
                if (!partition.hasAncestorSources()) {
                    return 0;
                }
                sources = partition.sources();
            }
            final Path directory = partition.log().directory();
            final Path work = directory.resolve(COMPACTING_DIRECTORY);
            final Path done = directory.resolve(COMPACTED_DIRECTORY);
            long moved = 0;
            if (!Files.isDirectory(done)) {
                deleteTree(work);
                // Recovery finds a compacted partition's parents through their seals on disk, not through the
                // partition's (compacted) lineage: a commit may have left those seals to the background thread.
                for (int i = 0; i < sources.size() - 1; i++) {
                    sources.log(i).persistSeal();
                }
                moved = copyAncestors(partition, sources, work, budget, isCancelled);
                // The commit point: a crash before the rename leaves only the work directory, which open deletes.
                FileOps.checkpoint("rename", done);
                try {
                    Files.move(work, done, StandardCopyOption.ATOMIC_MOVE);
                } catch (final IOException e) {
                    throw FileOps.ioFailure("cannot commit compaction", done, e);
                }
                FileOps.forceDirectory(directory);
            }
            // Else a compaction committed on disk whose switch failed (the open below): finish it.
            final PartitionLog compacted = PartitionLog.open(done, segmentLengthBytes);
            synchronized (lock) {
                partition.installCompacted(compacted);
            }
            compactedBytes += moved;
            compactions++;
            LOG.info("compacted [partitionId={}, movedBytes={}, sources={}, budgetBytesPerSecond={}]", partitionId,
                moved, sources.size() - 1, budget.bytesPerSecond());
            return moved;
        }
    }

    /** Copies the ancestors' records in the partition's range into a new sealed log at {@code work}. */
    private long copyAncestors(final Partition partition, final ReadSources sources, final Path work,
        final CompactionBudget budget, final BooleanSupplier isCancelled) {
        final PartitionLog copy = PartitionLog.create(work, partition.header(), segmentLengthBytes, true);
        final long[] moved = new long[1];
        RuntimeException failure = null;
        try {
            final RecordVisitor copier = (sourceId, record) -> {
                if (isCancelled.getAsBoolean()) {
                    throw new PresplitException(PresplitException.Category.WARN, "COMPACTION_CANCELLED",
                        "compaction cancelled: the store is closing [partitionId=" + partition.id() + "]");
                }
                copy.appendCopy(record);
                moved[0] += record.lengthBytes();
                budget.spend(record.lengthBytes());
            };
            // The last source is the partition's own log, which stays.
            for (int i = 0; i < sources.size() - 1; i++) {
                sources.log(i).read(sources.keyLo(i), sources.keyHi(i), copier);
            }
            copy.seal(NONE);
        } catch (final RuntimeException e) {
            failure = e;
        }
        try {
            copy.close();
        } catch (final RuntimeException e) {
            failure = withSuppressed(failure, e);
        }
        if (failure != null) {
            try {
                deleteTree(work);
            } catch (final RuntimeException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        return moved[0];
    }

    /**
     * Deletes every sealed partition that no live or prepared partition reads any more (compaction copied what
     * they needed), children before parents: each directory is renamed to {@code <id>.deleting} (the commit
     * point; open deletes such leftovers), dropped from memory and the catalog, then deleted. The logs are closed
     * after every read that may hold them has finished and a grace period has passed. Cold; any thread,
     * serialized with compactions.
     *
     * @return the number of partitions deleted.
     * @throws PresplitException on I/O failure (what was renamed is deleted on a later round or open).
     */
    public int deleteUnneededPartitions() {
        synchronized (compactionLock) {
            final List<Partition> deleted = new ArrayList<>();
            try {
                synchronized (lock) {
                    checkOpen();
                    deleteInterruptedDeletions(partitionsDirectory);
                    final Set<PartitionLog> needed = Collections.newSetFromMap(new IdentityHashMap<>());
                    for (final Partition partition : partitions.values()) {
                        if (!partition.isSealed()) {
                            final ReadSources sources = partition.sources();
                            for (int i = 0; i < sources.size(); i++) {
                                needed.add(sources.log(i));
                            }
                        }
                    }
                    final List<Partition> candidates = new ArrayList<>();
                    for (final Partition partition : partitions.values()) {
                        if (partition.isCommitted() && partition.isSealed() && !needed.contains(partition.log())
                            && (partition.compacted() == null || !needed.contains(partition.compacted()))) {
                            candidates.add(partition);
                        }
                    }
                    candidates.sort(Comparator.comparingLong(Partition::id).reversed());
                    boolean isProgressing = true;
                    while (isProgressing) {
                        isProgressing = false;
                        for (final Iterator<Partition> it = candidates.iterator(); it.hasNext(); ) {
                            final Partition candidate = it.next();
                            // Open refuses a partition without a compacted log whose parent is missing: keep a
                            // parent until every such child is gone.
                            if (isParentOfUncompacted(candidate.id())) {
                                continue;
                            }
                            it.remove();
                            deletePartition(candidate, deleted);
                            isProgressing = true;
                        }
                    }
                }
            } finally {
                if (!deleted.isEmpty()) {
                    synchronized (lock) {
                        refreshReadablePartitions();
                    }
                    retire(deleted);
                }
            }
            closeRetiredLogs(false);
            return deleted.size();
        }
    }

    /**
     * The bytes compaction would move if partition {@code partitionId} were split at each of {@code splitKeys}:
     * each child copies the records of the partition's read sources (its compacted or ancestors' data and its own
     * log, as of now) whose key lies in the child's range. Exact for the data present at the call.
     * <p>
     * Cost: per source log, a binary search per key in each sealed segment's cached key summary
     * ({@code KeyByteSummary}, built by one pass over the segment on first use, then 16 bytes per distinct
     * partition key), plus one pass over each open segment (the partition's active segment, at most one segment
     * length). Any thread; allocates the result and, on first use of a segment, its summary.
     *
     * @param splitKeys candidate split keys, each in {@code (keyLo, keyHi]} of the partition.
     * @return one cost per key, in the given order.
     * @throws IllegalArgumentException when no live partition has that id or a key lies outside its range.
     */
    public List<SplitCost> splitCost(final long partitionId, final long... splitKeys) {
        final long phase = readPhaser.writerCriticalSectionEnter();
        try {
            final Partition partition = livePartition(partitionId);
            for (final long splitKey : splitKeys) {
                if (splitKey <= partition.keyLo() || splitKey > partition.keyHi()) {
                    throw new IllegalArgumentException("split key outside (keyLo, keyHi] [partitionId=" + partitionId
                        + ", splitKey=" + splitKey + ", keyLo=" + partition.keyLo() + ", keyHi=" + partition.keyHi()
                        + "]");
                }
            }
            final ReadSources sources = partition.sources();
            final long[] lower = new long[splitKeys.length];
            final long[] upper = new long[splitKeys.length];
            for (int i = 0; i < sources.size(); i++) {
                // One summary per segment for all keys: the open segment is scanned once per call, not per key.
                final long lo = sources.keyLo(i);
                final long hi = sources.keyHi(i);
                for (final KeyByteSummary summary : sources.log(i).keyByteSummaries()) {
                    for (int k = 0; k < splitKeys.length; k++) {
                        lower[k] += summary.bytesBetween(lo, Math.min(hi, splitKeys[k] - 1));
                        upper[k] += summary.bytesBetween(Math.max(lo, splitKeys[k]), hi);
                    }
                }
            }
            final List<SplitCost> costs = new ArrayList<>(splitKeys.length);
            for (int k = 0; k < splitKeys.length; k++) {
                costs.add(new SplitCost(splitKeys[k], lower[k], upper[k]));
            }
            return costs;
        } finally {
            readPhaser.writerCriticalSectionExit(phase);
        }
    }

    /**
     * The bytes compaction would move if the adjacent live partitions {@code lowerId} and {@code upperId} were
     * merged: the merged partition copies both read sources (each log once) over the union of their ranges. Same
     * cost and thread contract as {@link #splitCost}.
     *
     * @throws IllegalArgumentException when either is not a live partition.
     */
    public long mergeCost(final long lowerId, final long upperId) {
        final long phase = readPhaser.writerCriticalSectionEnter();
        try {
            final Partition lower = livePartition(lowerId);
            final Partition upper = livePartition(upperId);
            // What the merged partition would read: both parents' sources over the union of their ranges.
            long total = 0;
            for (final ReadSources sources : new ReadSources[] {lower.sources(), upper.sources()}) {
                for (int i = 0; i < sources.size(); i++) {
                    total += sources.log(i).bytesBetween(sources.keyLo(i), sources.keyHi(i));
                }
            }
            return total;
        } finally {
            readPhaser.writerCriticalSectionExit(phase);
        }
    }

    /** Bytes copied by compactions since the store opened (records, padding included). */
    public long compactedBytes() {
        return compactedBytes;
    }

    /** Compactions completed since the store opened. */
    public long compactions() {
        return compactions;
    }

    /** Sealed partitions deleted since the store opened. */
    public long deletedPartitions() {
        return deletedPartitions;
    }

    /** Background compaction rounds that failed (each retried); 0 without background compaction. */
    public long compactionFailures() {
        final Compactor running = compactor;
        return running == null ? 0 : running.failures();
    }

    /** Whether partition {@code partitionId} has a compacted log (its reads no longer go through ancestors). */
    public boolean isCompacted(final long partitionId) {
        synchronized (lock) {
            final Partition partition = partitions.get(partitionId);
            return partition != null && partition.compacted() != null;
        }
    }

    /** Partitions that exist (prepared, live, sealed), by id, ascending. */
    public List<Long> partitionIds() {
        synchronized (lock) {
            return partitions.keySet().stream().sorted().toList();
        }
    }

    private Partition livePartition(final long partitionId) {
        final RoutingTable routing = routingTable;
        for (int i = 0; i < routing.size(); i++) {
            if (routing.partition(i).id() == partitionId) {
                return routing.partition(i);
            }
        }
        throw new IllegalArgumentException("no live partition [partitionId=" + partitionId + "]");
    }

    private boolean isParentOfUncompacted(final long partitionId) {
        for (final Partition other : partitions.values()) {
            if (other.compacted() == null && (other.header().firstParentId() == partitionId
                || other.header().secondParentId() == partitionId)) {
                return true;
            }
        }
        return false;
    }

    /** Renames the partition's directory away (the commit point), forgets it, then deletes the files. */
    private void deletePartition(final Partition partition, final List<Partition> deleted) {
        // Compaction of its children persisted the seal already; a partition is never deleted unsealed on disk.
        partition.log().persistSeal();
        final Path directory = partition.log().directory();
        final Path deleting = directory.resolveSibling(directory.getFileName() + DELETING_SUFFIX);
        FileOps.checkpoint("rename", deleting);
        try {
            Files.move(directory, deleting, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot delete partition", directory, e);
        }
        partitions.remove(partition.id());
        deleted.add(partition);
        deletedPartitions++;
        LOG.info("deleted a partition no reader needs [partitionId={}]", partition.id());
        catalog.remove(partition.id());
        FileOps.forceDirectory(partitionsDirectory);
        deleteTree(deleting);
    }

    /** Waits out the reads that may hold the deleted partitions' logs, then queues the logs for closing. */
    private void retire(final List<Partition> deleted) {
        readPhaser.readerLock();
        try {
            readPhaser.flipPhase();
        } finally {
            readPhaser.readerUnlock();
        }
        final long nowNs = System.nanoTime();
        for (final Partition partition : deleted) {
            deletedLogs.add(new DeletedLog(partition, nowNs));
        }
    }

    /** Closes the retired logs whose grace period is over ({@code isAll}: every one). */
    private void closeRetiredLogs(final boolean isAll) {
        final long nowNs = System.nanoTime();
        for (final Iterator<DeletedLog> it = deletedLogs.iterator(); it.hasNext(); ) {
            final DeletedLog retired = it.next();
            if (isAll || nowNs - retired.retiredAtNs() >= DELETED_LOG_GRACE_NS) {
                it.remove();
                final PartitionLog compacted = retired.partition().compacted();
                if (compacted != null) {
                    compacted.close();
                }
                retired.partition().log().close();
            }
        }
    }

    /** A deleted partition whose logs wait for their grace period before they are closed. */
    private record DeletedLog(Partition partition, long retiredAtNs) {
    }

    /** Deletes {@code directory} with its files and its sub-directories' files (one level); missing is fine. */
    private static void deleteTree(final Path directory) {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            for (final Path entry : entries.toList()) {
                if (Files.isDirectory(entry)) {
                    FileOps.deleteDirectory(entry);
                }
            }
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot list directory", directory, e);
        }
        FileOps.deleteDirectory(directory);
    }

    /** Deletes the blank partition directories an earlier run made and did not use (open only). */
    private static void deleteLeftoverBlanks(final Path blanksDirectory) {
        try (Stream<Path> entries = Files.list(blanksDirectory)) {
            for (final Path entry : entries.toList()) {
                // Never part of any partition: a prepare renames a blank out of this directory.
                deleteTree(entry);
            }
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot list blank partition directories", blanksDirectory, e);
        }
    }

    /** Deletes the {@code <id>.deleting} directories a deletion left behind (after its commit point). */
    private static void deleteInterruptedDeletions(final Path partitionsDirectory) {
        try (Stream<Path> entries = Files.list(partitionsDirectory)) {
            for (final Path entry : entries.toList()) {
                if (entry.getFileName().toString().endsWith(DELETING_SUFFIX)) {
                    LOG.info("finishing an interrupted partition deletion [directory={}]", entry);
                    deleteTree(entry);
                }
            }
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot list partitions", partitionsDirectory, e);
        }
    }

    /** Reads each source over its range cut to {@code [keyLo, keyHi]}. */
    private static void read(final ReadSources sources, final long keyLo, final long keyHi,
        final RecordVisitor visitor) {
        for (int i = 0; i < sources.size(); i++) {
            final long from = Math.max(keyLo, sources.keyLo(i));
            final long to = Math.min(keyHi, sources.keyHi(i));
            if (from <= to) {
                sources.log(i).read(from, to, visitor);
            }
        }
    }

    private Partition readablePartition(final long partitionId) {
        for (final Partition partition : readablePartitions) {
            if (partition.id() == partitionId) {
                return partition;
            }
        }
        throw new IllegalArgumentException("no committed partition [partitionId=" + partitionId + "]");
    }

    private void createChildren(final List<PartitionHeader> headers, final Partition first, final Partition second) {
        final List<Partition> created = new ArrayList<>(headers.size());
        try {
            for (final PartitionHeader header : headers) {
                if (partitions.containsKey(header.partitionId())) {
                    continue;
                }
                final Path directory = partitionsDirectory.resolve(Long.toString(header.partitionId()));
                // A directory without a partition in memory is a leftover of a failed creation: start afresh.
                FileOps.deleteDirectory(directory);
                final PartitionLog.Blank blank = blanks.poll();
                final boolean isSync = options.durability() == Durability.SYNC;
                final PartitionLog log = blank != null
                    ? PartitionLog.fromBlank(blank, directory, header, segmentLengthBytes, isSync)
                    : PartitionLog.createUnforced(directory, header, segmentLengthBytes, isSync);
                if (blank != null) {
                    childrenFromBlanks++;
                }
                final Partition child = new Partition(header, log, first, second);
                partitions.put(child.id(), child);
                created.add(child);
                maxPartitionId = Math.max(maxPartitionId, child.id());
            }
            // The vote's promise: every child on disk (files, their names, the directories' names), one batch.
            final List<ParallelForces.Force> creations = new ArrayList<>(created.size() * 2 + 1);
            for (final Partition child : created) {
                creations.addAll(child.log().creationForces());
            }
            if (!created.isEmpty()) {
                creations.add(ParallelForces.directory(partitionsDirectory));
            }
            if (!created.isEmpty()) {
                requestBlanks();
            }
            forces.forceAll(creations);
            for (final Partition child : created) {
                child.log().markCreationDurable();
            }
        } catch (final RuntimeException e) {
            for (int i = created.size() - 1; i >= 0; i--) {
                try {
                    dropPrepared(created.get(i));
                } catch (final RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private void dropPrepared(final Partition child) {
        partitions.remove(child.id());
        try {
            child.log().close();
        } finally {
            FileOps.deleteDirectory(child.log().directory());
        }
    }

    /**
     * Makes the catalog agree with the partitions recovered from the segment headers (the authority) and records
     * the epoch; logs how many entries it had to repair.
     */
    private void reconcileCatalog(final long epoch) {
        // A new catalog is filled, not repaired: only a catalog that had entries can disagree with the headers.
        final boolean isNew = catalog.partitionIds().isEmpty();
        int repaired = 0;
        for (final long id : catalog.partitionIds()) {
            if (!partitions.containsKey(id)) {
                catalog.remove(id);
                repaired++;
            }
        }
        for (final Partition partition : partitions.values()) {
            final CatalogEntry entry = entryOf(partition);
            if (!entry.equals(catalog.get(partition.id()))) {
                catalog.put(entry);
                repaired++;
            }
        }
        if (catalog.epoch() != epoch) {
            catalog.putEpoch(epoch);
        }
        if (isNew) {
            LOG.info("catalog created from segment headers [file={}, entries={}, epoch={}]", catalog.file(), repaired,
                epoch);
        } else if (repaired > 0) {
            LOG.warn("catalog reconciled with segment headers [file={}, repairedEntries={}, epoch={}]",
                catalog.file(), repaired, epoch);
        }
    }

    private static CatalogEntry entryOf(final Partition partition) {
        final PartitionHeader header = partition.header();
        final PartitionLog log = partition.log();
        final CatalogEntry.State state = !log.isCommitted() ? CatalogEntry.State.PREPARED
            : log.isSealed() ? CatalogEntry.State.SEALED : CatalogEntry.State.LIVE;
        return new CatalogEntry(header.partitionId(), header.loadSlot(), state, header.createdByTxId(),
            header.firstParentId(), header.secondParentId(), header.keyLo(), header.keyHi(), log.committedEpoch(),
            log.sealedByTxId());
    }

    private void refreshReadablePartitions() {
        final List<Partition> readable = new ArrayList<>();
        for (final Partition partition : partitions.values()) {
            if (partition.isCommitted()) {
                readable.add(partition);
            }
        }
        readable.sort(Comparator.comparingLong(Partition::id));
        final PartitionLog[] logs = new PartitionLog[readable.size()];
        for (int i = 0; i < logs.length; i++) {
            logs[i] = readable.get(i).log();
        }
        readableLogs = logs;
        readablePartitions = readable.toArray(new Partition[0]);
    }

    private void checkOpen() {
        if (isClosed) {
            throw new IllegalStateException("partition store is closed [dataDirectory=" + dataDirectory + "]");
        }
    }

    private void checkShape(final Txn txn) {
        final List<Long> ids = new ArrayList<>(parentIds(txn));
        ids.addAll(childIds(txn));
        if (ids.stream().anyMatch(id -> id < 0) || ids.stream().distinct().count() != ids.size()) {
            throw new IllegalArgumentException("transaction ids must be non-negative and distinct [txn=" + txn + "]");
        }
        checkLoadSlot(recorder, txn.firstChildSlot());
        if (txn.kind() == Txn.Kind.SPLIT) {
            checkLoadSlot(recorder, txn.secondChildSlot());
            if (txn.firstChildSlot() == txn.secondChildSlot()) {
                throw new IllegalArgumentException("split children need distinct load slots [txn=" + txn + "]");
            }
        }
    }

    private static void checkLoadSlot(final LoadRecorder recorder, final int loadSlot) {
        if (loadSlot < 0 || loadSlot >= recorder.slotCapacity()) {
            throw new IllegalArgumentException("load slot outside the recorder [loadSlot=" + loadSlot
                + ", slotCapacity=" + recorder.slotCapacity() + "]");
        }
    }

    private static boolean vote(final Txn txn, final boolean isCommit, final String reason) {
        if (isCommit) {
            LOG.info("prepare votes commit [txId={}, kind={}, reason={}]", txn.txId(), txn.kind(), reason);
        } else {
            LOG.warn("prepare votes abort [txId={}, kind={}, reason={}]", txn.txId(), txn.kind(), reason);
        }
        return isCommit;
    }

    /** The children's identities, or an empty list when the split key or the merge adjacency is invalid. */
    private static List<PartitionHeader> childHeaders(final Txn txn, final Partition first, final Partition second) {
        // Children carry the store's field count, which every partition shares (checked on open).
        final int fieldCount = first.header().fieldCount();
        if (txn.kind() == Txn.Kind.SPLIT) {
            final long splitKey = txn.splitKey();
            if (splitKey <= first.keyLo() || splitKey > first.keyHi()) {
                return List.of();
            }
            return List.of(
                new PartitionHeader(txn.firstChildId(), txn.firstChildSlot(), txn.txId(), first.id(), NONE,
                    first.keyLo(), splitKey - 1, fieldCount),
                new PartitionHeader(txn.secondChildId(), txn.secondChildSlot(), txn.txId(), first.id(), NONE,
                    splitKey, first.keyHi(), fieldCount));
        }
        if (first.keyHi() == KeySpace.MAX_KEY || first.keyHi() + 1 != second.keyLo()) {
            return List.of();
        }
        return List.of(new PartitionHeader(txn.firstChildId(), txn.firstChildSlot(), txn.txId(), first.id(),
            second.id(), first.keyLo(), second.keyHi(), fieldCount));
    }

    private static List<Long> parentIds(final Txn txn) {
        return txn.kind() == Txn.Kind.SPLIT ? List.of(txn.firstParentId())
            : List.of(txn.firstParentId(), txn.secondParentId());
    }

    private static List<Long> childIds(final Txn txn) {
        return txn.kind() == Txn.Kind.SPLIT ? List.of(txn.firstChildId(), txn.secondChildId())
            : List.of(txn.firstChildId());
    }

    private static boolean isParentOf(final PartitionHeader child, final long firstParentId,
        final long secondParentId) {
        final long a = child.firstParentId();
        final long b = child.secondParentId();
        return (a != NONE && (a == firstParentId || a == secondParentId))
            || (b != NONE && (b == firstParentId || b == secondParentId));
    }

    private static List<Path> partitionDirectories(final Path partitionsDirectory) {
        try (Stream<Path> entries = Files.list(partitionsDirectory)) {
            return entries
                .filter(Files::isDirectory)
                .filter(path -> path.getFileName().toString().matches("[0-9]{1,18}"))
                .toList();
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot list partitions", partitionsDirectory, e);
        }
    }

    /**
     * Finishes every transaction whose commit started before a crash: a transaction is committed when any child
     * is marked committed or any parent is sealed by it; then every child is marked and every parent sealed.
     */
    private static void finishCommittedTransactions(final Map<Long, PartitionLog> logs,
        final Set<Long> compactedIds) {
        final Map<Long, List<PartitionLog>> childrenByTxn = new HashMap<>();
        for (final PartitionLog log : logs.values()) {
            final long txId = log.header().createdByTxId();
            if (txId != NONE) {
                childrenByTxn.computeIfAbsent(txId, ignored -> new ArrayList<>()).add(log);
            }
        }
        for (final Map.Entry<Long, List<PartitionLog>> entry : childrenByTxn.entrySet()) {
            final long txId = entry.getKey();
            final List<PartitionLog> children = entry.getValue();
            final Set<PartitionLog> parents = new HashSet<>();
            for (final PartitionLog child : children) {
                if (compactedIds.contains(child.header().partitionId())) {
                    // Compacted after its commit finished: its parents are sealed, maybe deleted, and not needed.
                    continue;
                }
                addParent(logs, parents, child, child.header().firstParentId());
                addParent(logs, parents, child, child.header().secondParentId());
            }
            final boolean isCommitted = children.stream().anyMatch(PartitionLog::isCommitted)
                || parents.stream().anyMatch(parent -> parent.sealedByTxId() == txId);
            if (!isCommitted) {
                continue;
            }
            long epoch = 0;
            for (final PartitionLog child : children) {
                epoch = Math.max(epoch, child.committedEpoch());
            }
            if (epoch == 0) {
                // No child marked yet a parent sealed: not produced by the protocol; publish past every epoch.
                for (final PartitionLog log : logs.values()) {
                    epoch = Math.max(epoch, log.committedEpoch() + 1);
                }
            }
            boolean isFinishing = false;
            for (final PartitionLog child : children) {
                isFinishing |= !child.isCommitted();
                child.markCommitted(epoch);
            }
            for (final PartitionLog parent : parents) {
                isFinishing |= !parent.isSealed();
                parent.seal(txId);
            }
            if (isFinishing) {
                LOG.warn("finished a commit interrupted by a crash [txId={}]", txId);
            }
        }
    }

    private static void addParent(final Map<Long, PartitionLog> logs, final Set<PartitionLog> parents,
        final PartitionLog child, final long parentId) {
        if (parentId == NONE) {
            return;
        }
        final PartitionLog parent = logs.get(parentId);
        if (parent == null) {
            throw FileOps.corrupt("partition names a missing parent [directory=" + child.directory() + ", parentId="
                + parentId + "]");
        }
        parents.add(parent);
    }

    /**
     * Builds the partitions with their lineage, parents before children. A partition with a compacted log reads
     * that instead of its ancestors, so its parents are not linked (compaction may have deleted them).
     */
    private static Map<Long, Partition> link(final Map<Long, PartitionLog> logs,
        final Map<Long, PartitionLog> compactedLogs) {
        final Map<Long, Partition> partitions = new HashMap<>();
        for (final long id : logs.keySet()) {
            link(logs, compactedLogs, partitions, new HashSet<>(), id);
        }
        return partitions;
    }

    private static Partition link(final Map<Long, PartitionLog> logs, final Map<Long, PartitionLog> compactedLogs,
        final Map<Long, Partition> partitions, final Set<Long> inProgress, final long id) {
        final Partition done = partitions.get(id);
        if (done != null) {
            return done;
        }
        if (!inProgress.add(id)) {
            throw FileOps.corrupt("partition lineage has a cycle [partitionId=" + id + "]");
        }
        final PartitionLog log = logs.get(id);
        if (log == null) {
            throw FileOps.corrupt("a partition names a missing parent [parentId=" + id + "]");
        }
        final PartitionHeader header = log.header();
        final PartitionLog compacted = compactedLogs.get(id);
        final Partition partition;
        if (compacted != null) {
            partition = new Partition(header, log, compacted);
        } else {
            final Partition first = header.firstParentId() == NONE ? null
                : link(logs, compactedLogs, partitions, inProgress, header.firstParentId());
            final Partition second = header.secondParentId() == NONE ? null
                : link(logs, compactedLogs, partitions, inProgress, header.secondParentId());
            partition = new Partition(header, log, first, second);
        }
        partitions.put(id, partition);
        inProgress.remove(id);
        return partition;
    }

    /** The first failure of a cleanup sequence, with later ones attached to it, so none is lost. */
    private static RuntimeException withSuppressed(final RuntimeException first, final RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
