package io.presplit.storage;

import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.KeyOrder;
import io.presplit.storage.log.SegmentDescriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * How a {@link PartitionStore} is opened: segment length, durability, and the choices fixed at creation (key
 * order, fields).
 *
 * @param segmentLengthBytes    length of new segment files: a multiple of 8, at least
 *                              {@link SegmentDescriptor#minSegmentLength(int)} of the field count.
 * @param durability            when writes are acknowledged (see {@link Durability}).
 * @param groupCommitMaxDelayNs under {@link Durability#GROUP}: how long the committer lets a batch gather after
 *                              the first pending write before it forces; 0 forces as soon as a write is pending
 *                              (batches then form while the previous force runs). At most one second.
 * @param isPreallocatingSegments whether background threads create each live partition's next segment ahead
 *                              of its roll and fault in its pages ahead of the appends (default), so that a
 *                              write waits neither for a file creation nor for a fresh page's first fault.
 * @param compactionBytesPerSecond the background compaction thread's budget (bytes copied per second); 0 (the
 *                              default) runs no background compaction ({@link PartitionStore#compact} still works).
 * @param keyOrder              how partition keys derive from series keys; fixed when the store is created.
 * @param fields                the named float64 fields of every point ({@link FieldSchema#SINGLE} by default);
 *                              fixed when the store is created.
 * @param writerCpus            writer-core pinning (Linux): empty (the default) pins nothing; otherwise each
 *                              {@link PartitionStore#openWriter} moves its calling thread onto the next of these CPUs
 *                              (round robin), and the store's background threads run on the other online CPUs. The
 *                              rest of the process is the launcher's to keep off them (e.g. {@code taskset}; see
 *                              docs/OPERATIONS.md, "Writer-core pinning").
 */
public record StoreOptions(long segmentLengthBytes, Durability durability, long groupCommitMaxDelayNs,
    boolean isPreallocatingSegments, long compactionBytesPerSecond, KeyOrder keyOrder, FieldSchema fields,
    List<Integer> writerCpus) {
    /** Default batch-gathering delay of group commit: 100 µs. */
    public static final long DEFAULT_GROUP_COMMIT_MAX_DELAY_NS = TimeUnit.MICROSECONDS.toNanos(100);
    private static final long MAX_GROUP_COMMIT_DELAY_NS = TimeUnit.SECONDS.toNanos(1);

    /**
     * Checks the options.
     *
     * @throws IllegalArgumentException on an invalid segment length or delay, or a negative writer CPU.
     * @throws NullPointerException     on a {@code null} component.
     */
    public StoreOptions {
        Objects.requireNonNull(durability, "durability");
        Objects.requireNonNull(keyOrder, "keyOrder");
        Objects.requireNonNull(fields, "fields");
        writerCpus = List.copyOf(writerCpus);
        for (final int cpu : writerCpus) {
            if (cpu < 0) {
                throw new IllegalArgumentException("negative writer CPU [writerCpus=" + writerCpus + "]");
            }
        }
        if (compactionBytesPerSecond < 0) {
            throw new IllegalArgumentException("compaction budget must not be negative [compactionBytesPerSecond="
                + compactionBytesPerSecond + "]");
        }
        final long minLengthBytes = SegmentDescriptor.minSegmentLength(fields.count());
        if (segmentLengthBytes < minLengthBytes || segmentLengthBytes % SegmentDescriptor.RECORD_ALIGNMENT != 0) {
            throw new IllegalArgumentException("invalid segment length [segmentLengthBytes=" + segmentLengthBytes
                + ", minLengthBytes=" + minLengthBytes + ", fieldCount=" + fields.count() + ", alignment="
                + SegmentDescriptor.RECORD_ALIGNMENT + "]");
        }
        if (groupCommitMaxDelayNs < 0 || groupCommitMaxDelayNs > MAX_GROUP_COMMIT_DELAY_NS) {
            throw new IllegalArgumentException("invalid group commit delay [groupCommitMaxDelayNs="
                + groupCommitMaxDelayNs + ", maxNs=" + MAX_GROUP_COMMIT_DELAY_NS + "]");
        }
    }

    /** Default segment length, the given durability, the default group commit delay. */
    public static StoreOptions of(final Durability durability) {
        return new StoreOptions(PartitionStore.DEFAULT_SEGMENT_LENGTH_BYTES, durability,
            DEFAULT_GROUP_COMMIT_MAX_DELAY_NS, true, 0, KeyOrder.HASHED, FieldSchema.SINGLE, List.of());
    }

    /** These options with another segment length. */
    public StoreOptions withSegmentLengthBytes(final long lengthBytes) {
        return new StoreOptions(lengthBytes, durability, groupCommitMaxDelayNs, isPreallocatingSegments,
            compactionBytesPerSecond, keyOrder, fields, writerCpus);
    }

    /** These options with another group commit delay. */
    public StoreOptions withGroupCommitMaxDelayNs(final long delayNs) {
        return new StoreOptions(segmentLengthBytes, durability, delayNs, isPreallocatingSegments,
            compactionBytesPerSecond, keyOrder, fields, writerCpus);
    }

    /** These options with a background compaction budget in bytes per second (0: no background compaction). */
    public StoreOptions withCompactionBytesPerSecond(final long bytesPerSecond) {
        return new StoreOptions(segmentLengthBytes, durability, groupCommitMaxDelayNs, isPreallocatingSegments,
            bytesPerSecond, keyOrder, fields, writerCpus);
    }

    /** These options with another key order (only a new store takes it; an existing one must match). */
    public StoreOptions withKeyOrder(final KeyOrder order) {
        return new StoreOptions(segmentLengthBytes, durability, groupCommitMaxDelayNs, isPreallocatingSegments,
            compactionBytesPerSecond, order, fields, writerCpus);
    }

    /** These options with segment pre-creation on or off. */
    public StoreOptions withPreallocatingSegments(final boolean isPreallocating) {
        return new StoreOptions(segmentLengthBytes, durability, groupCommitMaxDelayNs, isPreallocating,
            compactionBytesPerSecond, keyOrder, fields, writerCpus);
    }

    /**
     * These options with other fields (only a new store takes them; an existing one must match).
     *
     * @throws IllegalArgumentException when the segment length cannot hold a longest record of that many fields.
     */
    public StoreOptions withFields(final FieldSchema schema) {
        return new StoreOptions(segmentLengthBytes, durability, groupCommitMaxDelayNs, isPreallocatingSegments,
            compactionBytesPerSecond, keyOrder, schema, writerCpus);
    }

    /**
     * These options with writer-core pinning onto these CPUs (none: no pinning); see {@link #writerCpus()}. The CPUs
     * are checked against the online ones when the store opens.
     */
    public StoreOptions withWriterCpus(final int... cpus) {
        final List<Integer> list = new ArrayList<>(cpus.length);
        for (final int cpu : cpus) {
            list.add(cpu);
        }
        return new StoreOptions(segmentLengthBytes, durability, groupCommitMaxDelayNs, isPreallocatingSegments,
            compactionBytesPerSecond, keyOrder, fields, list);
    }

    /** These options with fields of these names, in record order. */
    public StoreOptions withFields(final String... names) {
        return withFields(FieldSchema.of(names));
    }
}
