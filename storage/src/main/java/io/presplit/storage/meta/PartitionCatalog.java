package io.presplit.storage.meta;

import io.presplit.PresplitException;
import io.presplit.storage.internal.FileOps;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The partition catalog, persisted in a Chronicle Map file ({@code <dataDir>/catalog.cmap}, spec 003): one entry
 * per partition (key range, lineage, state, epochs) and the current routing epoch.
 * <p>
 * Role: the segment headers, forced at every step of the split/merge protocol, are the authority; the catalog is
 * the queryable mirror that tools and the control plane read without opening segment files. The store updates it
 * after each authoritative step and reconciles it with the headers on every open (entries the headers contradict
 * are rewritten, entries of partitions that no longer exist are removed, and the count of repairs is reported).
 * Chronicle Map writes through shared memory-mapped pages without forcing them, so a power cut may lose its last
 * updates; reconciliation repairs those. The routing epoch is also derived from the headers (each commit records
 * the epoch it publishes), so it never goes backwards after a restart.
 * <p>
 * Value encoding: {@link #VALUE_LENGTH} bytes, little-endian, with a trailing CRC32C; an entry whose checksum does
 * not match is treated as missing and repaired. Threading: the store's lock serializes every call. Cold path.
 */
public final class PartitionCatalog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionCatalog.class);
    /** File name of the catalog in the data directory. */
    public static final String FILE_NAME = "catalog.cmap";
    /**
     * Created in the data directory when the catalog closes, deleted (durably) when it opens: its presence at open
     * says the last process closed the map, so no lock in the file can be held and recovery can be skipped.
     */
    public static final String CLEAN_CLOSE_MARKER = "catalog.closed";
    /** Key of the routing epoch entry (partition keys are non-negative). */
    public static final long EPOCH_KEY = -1;
    /** Encoded length of a value: 9 longs and 2 ints, then the checksum. */
    public static final int VALUE_LENGTH = 9 * Long.BYTES + 2 * Integer.BYTES + Integer.BYTES;
    /** Most partitions the catalog is sized for (sealed ones included). */
    public static final long MAX_ENTRIES = 1 << 16;

    private final Path file;
    private final ChronicleMap<Long, byte[]> map;
    private final boolean isRecovered;
    private final ByteBuffer buffer = ByteBuffer.allocate(VALUE_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();

    private PartitionCatalog(final Path file, final ChronicleMap<Long, byte[]> map, final boolean isRecovered) {
        this.file = file;
        this.map = map;
        this.isRecovered = isRecovered;
    }

    /**
     * Opens or creates the catalog in {@code dataDirectory}.
     *
     * @throws PresplitException ({@link FileOps#STORAGE_IO}) when Chronicle Map cannot create or map the file.
     */
    public static PartitionCatalog open(final Path dataDirectory) {
        final Path file = dataDirectory.resolve(FILE_NAME);
        FileOps.checkpoint("open-catalog", file);
        try {
            final ChronicleMapBuilder<Long, byte[]> builder = ChronicleMap.of(Long.class, byte[].class)
                .name("presplit-partition-catalog")
                .entries(MAX_ENTRIES)
                .constantValueSizeBySample(new byte[VALUE_LENGTH]);
            // The map's segment locks live in the file: a process killed inside an update leaves them held, and
            // the next open would dead-lock on them. So a reopen after an unclean stop runs Chronicle Map's
            // recovery (the store owns its data directory alone), which resets the locks and repairs a torn
            // segment. After a clean close the marker says no lock is held, and the open skips recovery and its
            // warning. The marker is deleted durably before the map can change, so a later kill still recovers.
            final Path marker = dataDirectory.resolve(CLEAN_CLOSE_MARKER);
            final boolean isClean = Files.deleteIfExists(marker);
            if (isClean) {
                FileOps.forceDirectoryUnchecked(dataDirectory);
            }
            final boolean isRecovery = Files.exists(file) && !isClean;
            final ChronicleMap<Long, byte[]> map = isRecovery
                ? builder.recoverPersistedTo(file.toFile(), true)
                : builder.createPersistedTo(file.toFile());
            return new PartitionCatalog(file, map, isRecovery);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot open partition catalog", file, e);
        } catch (final RuntimeException e) {
            throw new PresplitException(PresplitException.Category.ERROR, FileOps.STORAGE_IO,
                "cannot open partition catalog [path=" + file + ", error=" + e + "]", e);
        }
    }

    /** Writes (or replaces) the entry of {@code entry.partitionId()}. */
    public void put(final CatalogEntry entry) {
        FileOps.checkpoint("catalog-put", file);
        map.put(entry.partitionId(), encode(entry));
    }

    /** Removes the entry of {@code partitionId}; no-op when absent. */
    public void remove(final long partitionId) {
        FileOps.checkpoint("catalog-remove", file);
        map.remove(partitionId);
    }

    /** The entry of {@code partitionId}, or {@code null} when absent or failing its checksum. */
    public CatalogEntry get(final long partitionId) {
        final byte[] value = map.get(partitionId);
        return value == null ? null : decode(partitionId, value);
    }

    /** Every valid partition entry, by id. Allocates. */
    public List<CatalogEntry> entries() {
        final List<CatalogEntry> entries = new ArrayList<>();
        map.forEach((key, value) -> {
            if (key != EPOCH_KEY) {
                final CatalogEntry entry = decode(key, value);
                if (entry != null) {
                    entries.add(entry);
                }
            }
        });
        entries.sort(Comparator.comparingLong(CatalogEntry::partitionId));
        return entries;
    }

    /** Ids of every key in the map except the epoch, valid or not. */
    public List<Long> partitionIds() {
        final List<Long> ids = new ArrayList<>();
        for (final Long key : map.keySet()) {
            if (key != EPOCH_KEY) {
                ids.add(key);
            }
        }
        return ids;
    }

    /** The routing epoch recorded, or 0 when none (or its checksum fails). */
    public long epoch() {
        final byte[] value = map.get(EPOCH_KEY);
        if (value == null || value.length != VALUE_LENGTH || !isChecksumValid(value)) {
            return 0;
        }
        return ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    }

    /** Records the routing epoch. */
    public void putEpoch(final long epoch) {
        FileOps.checkpoint("catalog-put", file);
        buffer.clear();
        buffer.putLong(epoch);
        while (buffer.position() < VALUE_LENGTH - Integer.BYTES) {
            buffer.put((byte) 0);
        }
        map.put(EPOCH_KEY, seal());
    }

    /** The catalog file. */
    public Path file() {
        return file;
    }

    /** Closes the map (unmaps the file). Safe to call twice. */
    @Override
    public void close() {
        if (!map.isClosed()) {
            map.close();
            final Path marker = file.resolveSibling(CLEAN_CLOSE_MARKER);
            try {
                Files.createFile(marker);
                FileOps.forceDirectoryUnchecked(file.getParent());
            } catch (final IOException e) {
                // Without the marker the next open runs recovery, which is always safe: nothing is lost.
                LOG.warn("catalog closed, but its clean-close marker could not be written; the next open will run "
                    + "Chronicle Map's recovery [path={}]", marker, e);
            }
        }
    }

    /** Whether this open ran Chronicle Map's recovery: the last process did not close the catalog. */
    public boolean isRecovered() {
        return isRecovered;
    }

    private byte[] encode(final CatalogEntry entry) {
        buffer.clear();
        buffer.putLong(entry.partitionId());
        buffer.putInt(entry.loadSlot());
        buffer.putInt(entry.state().ordinal());
        buffer.putLong(entry.createdByTxId());
        buffer.putLong(entry.firstParentId());
        buffer.putLong(entry.secondParentId());
        buffer.putLong(entry.keyLo());
        buffer.putLong(entry.keyHi());
        buffer.putLong(entry.committedEpoch());
        buffer.putLong(entry.sealedByTxId());
        buffer.putLong(0);
        return seal();
    }

    private byte[] seal() {
        crc.reset();
        crc.update(buffer.array(), 0, VALUE_LENGTH - Integer.BYTES);
        buffer.putInt(VALUE_LENGTH - Integer.BYTES, (int) crc.getValue());
        return buffer.array().clone();
    }

    private boolean isChecksumValid(final byte[] value) {
        final CRC32C check = new CRC32C();
        check.update(value, 0, VALUE_LENGTH - Integer.BYTES);
        return (int) check.getValue() == ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN)
            .getInt(VALUE_LENGTH - Integer.BYTES);
    }

    private CatalogEntry decode(final long key, final byte[] value) {
        if (value.length != VALUE_LENGTH || !isChecksumValid(value)) {
            return null;
        }
        final ByteBuffer in = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        final long partitionId = in.getLong();
        final int loadSlot = in.getInt();
        final int state = in.getInt();
        if (partitionId != key || state < 0 || state >= CatalogEntry.State.values().length) {
            return null;
        }
        return new CatalogEntry(partitionId, loadSlot, CatalogEntry.State.values()[state], in.getLong(),
            in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong(), in.getLong());
    }
}
