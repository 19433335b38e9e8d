package io.presplit.storage;

import io.presplit.keyspace.KeySpace;
import io.presplit.storage.log.PartitionHeader;
import io.presplit.storage.log.PartitionLog;

import java.util.ArrayList;
import java.util.List;

/**
 * A partition of the store: an inclusive key range with its log, its load slot, and its lineage (the sealed
 * partitions whose data it inherits without moving it).
 * <p>
 * Instances are created by the store and immutable apart from the log they own; routing tables refer to them.
 * Getters are safe on any thread and allocation-free, except {@link #lineage()}.
 */
public final class Partition {
    private final long id;
    private final long keyLo;
    private final long keyHi;
    private final long bucketWidth;
    private final int loadSlot;
    private final PartitionHeader header;
    private final PartitionLog log;
    /** Distinct ancestors, oldest first, then this partition (as linked: a compacted partition has none). */
    private final Partition[] lineage;
    /**
     * The logs a read of this partition visits, filtered to its range, in order: the compacted copy of the
     * ancestors' records and the own log once compacted; before, the read sources of the parents (each log once)
     * then the own log. Written by the store under its lock (compaction's switch), read by any thread.
     */
    private volatile ReadSources sources;
    /** The compacted copy of the ancestors' records in range, or {@code null}; written with {@link #sources}. */
    private volatile PartitionLog compacted;

    /**
     * @param header       the partition's identity.
     * @param log          its log (tests of routing alone may pass {@code null}).
     * @param firstParent  the partition named by {@code header.firstParentId()}, or {@code null}.
     * @param secondParent the partition named by {@code header.secondParentId()}, or {@code null}.
     */
    Partition(final PartitionHeader header, final PartitionLog log, final Partition firstParent,
        final Partition secondParent) {
        this.id = header.partitionId();
        this.keyLo = header.keyLo();
        this.keyHi = header.keyHi();
        this.bucketWidth = KeySpace.bucketWidth(keyLo, keyHi);
        this.loadSlot = header.loadSlot();
        this.header = header;
        this.log = log;
        this.lineage = lineageOf(this, firstParent, secondParent);
        this.sources = log == null ? ReadSources.none() : ReadSources.inherited(log, keyLo, keyHi,
            firstParent == null ? null : firstParent.sources, secondParent == null ? null : secondParent.sources);
    }

    /** A partition opened with its compacted log: it reads that and its own log, never its (maybe deleted) parents. */
    Partition(final PartitionHeader header, final PartitionLog log, final PartitionLog compacted) {
        this(header, log, null, null);
        installCompacted(compacted);
    }

    /** The partition id. */
    public long id() {
        return id;
    }

    /** First key of the inclusive range. */
    public long keyLo() {
        return keyLo;
    }

    /** Last key of the inclusive range. */
    public long keyHi() {
        return keyHi;
    }

    /** Whether {@code key} lies in the range. */
    public boolean contains(final long key) {
        return key >= keyLo && key <= keyHi;
    }

    /** The load recorder slot the partition's writes are counted in. */
    public int loadSlot() {
        return loadSlot;
    }

    /** The identity recorded in the partition's segment headers. */
    public PartitionHeader header() {
        return header;
    }

    /** Whether a commit made the partition routable (always true for the initial partition). */
    public boolean isCommitted() {
        return log.isCommitted();
    }

    /** Whether a split or merge sealed the partition. */
    public boolean isSealed() {
        return log.isSealed();
    }

    /** Number of segment files in the partition's own log. */
    public int segmentCount() {
        return log.segmentCount();
    }

    /** The ancestors whose sealed data this partition reads, oldest first, then this partition. Allocates. */
    public List<Partition> lineage() {
        return List.of(lineage);
    }

    /** The load bucket of {@code key}, which must lie in the range. Allocation-free. */
    int bucketOf(final long key) {
        return KeySpace.bucketOf(key, keyLo, bucketWidth);
    }

    PartitionLog log() {
        return log;
    }

    /** The logs a read visits, in order, with their ranges (see the field); one volatile read. */
    ReadSources sources() {
        return sources;
    }

    /** The compacted log, or {@code null}. */
    PartitionLog compacted() {
        return compacted;
    }

    /** Whether reads still go through ancestors' logs (compaction has work here). */
    boolean hasAncestorSources() {
        return sources.size() > 1 && compacted == null;
    }

    /** Switches reads to {@code compactedLog} and the own log. Caller: the store, under its lock. */
    void installCompacted(final PartitionLog compactedLog) {
        this.compacted = compactedLog;
        this.sources = ReadSources.compacted(compactedLog, log, keyLo, keyHi);
    }

    private static Partition[] lineageOf(final Partition self, final Partition firstParent,
        final Partition secondParent) {
        final List<Partition> lineage = new ArrayList<>();
        addLineage(lineage, firstParent);
        addLineage(lineage, secondParent);
        lineage.add(self);
        return lineage.toArray(new Partition[0]);
    }

    private static void addLineage(final List<Partition> lineage, final Partition parent) {
        if (parent == null) {
            return;
        }
        for (final Partition ancestor : parent.lineage) {
            // A merge of two siblings shares their parent: keep each ancestor once, or reads would repeat it.
            if (!lineage.contains(ancestor)) {
                lineage.add(ancestor);
            }
        }
    }

    @Override
    public String toString() {
        return "Partition [id=" + id + ", keyLo=" + keyLo + ", keyHi=" + keyHi + ", loadSlot=" + loadSlot + "]";
    }
}
