package io.presplit.storage;

import static io.presplit.storage.log.SegmentDescriptor.NONE;

import io.presplit.PresplitException;
import io.presplit.coordinate.PartitionParticipant;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.PartitionHeader;
import io.presplit.storage.log.PartitionLog;
import io.presplit.storage.log.RecordVisitor;
import io.presplit.storage.log.SegmentDescriptor;
import io.presplit.storage.meta.CatalogEntry;
import io.presplit.storage.meta.PartitionCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>
 * Recovery on open: a partition directory with no segment (a torn prepare) is deleted; each log recovers its
 * tails; a transaction is treated as committed when any of its children is marked committed or any of its parents
 * is sealed by it, and its commit is then finished (the other children marked, the other parents sealed); the
 * partitions that are committed and not sealed must tile the key space. The routing epoch is persisted: after an
 * open it is the largest epoch a commit recorded (1 for a new store), never lower than before the restart.
 * <p>
 * Durability ({@link Durability}, chosen at open): SYNC forces each record, GROUP acknowledges writes after a
 * batched force, ASYNC leaves records to the operating system's writeback. Prepare, commit, seals and close always
 * force.
 */
public final class PartitionStore implements PartitionParticipant, AutoCloseable {
    /** Default length of a segment file: 64 MiB. */
    public static final long DEFAULT_SEGMENT_LENGTH_BYTES = 64L << 20;
    /** Name of the directory, under the data directory, that holds one directory per partition. */
    public static final String PARTITIONS_DIRECTORY = "partitions";
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
    /** Pre-creates next segments when {@link StoreOptions#isPreallocatingSegments()}, else {@code null}. */
    private final SegmentPreallocator preallocator;
    private final LoadRecorder recorder;
    private final Object lock = new Object();
    /** Every open partition, prepared ones included; guarded by {@link #lock}. */
    private final Map<Long, Partition> partitions;
    private long maxPartitionId;
    private boolean isClosed;

