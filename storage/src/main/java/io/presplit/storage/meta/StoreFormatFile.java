package io.presplit.storage.meta;

import io.presplit.PresplitException;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.KeyOrder;
import io.presplit.storage.log.SegmentDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The store's format file, {@code <dataDir>/store.format} (spec 005): the choices fixed when a store is created,
 * the {@link KeyOrder} and the {@link FieldSchema}. Written once, atomically (temporary file, forced, renamed,
 * directory forced).
 * <p>
 * Layout of version 2, little-endian, {@code 20 + sum(2 + name length)} bytes:
 * <pre>
 * offset  size  field
 * 0       4     magic "PSTF" (0x46545350 read little-endian)
 * 4       4     version: 2
 * 8       4     key order code ({@link KeyOrder#code()})
 * 12      4     field count N, 1..{@link SegmentDescriptor#MAX_FIELD_COUNT}
 * 16      ...   N field names in record order, each: name length L (uint16), then L bytes of UTF-8
 * end-4   4     CRC32C of every byte before it
 * </pre>
 * Version 1 (16 bytes: magic, version 1, key order code at 8, CRC32C of bytes [0, 12) at 12), written before
 * multi-field points, is read as a store of one field named {@value FieldSchema#DEFAULT_FIELD_NAME}; it is left as it
 * is (its segments are one-field segments, spec 001).
 */
public final class StoreFormatFile {
    /** File name under the data directory. */
    public static final String FILE_NAME = "store.format";
    /** The magic number, "PSTF" in file byte order. */
    public static final int MAGIC = 0x46545350;
    /** The format version this code writes. */
    public static final int VERSION = 2;
    /** The first version: key order only, one field; read, never written. */
    public static final int VERSION_ONE_FIELD = 1;
    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    /** Offset of the key order code. */
    public static final int KEY_ORDER_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the field count (version 2). */
    public static final int FIELD_COUNT_OFFSET = KEY_ORDER_OFFSET + Integer.BYTES;
    /** Offset of the first field name's length (version 2). */
    public static final int FIELD_NAMES_OFFSET = FIELD_COUNT_OFFSET + Integer.BYTES;
    /** Bytes of a field name's length prefix. */
    public static final int NAME_LENGTH_BYTES = Short.BYTES;
    /** Offset of the checksum in version 1. */
    public static final int CHECKSUM_OFFSET_V1 = KEY_ORDER_OFFSET + Integer.BYTES;
    /** Length of a version 1 file. */
    public static final int LENGTH_V1 = CHECKSUM_OFFSET_V1 + Integer.BYTES;

    private StoreFormatFile() {
    }

    /**
     * What a format file records.
     *
     * @param keyOrder how partition keys derive from series keys.
     * @param fields   the fields of every point.
     */
    public record StoreFormat(KeyOrder keyOrder, FieldSchema fields) {
    }

    /**
     * Checks the data directory's format file against {@code keyOrder} and {@code fields}, writing it when
     * missing: a new store takes them; a store created before this file existed has {@link KeyOrder#HASHED}
     * partition keys and one field, the only choices then, and gets the file for those (so it refuses others).
     * Cold path.
     *
     * @param isNewStore whether the store has no partition yet.
     * @throws PresplitException ({@code STORE_FORMAT_MISMATCH}) when the store was created with another key
     *                           order or other fields; ({@code STORAGE_CORRUPT}) when the file is not a valid
     *                           format file.
     */
    public static void checkOrCreate(final Path dataDirectory, final KeyOrder keyOrder, final FieldSchema fields,
        final boolean isNewStore) {
        final Path file = dataDirectory.resolve(FILE_NAME);
        final StoreFormat stored = read(file);
        if (stored == null) {
            final StoreFormat created = isNewStore ? new StoreFormat(keyOrder, fields)
                : new StoreFormat(KeyOrder.HASHED, FieldSchema.SINGLE);
            write(file, created);
            checkSame(file, created, keyOrder, fields);
            return;
        }
        checkSame(file, stored, keyOrder, fields);
    }

    /** What {@code file} records, or {@code null} when the file does not exist. */
    public static StoreFormat read(final Path file) {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final NoSuchFileException e) {
            return null;
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot read store format file", file, e);
        }
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < LENGTH_V1 || buffer.getInt(MAGIC_OFFSET) != MAGIC
            || buffer.getInt(bytes.length - Integer.BYTES) != checksum(bytes, bytes.length - Integer.BYTES)) {
            throw FileOps.corrupt("store format file is damaged [path=" + file + ", lengthBytes=" + bytes.length
                + "]");
        }
        final int version = buffer.getInt(VERSION_OFFSET);
        if (version != VERSION && version != VERSION_ONE_FIELD
            || version == VERSION_ONE_FIELD && bytes.length != LENGTH_V1) {
            throw FileOps.corrupt("unsupported store format version [path=" + file + ", version=" + version
                + ", lengthBytes=" + bytes.length + ", supported=" + VERSION_ONE_FIELD + ".." + VERSION + "]");
        }
        final KeyOrder order = KeyOrder.ofCode(buffer.getInt(KEY_ORDER_OFFSET));
        if (order == null) {
            throw FileOps.corrupt("unknown key order in store format file [path=" + file + ", code="
                + buffer.getInt(KEY_ORDER_OFFSET) + "]");
        }
        if (version == VERSION_ONE_FIELD) {
            return new StoreFormat(order, FieldSchema.SINGLE);
        }
        return new StoreFormat(order, readFields(file, buffer, bytes.length - Integer.BYTES));
    }

    private static FieldSchema readFields(final Path file, final ByteBuffer buffer, final int end) {
        final int count = bytesAvailable(end, FIELD_NAMES_OFFSET) ? buffer.getInt(FIELD_COUNT_OFFSET) : -1;
        if (count < 1 || count > SegmentDescriptor.MAX_FIELD_COUNT) {
            throw FileOps.corrupt("invalid field count in store format file [path=" + file + ", fieldCount="
                + count + "]");
        }
        final List<String> names = new ArrayList<>(count);
        int position = FIELD_NAMES_OFFSET;
        for (int i = 0; i < count; i++) {
            final int length = bytesAvailable(end, position + NAME_LENGTH_BYTES)
                ? Short.toUnsignedInt(buffer.getShort(position)) : -1;
            position += NAME_LENGTH_BYTES;
            if (length < 0 || !bytesAvailable(end, position + length)) {
                throw FileOps.corrupt("field name runs past the end of the store format file [path=" + file
                    + ", fieldIndex=" + i + "]");
            }
            names.add(new String(buffer.array(), position, length, StandardCharsets.UTF_8));
            position += length;
        }
        if (position != end) {
            throw FileOps.corrupt("store format file has bytes after its field names [path=" + file + ", end="
                + position + ", checksumOffset=" + end + "]");
        }
        try {
            return new FieldSchema(names);
        } catch (final IllegalArgumentException e) {
            throw FileOps.corrupt("invalid field names in store format file [path=" + file + ", reason="
                + e.getMessage() + "]");
        }
    }

    private static boolean bytesAvailable(final int end, final int upTo) {
        return upTo <= end;
    }

    /** The file's bytes (version 2) for {@code format}. */
    public static byte[] encode(final StoreFormat format) {
        final FieldSchema fields = format.fields();
        int length = FIELD_NAMES_OFFSET + Integer.BYTES;
        final byte[][] names = new byte[fields.count()][];
        for (int i = 0; i < names.length; i++) {
            names[i] = fields.name(i).getBytes(StandardCharsets.UTF_8);
            length += NAME_LENGTH_BYTES + names[i].length;
        }
        final byte[] bytes = new byte[length];
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC_OFFSET, MAGIC);
        buffer.putInt(VERSION_OFFSET, VERSION);
        buffer.putInt(KEY_ORDER_OFFSET, format.keyOrder().code());
        buffer.putInt(FIELD_COUNT_OFFSET, names.length);
        int position = FIELD_NAMES_OFFSET;
        for (final byte[] name : names) {
            buffer.putShort(position, (short) name.length);
            position += NAME_LENGTH_BYTES;
            buffer.put(position, name);
            position += name.length;
        }
        buffer.putInt(position, checksum(bytes, position));
        return bytes;
    }

    private static void checkSame(final Path file, final StoreFormat stored, final KeyOrder keyOrder,
        final FieldSchema fields) {
        if (stored.keyOrder() != keyOrder) {
            throw new PresplitException(PresplitException.Category.ERROR, "STORE_FORMAT_MISMATCH",
                "store was created with another key order; open it with the order it was created with [path="
                    + file + ", storedKeyOrder=" + stored.keyOrder() + ", requestedKeyOrder=" + keyOrder + "]");
        }
        if (!stored.fields().equals(fields)) {
            throw new PresplitException(PresplitException.Category.ERROR, "STORE_FORMAT_MISMATCH",
                "store was created with other fields; open it with the fields it was created with [path="
                    + file + ", storedFields=" + stored.fields() + ", requestedFields=" + fields + "]");
        }
    }

    private static void write(final Path file, final StoreFormat format) {
        final Path temporary = file.resolveSibling(FILE_NAME + ".tmp");
        FileOps.checkpoint("write-format", temporary);
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            final ByteBuffer buffer = ByteBuffer.wrap(encode(format));
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

    private static int checksum(final byte[] bytes, final int lengthBytes) {
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, lengthBytes);
        return (int) crc.getValue();
    }
}
