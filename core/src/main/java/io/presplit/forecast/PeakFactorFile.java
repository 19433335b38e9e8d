package io.presplit.forecast;

import io.presplit.PresplitException;

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
 * The learnt factors of a {@link RollUpForecaster} on disk, so that a restart keeps them: per slot the peak factor
 * {@code log κ} and the horizon factor {@code log λ} (docs/spec/006-peak-factors.md, the source of truth).
 * <p>
 * Why a file of their own: every other learnt state of the forecasters (fits, ensemble weights, interval scales)
 * is rebuilt from the persisted load history within a season of ticks after a start, but {@code κ} learns from each
 * row's peak tick, which the history does not keep (its roll-up rows hold sums), and {@code λ} from a day of row
 * peaks per sample: relearning them takes days, during which the long steps' bounds are too low. The rows and
 * look-aheads in progress are not kept: a restarted slot starts tracking at the next row end.
 * <p>
 * Layout (all integers and floats little-endian; {@code n} the slot capacity):
 * <pre>
 * offset          size    field
 * 0               4       magic 0x50534B46 ("PSKF")
 * 4               4       version 1
 * 8               4       slotCapacity n
 * 12              4       roll-up level of the forecaster
 * 16 + 16 s       8       slot s: log κ (float64; NaN: not learnt)
 * 24 + 16 s       8       slot s: log λ (float64, finite, at least 0)
 * 16 + 16 n       4       CRC-32C (Castagnoli) of bytes [0, 16 + 16 n)
 * </pre>
 * A file is written whole to a temporary sibling, forced to disk and renamed over the old one, so a crash leaves
 * either the old file or the new one. Reading refuses, with {@link PresplitException} code
 * {@link #INVALID} naming the file and what was wrong, a file of the wrong length, magic, version, checksum, shape
 * (slot capacity or level) or with a factor out of range: the operator deletes it to relearn (a guess would bound
 * the long steps with factors of another configuration).
 * <p>
 * Threading: the control thread (the forecaster is not thread-safe). Cold path: allocates a buffer of the file's
 * size (16 B per slot) per call.
 */
public final class PeakFactorFile {
    /** The file's name in the data directory. */
    public static final String FILE_NAME = "peak-factors.dat";
    /** {@link PresplitException} code of a file that is not a valid factors file for the forecaster. */
    public static final String INVALID = "PEAK_FACTORS_INVALID";
    /** {@link PresplitException} code of a failed read or write. */
    public static final String IO = "PEAK_FACTORS_IO";
    /** "PSKF" as a little-endian int. */
    public static final int MAGIC = 0x50534B46;
    public static final int VERSION = 1;
    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Integer.BYTES;
    public static final int SLOT_CAPACITY_OFFSET = VERSION_OFFSET + Integer.BYTES;
    public static final int LEVEL_OFFSET = SLOT_CAPACITY_OFFSET + Integer.BYTES;
    public static final int HEADER_LENGTH = LEVEL_OFFSET + Integer.BYTES;
    /** Bytes per slot: {@code log κ}, then {@code log λ}. */
    public static final int SLOT_LENGTH = 2 * Double.BYTES;

    private PeakFactorFile() {
    }

    /** The file's length for {@code slotCapacity} slots. */
    public static long lengthBytes(final int slotCapacity) {
        return HEADER_LENGTH + (long) SLOT_LENGTH * slotCapacity + Integer.BYTES;
    }

    /**
     * Writes the forecaster's learnt factors to {@code file}, replacing it atomically.
     *
     * @throws PresplitException {@link #IO} when the file cannot be written (the old one, if any, is left).
     */
    public static void write(final Path file, final RollUpForecaster forecaster) {
        final int slots = forecaster.slotCapacity();
        final ByteBuffer buffer = ByteBuffer.allocate((int) lengthBytes(slots)).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, VERSION).putInt(SLOT_CAPACITY_OFFSET, slots)
            .putInt(LEVEL_OFFSET, forecaster.level());
        for (int slot = 0; slot < slots; slot++) {
            final int at = HEADER_LENGTH + slot * SLOT_LENGTH;
            buffer.putDouble(at, forecaster.logPeakFactor(slot));
            buffer.putDouble(at + Double.BYTES, forecaster.logHorizonFactor(slot));
        }
        final int crcAt = buffer.capacity() - Integer.BYTES;
        buffer.putInt(crcAt, checksum(buffer, crcAt));
        final Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (final IOException ex) {
            throw new PresplitException(PresplitException.Category.ERROR, IO,
                "cannot write the peak factors [file=" + file + "]", ex);
        }
    }

    /**
     * Reads the learnt factors in {@code file} into the forecaster's slots.
     *
     * @return {@code false} when there is no such file (a first start: nothing was learnt), {@code true} when read.
     * @throws PresplitException {@link #INVALID} for a file that is not a valid factors file for this forecaster
     *                           (the forecaster is then unchanged), {@link #IO} when it cannot be read.
     */
    public static boolean read(final Path file, final RollUpForecaster forecaster) {
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final NoSuchFileException ex) {
            return false;
        } catch (final IOException ex) {
            throw new PresplitException(PresplitException.Category.ERROR, IO,
                "cannot read the peak factors [file=" + file + "]", ex);
        }
        final int slots = forecaster.slotCapacity();
        final ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length >= HEADER_LENGTH && buffer.getInt(MAGIC_OFFSET) != MAGIC) {
            throw invalid(file, "not a peak factors file [magic=0x" + Integer.toHexString(buffer.getInt(MAGIC_OFFSET))
                + ", expected=0x" + Integer.toHexString(MAGIC));
        }
        if (bytes.length >= HEADER_LENGTH && buffer.getInt(VERSION_OFFSET) != VERSION) {
            throw invalid(file, "unknown version [version=" + buffer.getInt(VERSION_OFFSET) + ", known=" + VERSION);
        }
        if (bytes.length != lengthBytes(slots)) {
            throw invalid(file, "wrong length, cut short or of another slot capacity [lengthBytes=" + bytes.length
                + ", expected=" + lengthBytes(slots));
        }
        final int crcAt = bytes.length - Integer.BYTES;
        final int crc = checksum(buffer, crcAt);
        if (crc != buffer.getInt(crcAt)) {
            throw invalid(file, "checksum mismatch, the file is corrupt [crc32c=0x"
                + Integer.toHexString(buffer.getInt(crcAt)) + ", computed=0x" + Integer.toHexString(crc));
        }
        if (buffer.getInt(SLOT_CAPACITY_OFFSET) != slots || buffer.getInt(LEVEL_OFFSET) != forecaster.level()) {
            throw invalid(file, "written for another forecaster [slotCapacity=" + buffer.getInt(SLOT_CAPACITY_OFFSET)
                + ", level=" + buffer.getInt(LEVEL_OFFSET) + ", expected slotCapacity=" + slots + ", level="
                + forecaster.level());
        }
        // Check every slot before changing any, so that a refused file leaves the forecaster as it was.
        for (int slot = 0; slot < slots; slot++) {
            final int at = HEADER_LENGTH + slot * SLOT_LENGTH;
            final double logPeak = buffer.getDouble(at);
            final double logHorizon = buffer.getDouble(at + Double.BYTES);
            if (Double.isInfinite(logPeak) || !(logHorizon >= 0) || Double.isInfinite(logHorizon)) {
                throw invalid(file, "factor out of range [slot=" + slot + ", logPeakFactor=" + logPeak
                    + ", logHorizonFactor=" + logHorizon);
            }
        }
        for (int slot = 0; slot < slots; slot++) {
            final int at = HEADER_LENGTH + slot * SLOT_LENGTH;
            forecaster.restoreFactors(slot, buffer.getDouble(at), buffer.getDouble(at + Double.BYTES));
        }
        return true;
    }

    private static int checksum(final ByteBuffer buffer, final int length) {
        final CRC32C crc = new CRC32C();
        crc.update(buffer.duplicate().position(0).limit(length));
        return (int) crc.getValue();
    }

    private static PresplitException invalid(final Path file, final String what) {
        return new PresplitException(PresplitException.Category.ERROR, INVALID, what + ", file=" + file
            + "]; delete it to start the factors afresh");
    }
}
