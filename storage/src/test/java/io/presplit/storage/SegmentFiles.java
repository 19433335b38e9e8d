package io.presplit.storage;

import io.presplit.storage.log.SegmentDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Reads and pokes segment files on disk with plain file I/O, as a crash or a tool would see them. */
public final class SegmentFiles {
    private SegmentFiles() {
    }

    /** The file of segment {@code index} of partition {@code partitionId}. */
    public static Path segment(final Path dataDirectory, final long partitionId, final int index) {
        return dataDirectory.resolve("partitions").resolve(Long.toString(partitionId))
            .resolve(SegmentDescriptor.segmentFileName(index));
    }

    /** Reads {@code length} bytes at {@code offset}, little-endian. */
    public static ByteBuffer read(final Path file, final long offset, final int length) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            final ByteBuffer buffer = ByteBuffer.allocate(length).order(SegmentDescriptor.BYTE_ORDER);
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                continue;
            }
            return buffer.flip();
        }
    }

    /** Reads a little-endian long at {@code offset}. */
    public static long readLong(final Path file, final long offset) throws IOException {
        return read(file, offset, Long.BYTES).getLong();
    }

    /** Reads a little-endian int at {@code offset}. */
    public static int readInt(final Path file, final long offset) throws IOException {
        return read(file, offset, Integer.BYTES).getInt();
    }

    /** Writes {@code bytes} at {@code offset}. */
    public static void write(final Path file, final long offset, final byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + buffer.position());
            }
        }
    }

    /** Writes a little-endian long at {@code offset}. */
    public static void writeLong(final Path file, final long offset, final long value) throws IOException {
        write(file, offset, ByteBuffer.allocate(Long.BYTES).order(SegmentDescriptor.BYTE_ORDER).putLong(value)
            .array());
    }
}
