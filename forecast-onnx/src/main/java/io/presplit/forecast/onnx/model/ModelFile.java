package io.presplit.forecast.onnx.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A saved model: its {@link ModelMetadata} and its ONNX bytes in one checksummed, versioned file, so that a model
 * that is corrupt, truncated, of another kind or of an unknown format is refused with a clear error before ONNX
 * Runtime ever sees it.
 * <p>
 * Layout (all integers big-endian):
 * <table>
 *   <caption>Model file, format version 1</caption>
 *   <tr><th>offset</th><th>size</th><th>field</th></tr>
 *   <tr><td>0</td><td>8</td><td>magic, the ASCII bytes {@code PSMODEL}{@code \n}</td></tr>
 *   <tr><td>8</td><td>4</td><td>format version of this container, {@value #FORMAT_VERSION}</td></tr>
 *   <tr><td>12</td><td>4</td><td>metadata length {@code M}, at most {@value #MAX_METADATA_BYTES}</td></tr>
 *   <tr><td>16</td><td>8</td><td>model length {@code N}, at least 1</td></tr>
 *   <tr><td>24</td><td>M</td><td>metadata: one JSON object, UTF-8 (fields of {@link ModelMetadata},
 *       {@code trainedAt} as ISO-8601)</td></tr>
 *   <tr><td>24 + M</td><td>N</td><td>the ONNX model (a serialized {@code ModelProto}, weights embedded)</td></tr>
 *   <tr><td>24 + M + N</td><td>32</td><td>SHA-256 of bytes {@code [0, 24 + M + N)}</td></tr>
 * </table>
 * The file ends there: trailing bytes are corruption. A file is written to a temporary sibling, forced to disk and
 * renamed over the target, so a reader sees the old file or the new one, never half of one.
 * <p>
 * Cold path: loading and saving allocate freely. Instances are immutable and thread-safe.
 */
public final class ModelFile {
    /** Code of the failure: no file at the path. */
    public static final String MODEL_FILE_MISSING = "MODEL_FILE_MISSING";
    /** Code of the failure: the bytes are not a valid model file (magic, lengths, checksum, metadata). */
    public static final String MODEL_FILE_CORRUPT = "MODEL_FILE_CORRUPT";
    /** Code of the failure: a model file of a container format this build does not read. */
    public static final String MODEL_FILE_UNSUPPORTED = "MODEL_FILE_UNSUPPORTED";
    /** Code of the failure: a valid model file, but not the kind of model the caller serves. */
    public static final String MODEL_FILE_MISMATCH = "MODEL_FILE_MISMATCH";
    /** Code of the failure: reading or writing the file failed in the operating system. */
    public static final String MODEL_FILE_IO = "MODEL_FILE_IO";

    /** The container format this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** Largest metadata accepted: metadata is facts, not weights. */
    public static final int MAX_METADATA_BYTES = 1 << 20;
    /** The usual file-name suffix. */
    public static final String SUFFIX = ".psmodel";

    private static final byte[] MAGIC = "PSMODEL\n".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = 24;
    private static final int CHECKSUM_BYTES = 32;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelMetadata metadata;
    private final byte[] onnx;
    private final String sha256;

    private ModelFile(final ModelMetadata metadata, final byte[] onnx, final String sha256) {
        this.metadata = metadata;
        this.onnx = onnx;
        this.sha256 = sha256;
    }

    /** What the model is. */
    public ModelMetadata metadata() {
        return metadata;
    }

    /** A copy of the ONNX model bytes, ready for {@code OnnxModel.fromBytes}. */
    public byte[] onnx() {
        return onnx.clone();
    }

    /** The file's SHA-256 as lower-case hex: the identity of this exact model, for logs and the admin view. */
    public String sha256() {
        return sha256;
    }

    /**
     * Encodes a model file in memory.
     *
     * @param metadata what the model is.
     * @param onnx     the serialized ONNX model, at least one byte.
     * @return the file's bytes, in the layout of this class.
     */
    public static byte[] encode(final ModelMetadata metadata, final byte[] onnx) {
        if (onnx == null || onnx.length == 0) {
            throw new IllegalArgumentException("the ONNX model is empty");
        }
        final byte[] meta = metadataJson(metadata);
        if (meta.length > MAX_METADATA_BYTES) {
            throw new IllegalArgumentException(
                "metadata too large [bytes=" + meta.length + ", max=" + MAX_METADATA_BYTES + "]");
        }
        final long total = (long) HEADER_BYTES + meta.length + onnx.length + CHECKSUM_BYTES;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("model too large for one file [bytes=" + total + "]");
        }
        final ByteBuffer out = ByteBuffer.allocate((int) total);
        out.put(MAGIC).putInt(FORMAT_VERSION).putInt(meta.length).putLong(onnx.length).put(meta).put(onnx);
        out.put(sha256(out.array(), out.position()));
        return out.array();
    }

    /**
     * Writes a model file atomically: a reader of {@code file} sees the previous file or this one, complete.
     *
     * @throws PresplitException {@link #MODEL_FILE_IO} if the operating system fails.
     */
    public static void write(final Path file, final ModelMetadata metadata, final byte[] onnx) {
        final byte[] bytes = encode(metadata, onnx);
        final Path absolute = file.toAbsolutePath();
        final Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.createDirectories(absolute.getParent());
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                final ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel directory = FileChannel.open(absolute.getParent(), StandardOpenOption.READ)) {
                directory.force(true); // makes the rename itself durable
            }
        } catch (final IOException e) {
            throw new PresplitException(Category.ERROR, MODEL_FILE_IO,
                "cannot write model file [file=" + absolute + "]", e);
        }
    }

    /**
     * Reads and verifies a model file of any kind.
     *
     * @throws PresplitException {@link #MODEL_FILE_MISSING}, {@link #MODEL_FILE_CORRUPT},
     *                           {@link #MODEL_FILE_UNSUPPORTED} or {@link #MODEL_FILE_IO}.
     */
    public static ModelFile read(final Path file) {
        final Path absolute = file.toAbsolutePath();
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(absolute);
        } catch (final NoSuchFileException e) {
            throw new PresplitException(Category.ERROR, MODEL_FILE_MISSING,
                "model file not found [file=" + absolute + "]", e);
        } catch (final IOException e) {
            throw new PresplitException(Category.ERROR, MODEL_FILE_IO,
                "cannot read model file [file=" + absolute + "]", e);
        }
        return decode(absolute.toString(), bytes);
    }

    /**
     * Reads a model file and checks that it holds a model of {@code expectedKind}.
     *
     * @throws PresplitException as {@link #read(Path)}, or {@link #MODEL_FILE_MISMATCH} for another kind.
     */
    public static ModelFile read(final Path file, final String expectedKind) {
        return ofKind(read(file), file.toAbsolutePath().toString(), expectedKind);
    }

    /**
     * Decodes and verifies the bytes of a model file and checks that it holds a model of {@code expectedKind}.
     *
     * @param source what the bytes are, for error messages.
     * @throws PresplitException as {@link #decode(String, byte[])}, or {@link #MODEL_FILE_MISMATCH} for another kind.
     */
    public static ModelFile decode(final String source, final byte[] bytes, final String expectedKind) {
        return ofKind(decode(source, bytes), source, expectedKind);
    }

    private static ModelFile ofKind(final ModelFile model, final String source, final String expectedKind) {
        if (!model.metadata.kind().equals(expectedKind)) {
            throw new PresplitException(Category.ERROR, MODEL_FILE_MISMATCH, "model file holds another kind of model"
                + " [file=" + source + ", kind=" + model.metadata.kind() + ", expected=" + expectedKind + "]");
        }
        return model;
    }

    /**
     * Decodes and verifies the bytes of a model file.
     *
     * @param source what the bytes are, for error messages.
     * @throws PresplitException {@link #MODEL_FILE_CORRUPT} or {@link #MODEL_FILE_UNSUPPORTED}.
     */
    public static ModelFile decode(final String source, final byte[] bytes) {
        if (bytes.length < HEADER_BYTES + CHECKSUM_BYTES) {
            throw corrupt(source, "shorter than header and checksum [bytes=" + bytes.length + "]");
        }
        final ByteBuffer in = ByteBuffer.wrap(bytes);
        final byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!MessageDigest.isEqual(magic, MAGIC)) {
            throw corrupt(source, "not a Presplit model file (bad magic)");
        }
        final int version = in.getInt();
        if (version != FORMAT_VERSION) {
            throw new PresplitException(Category.ERROR, MODEL_FILE_UNSUPPORTED,
                "model file format not supported [source=" + source + ", version=" + version
                    + ", supported=" + FORMAT_VERSION + "]");
        }
        final int metaLength = in.getInt();
        final long onnxLength = in.getLong();
        final long expected = (long) HEADER_BYTES + metaLength + onnxLength + CHECKSUM_BYTES;
        if (metaLength < 2 || metaLength > MAX_METADATA_BYTES || onnxLength < 1 || expected != bytes.length) {
            throw corrupt(source, "lengths do not match the file [metadata=" + metaLength + ", model=" + onnxLength
                + ", fileBytes=" + bytes.length + ", expectedBytes=" + expected + "]");
        }
        final int body = bytes.length - CHECKSUM_BYTES;
        final byte[] actualSum = sha256(bytes, body);
        final byte[] storedSum = new byte[CHECKSUM_BYTES];
        System.arraycopy(bytes, body, storedSum, 0, CHECKSUM_BYTES);
        if (!MessageDigest.isEqual(actualSum, storedSum)) {
            throw corrupt(source, "checksum mismatch [stored=" + HexFormat.of().formatHex(storedSum)
                + ", actual=" + HexFormat.of().formatHex(actualSum) + "]");
        }
        final String meta = new String(bytes, HEADER_BYTES, metaLength, StandardCharsets.UTF_8);
        final ModelMetadata metadata = parseMetadata(source, meta);
        final byte[] onnx = new byte[(int) onnxLength];
        System.arraycopy(bytes, HEADER_BYTES + metaLength, onnx, 0, onnx.length);
        return new ModelFile(metadata, onnx, HexFormat.of().formatHex(sha256(bytes, bytes.length)));
    }

    private static byte[] metadataJson(final ModelMetadata m) {
        final ObjectNode node = JSON.createObjectNode();
        node.put("kind", m.kind());
        node.put("modelVersion", m.modelVersion());
        node.put("description", m.description());
        node.put("trainedOn", m.trainedOn());
        node.put("trainedAt", m.trainedAt().toString());
        node.put("windowTicks", m.windowTicks());
        node.put("horizonTicks", m.horizonTicks());
        node.put("normalization", m.normalization());
        final ObjectNode properties = node.putObject("properties");
        m.properties().forEach(properties::put);
        try {
            return JSON.writeValueAsBytes(node);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("cannot encode model metadata", e);
        }
    }

    private static ModelMetadata parseMetadata(final String source, final String text) {
        try {
            final JsonNode node = JSON.readTree(text);
            final Map<String, String> properties = new LinkedHashMap<>();
            final JsonNode props = required(node, "properties");
            for (final Iterator<Map.Entry<String, JsonNode>> it = props.properties().iterator(); it.hasNext();) {
                final Map.Entry<String, JsonNode> e = it.next();
                properties.put(e.getKey(), e.getValue().asText());
            }
            return new ModelMetadata(
                required(node, "kind").asText(), required(node, "modelVersion").asInt(),
                required(node, "description").asText(), required(node, "trainedOn").asText(),
                Instant.parse(required(node, "trainedAt").asText()), required(node, "windowTicks").asInt(),
                required(node, "horizonTicks").asInt(), required(node, "normalization").asText(), properties);
        } catch (final JsonProcessingException | DateTimeParseException | IllegalArgumentException e) {
            throw corrupt(source, "metadata invalid: " + e.getMessage());
        }
    }

    private static JsonNode required(final JsonNode node, final String field) {
        final JsonNode value = node == null ? null : node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("missing field " + field);
        }
        return value;
    }

    private static byte[] sha256(final byte[] bytes, final int length) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, 0, length);
            return digest.digest();
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static PresplitException corrupt(final String source, final String what) {
        return new PresplitException(Category.ERROR, MODEL_FILE_CORRUPT,
            "model file corrupt: " + what + " [source=" + source + "]");
    }

    @Override
    public String toString() {
        return "ModelFile[kind=" + metadata.kind() + ", version=" + metadata.modelVersion() + ", sha256="
            + sha256 + "]";
    }
}
