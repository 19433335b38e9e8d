package io.presplit.storage.meta;

import io.presplit.PresplitException;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.KeyOrder;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The store's format file, {@code <dataDir>/store.format} (spec 005): the choices fixed when a store is created,
 * today the {@link KeyOrder}. Written once, atomically (temporary file, forced, renamed, directory forced).
 * <p>
 * Layout, little-endian, 16 bytes:
 * <pre>
 * offset  size  field
 * 0       4     magic "PSTF" (0x46545350 read little-endian)
 * 4       4     version: 1
 * 8       4     key order code ({@link KeyOrder#code()})
 * 12      4     CRC32C of bytes [0, 12)
 * </pre>
 */
public final class StoreFormatFile {
    /** File name under the data directory. */
    public static final String FILE_NAME = "store.format";
    /** The magic number, "PSTF" in file byte order. */
    public static final int MAGIC = 0x46545350;
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Offset of the key order code. */
    public static final int KEY_ORDER_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the checksum of the bytes before it. */
    public static final int CHECKSUM_OFFSET = KEY_ORDER_OFFSET + Integer.BYTES;
    /** Length of the file. */
    public static final int LENGTH = CHECKSUM_OFFSET + Integer.BYTES;

    private StoreFormatFile() {
    }

    /**
     * Checks the data directory's format file against {@code keyOrder}, writing it when missing: a new store takes
     * {@code keyOrder}; a store created before this file existed has {@link KeyOrder#HASHED} partition keys, the
     * only order then, and gets the file for that order (so it refuses {@link KeyOrder#ORDERED}). Cold path.
     *
     * @param isNewStore whether the store has no partition yet.
     * @throws PresplitException ({@code STORE_FORMAT_MISMATCH}) when the store was created with another key
     *                           order; ({@code STORAGE_CORRUPT}) when the file is not a valid format file.
     */
    public static void checkOrCreate(final Path dataDirectory, final KeyOrder keyOrder, final boolean isNewStore) {
        final Path file = dataDirectory.resolve(FILE_NAME);
        final KeyOrder stored = read(file);
        if (stored == null) {
            final KeyOrder created = isNewStore ? keyOrder : KeyOrder.HASHED;
            write(file, created);
            checkSame(file, created, keyOrder);
            return;
        }
        checkSame(file, stored, keyOrder);
    }

    /** The key order recorded in {@code file}, or {@code null} when the file does not exist. */
    public static KeyOrder read(final Path file) {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final NoSuchFileException e) {
            return null;
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot read store format file", file, e);
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length != LENGTH || buffer.getInt(MAGIC_OFFSET) != MAGIC
            || buffer.getInt(CHECKSUM_OFFSET) != checksum(bytes)) {
            throw FileOps.corrupt("store format file is damaged [path=" + file + ", lengthBytes=" + bytes.length
                + "]");
        }
        if (buffer.getInt(VERSION_OFFSET) != VERSION) {
            throw FileOps.corrupt("unsupported store format version [path=" + file + ", version="
                + buffer.getInt(VERSION_OFFSET) + ", supported=" + VERSION + "]");
        }
        final KeyOrder order = KeyOrder.ofCode(buffer.getInt(KEY_ORDER_OFFSET));
        if (order == null) {
            throw FileOps.corrupt("unknown key order in store format file [path=" + file + ", code="
                + buffer.getInt(KEY_ORDER_OFFSET) + "]");
        }
        return order;
    }

    /** The file's bytes for {@code keyOrder}. */
    public static byte[] encode(final KeyOrder keyOrder) {
        final byte[] bytes = new byte[LENGTH];
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC_OFFSET, MAGIC);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(KEY_ORDER_OFFSET, keyOrder.code());
        buffer.putInt(CHECKSUM_OFFSET, checksum(bytes));
        return bytes;
    }

    private static void checkSame(final Path file, final KeyOrder stored, final KeyOrder requested) {
        if (stored != requested) {
            throw new PresplitException(PresplitException.Category.ERROR, "STORE_FORMAT_MISMATCH",
                "store was created with another key order; open it with the order it was created with [path="
                    + file + ", storedKeyOrder=" + stored + ", requestedKeyOrder=" + requested + "]");
        }
    }

    private static void write(final Path file, final KeyOrder keyOrder) {
        final Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        FileOps.checkpoint("write-format", temporary);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            final ByteBuffer buffer = ByteBuffer.wrap(encode(keyOrder));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
            FileOps.checkpoint("rename", file);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot write store format file", file, e);
        }
        FileOps.forceDirectory(file.getParent());
    }

    private static int checksum(final byte[] bytes) {
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, CHECKSUM_OFFSET);
        return (int) crc.getValue();
    }
}
