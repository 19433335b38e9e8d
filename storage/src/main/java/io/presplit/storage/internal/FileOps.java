package io.presplit.storage.internal;

import io.presplit.PresplitException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** File-system steps the store needs to be crash-safe, and the storage failures they raise. Cold paths only. */
public final class FileOps {
    /** Code of a failed file-system call; the cause carries the operating-system error. */
    public static final String STORAGE_IO = "STORAGE_IO";
    /** Code of data on disk that breaks the segment format. */
    public static final String STORAGE_CORRUPT = "STORAGE_CORRUPT";

    private FileOps() {
    }

    /** Forces a directory's entries (creations, renames, deletions in it) to disk. */
    public static void forceDirectory(final Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (final IOException e) {
            throw ioFailure("cannot force directory", directory, e);
        }
    }

    /**
     * Deletes a directory and the regular files in it (no sub-directories expected), then forces its parent.
     * A missing directory is not an error.
     */
    public static void deleteDirectory(final Path directory) {
        try {
            try (Stream<Path> files = Files.list(directory)) {
                for (final Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(directory);
        } catch (final NoSuchFileException e) {
            return;
        } catch (final IOException e) {
            throw ioFailure("cannot delete directory", directory, e);
        }
        forceDirectory(directory.getParent());
    }

    /** A failed file-system call on {@code path}. */
    public static PresplitException ioFailure(final String what, final Path path, final IOException cause) {
        return new PresplitException(PresplitException.Category.ERROR, STORAGE_IO,
            what + " [path=" + path + ", error=" + cause + "]", cause);
    }

    /** Data on disk that breaks the format; {@code message} reads {@code what [key=value, ...]}. */
    public static PresplitException corrupt(final String message) {
        return new PresplitException(PresplitException.Category.ERROR, STORAGE_CORRUPT, message);
    }
}