    private PartitionStore(final Path dataDirectory, final StoreOptions options, final LoadRecorder recorder,
        final Map<Long, Partition> partitions, final PartitionCatalog catalog) {
        this.catalog = catalog;
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
            ? new GroupCommitter(() -> readableLogs, options.groupCommitMaxDelayNs()) : null;
        this.preallocator = options.isPreallocatingSegments() ? new SegmentPreallocator() : null;
        if (preallocator != null) {
            for (final Partition partition : live) {
                partition.log().enableSpares(preallocator);
            }
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
        final boolean isForcingEachAppend = options.durability() == Durability.SYNC;
        final Path partitionsDirectory = dataDirectory.resolve(PARTITIONS_DIRECTORY);
        try {
            Files.createDirectories(partitionsDirectory);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot create data directory", partitionsDirectory, e);
        }
        FileOps.forceDirectory(dataDirectory);
        // Opened in id order, closed in reverse on failure.
        final TreeMap<Long, PartitionLog> logs = new TreeMap<>();
        PartitionCatalog catalog = null;
        try {
            for (final Path directory : partitionDirectories(partitionsDirectory)) {
                final long id = Long.parseLong(directory.getFileName().toString());
                if (!PartitionLog.hasSegments(directory)) {
                    LOG.warn("deleting torn partition directory [directory={}]", directory);
                    FileOps.deleteDirectory(directory);
                    continue;
                }
                final PartitionLog log = PartitionLog.open(directory, segmentLengthBytes, isForcingEachAppend);
                logs.put(id, log);
                if (log.header().partitionId() != id) {
                    throw FileOps.corrupt("partition directory and header disagree [directory=" + directory
                        + ", headerPartitionId=" + log.header().partitionId() + "]");
                }
            }
            if (logs.isEmpty()) {
                final PartitionHeader initial = PartitionHeader.initial(
                    INITIAL_PARTITION_ID, INITIAL_LOAD_SLOT, KeySpace.MIN_KEY, KeySpace.MAX_KEY);
                logs.put(INITIAL_PARTITION_ID, PartitionLog.create(
                    partitionsDirectory.resolve(Long.toString(INITIAL_PARTITION_ID)), initial, segmentLengthBytes,
                    true, isForcingEachAppend));
            }
            for (final PartitionLog log : logs.values()) {
                checkLoadSlot(recorder, log.header().loadSlot());
            }
            finishCommittedTransactions(logs);
            catalog = PartitionCatalog.open(dataDirectory);
            return new PartitionStore(dataDirectory, options, recorder, link(logs), catalog);
        } catch (final RuntimeException e) {
            if (catalog != null) {
                try {
                    catalog.close();
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
            throw e;
        }
    }

    /**
     * A writer for the calling thread. Claims one load recorder stripe, which stays claimed for the recorder's
     * lifetime (the recorder cannot release stripes), so open one writer per ingest thread and keep it. Cold path.
     *
     * @throws IllegalStateException when the recorder has no free stripe or the store is closed.
     */
    public PartitionWriter openWriter() {
        synchronized (lock) {
            checkOpen();
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

    /** The current routing snapshot. Any thread; one volatile read. */
    public RoutingTable routingTable() {
        return routingTable;
    }

    /**
     * Visits every record of every committed partition, live and sealed, each exactly once: partitions in id
     * order, records in log order. Any thread; allocates one flyweight per partition.
     */
    public void scan(final RecordVisitor visitor) {
        for (final Partition partition : readablePartitions) {
            partition.log().read(visitor);
        }
    }

    /**
     * Visits the records of partition {@code partitionId} as its readers see them: the records of its sealed
     * ancestors whose key lies in its range (oldest ancestor first), then its own.
     *
     * @throws IllegalArgumentException when no committed partition has that id.
     */
    public void scanPartition(final long partitionId, final RecordVisitor visitor) {
        final Partition partition = readablePartition(partitionId);
        for (final Partition source : partition.lineageArray()) {
            source.log().read(partition.keyLo(), partition.keyHi(), visitor);
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
        final long key = KeySpace.partitionKey(utf8);
        final MemorySegment keyBytes = MemorySegment.ofArray(utf8);
        final RecordVisitor filter = (partitionId, record) -> {
            final long timestampNs = record.timestampNs();
            if (timestampNs >= fromNs && timestampNs <= toNs && record.seriesKeyEquals(keyBytes)) {
                visitor.onRecord(partitionId, record);
            }
        };
        for (final Partition source : routingTable.route(key).lineageArray()) {
            source.log().read(key, key, filter);
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
     * Order: mark the children committed on disk (forced), publish the next routing epoch with the children in
     * place of the parents, seal the parents (waiting for in-flight appends, forced). A repeat finds each step
     * done and skips it.
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
                // Present: a child names it, and partitions are never removed once committed.
                parents.add(partitions.get(parentId));
            }
            final RoutingTable routing = routingTable;
            final boolean isPublishing = routing.contains(parents.getFirst());
            // A repeat finds the children marked and keeps their epoch (markCommitted is idempotent).
            final long epoch = isPublishing ? routing.epoch() + 1 : children.getFirst().log().committedEpoch();
            for (final Partition child : children) {
                child.log().markCommitted(epoch);
            }
            refreshReadablePartitions();
            if (isPublishing) {
                routingTable = routing.replace(parents, children);
            }
            for (final Partition parent : parents) {
                parent.log().seal(txn.txId());
            }
            for (final Partition child : children) {
                catalog.put(entryOf(child));
                if (preallocator != null) {
                    child.log().enableSpares(preallocator);
                }
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
     * Forces and closes every partition log (highest id first), releasing every mapping and file. Safe to call
     * twice. Writers and readers must have stopped.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (isClosed) {
                return;
            }
            isClosed = true;
            RuntimeException failure = null;
            if (preallocator != null) {
                preallocator.close();
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
            for (final Partition partition : all) {
                try {
                    partition.log().close();
                } catch (final RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            try {
                catalog.close();
            } catch (final RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
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
                final PartitionLog log = PartitionLog.create(directory, header, segmentLengthBytes, false,
                    options.durability() == Durability.SYNC);
                final Partition child = new Partition(header, log, first, second);
                partitions.put(child.id(), child);
                created.add(child);
                maxPartitionId = Math.max(maxPartitionId, child.id());
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
        if (txn.kind() == Txn.Kind.SPLIT) {
            final long splitKey = txn.splitKey();
            if (splitKey <= first.keyLo() || splitKey > first.keyHi()) {
                return List.of();
            }
            return List.of(
                new PartitionHeader(txn.firstChildId(), txn.firstChildSlot(), txn.txId(), first.id(), NONE,
                    first.keyLo(), splitKey - 1),
                new PartitionHeader(txn.secondChildId(), txn.secondChildSlot(), txn.txId(), first.id(), NONE,
                    splitKey, first.keyHi()));
        }
        if (first.keyHi() == KeySpace.MAX_KEY || first.keyHi() + 1 != second.keyLo()) {
            return List.of();
        }
        return List.of(new PartitionHeader(txn.firstChildId(), txn.firstChildSlot(), txn.txId(), first.id(),
            second.id(), first.keyLo(), second.keyHi()));
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
    private static void finishCommittedTransactions(final Map<Long, PartitionLog> logs) {
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

    /** Builds the partitions with their lineage, parents before children. */
    private static Map<Long, Partition> link(final Map<Long, PartitionLog> logs) {
        final Map<Long, Partition> partitions = new HashMap<>();
        for (final long id : logs.keySet()) {
            link(logs, partitions, new HashSet<>(), id);
        }
        return partitions;
    }

    private static Partition link(final Map<Long, PartitionLog> logs, final Map<Long, Partition> partitions,
        final Set<Long> inProgress, final long id) {
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
        final Partition first = header.firstParentId() == NONE ? null
            : link(logs, partitions, inProgress, header.firstParentId());
        final Partition second = header.secondParentId() == NONE ? null
            : link(logs, partitions, inProgress, header.secondParentId());
        final Partition partition = new Partition(header, log, first, second);
        partitions.put(id, partition);
        inProgress.remove(id);
        return partition;
    }
}
