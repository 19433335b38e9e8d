package io.presplit.monitor;

import io.presplit.PresplitException;
import io.presplit.memory.FileSpace;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Presplit's counters ({@link CounterId}) as Agrona counters in a memory-mapped file, so that tools outside the
 * process (and {@link #read(Path)}) can read them while it runs.
 * <p>
 * File layout: the Agrona counters layout ({@link CountersReader}: metadata records of
 * {@link CountersReader#METADATA_LENGTH} bytes, then values records of {@link CountersReader#COUNTER_LENGTH}
 * bytes, one per counter id), metadata first, then values; {@value #FILE_LENGTH_DESCRIPTION}.
 * <p>
 * Threading: each counter has one writer (the thread of the component that owns it) and any number of readers;
 * values are published with ordered stores. Allocation-free after construction.
 */
public final class MonitorCounters implements AutoCloseable {
    static final String FILE_LENGTH_DESCRIPTION = "the values section holds 64 counters";
    private static final int MAX_COUNTERS = 64;
    private static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    private static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;

    private final MappedByteBuffer mapped;
    private final AtomicCounter[] counters = new AtomicCounter[CounterId.values().length];
    private boolean isClosed;

    private MonitorCounters(final MappedByteBuffer mapped) {
        this.mapped = mapped;
        final AtomicBuffer metadata = new UnsafeBuffer(mapped, 0, METADATA_LENGTH);
        final AtomicBuffer values = new UnsafeBuffer(mapped, METADATA_LENGTH, VALUES_LENGTH);
        final CountersManager manager = new CountersManager(metadata, values);
        for (final CounterId id : CounterId.values()) {
            final int allocated = manager.allocate(id.label());
            if (allocated != id.id()) {
                throw new IllegalStateException("counter ids out of order [counter=" + id + ", expected=" + id.id()
                    + ", allocated=" + allocated + "]");
            }
            counters[id.ordinal()] = new AtomicCounter(values, allocated, manager);
        }
    }

    /**
     * Creates (or replaces) the counters file.
     *
     * @throws PresplitException (ERROR, COUNTERS_IO) if it cannot be created.
     */
    public static MonitorCounters create(final Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            // Reserved, or a full disk would fault the first counter update through the mapping, on a hot path.
            FileSpace.reserve(file, METADATA_LENGTH + VALUES_LENGTH);
            return new MonitorCounters(channel.map(FileChannel.MapMode.READ_WRITE, 0, METADATA_LENGTH
                + VALUES_LENGTH));
        } catch (final IOException ex) {
            throw new PresplitException(PresplitException.Category.ERROR, "COUNTERS_IO",
                "cannot create counters file [file=" + file + "]", ex);
        }
    }

    /** The counter {@code id}; its owner thread writes it. */
    public AtomicCounter counter(final CounterId id) {
        return counters[id.ordinal()];
    }

    /** Sets {@code id} to {@code value} with an ordered store. Allocation-free. */
    public void set(final CounterId id, final long value) {
        counters[id.ordinal()].setRelease(value);
    }

    /** Reads every counter of a counters file, label to value, for tools and tests. Cold path. */
    public static Map<String, Long> read(final Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("counters file not found [file=" + file + "]");
        }
        final MappedByteBuffer mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, METADATA_LENGTH + VALUES_LENGTH);
        }
        try {
            final CountersReader reader = new CountersReader(new UnsafeBuffer(mapped, 0, METADATA_LENGTH),
                new UnsafeBuffer(mapped, METADATA_LENGTH, VALUES_LENGTH));
            final Map<String, Long> values = new LinkedHashMap<>();
            reader.forEach((counterId, label) -> values.put(label, reader.getCounterValue(counterId)));
            return values;
        } finally {
            IoUtil.unmap(mapped);
        }
    }

    /** Unmaps the file. Safe to call twice; no thread may write afterwards. */
    @Override
    public void close() {
        if (!isClosed) {
            isClosed = true;
            IoUtil.unmap(mapped);
        }
    }
}
