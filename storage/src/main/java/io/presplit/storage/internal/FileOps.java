package io.presplit.storage.internal;

import io.presplit.PresplitException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * File-system steps the store needs to be crash-safe, the storage failures they raise, and the fault-injection
 * facade over every file-system call the store makes outside the write path.
 * <p>
 * Fault injection: each such call first passes {@link #checkpoint(String, Path)}. A test arms the facade with
 * {@link #failNthCall(long)}; the Nth checkpoint after that throws a {@link PresplitException} with code
 * {@link #STORAGE_IO}, as the call itself would have failed, before the call has any effect. Disarmed, a
 * checkpoint is one volatile read. The facade is process-wide: tests that arm it must not run concurrently with
 * other store tests (the suite runs test classes one after the other).
 */
public final class FileOps {
    /** Code of a failed file-system call; the cause carries the operating-system error. */
    public static final String STORAGE_IO = "STORAGE_IO";
    /** Code of data on disk that breaks the segment format. */
    public static final String STORAGE_CORRUPT = "STORAGE_CORRUPT";

    /** Message prefix of an injected failure. */
    public static final String INJECTED_FAILURE = "injected I/O failure";

    private static final AtomicLong CALLS = new AtomicLong();
    private static volatile long failAtCall;
    private static volatile String lastInjected;

    private FileOps() {
    }

    /**
     * Arms fault injection: the {@code n}th checkpoint from now fails (once). Resets the call count.
     *
     * @param n 1 for the next call.
     */
    public static void failNthCall(final long n) {
        if (n < 1) {
            throw new IllegalArgumentException("call number must be positive [n=" + n + "]");
        }
        CALLS.set(0);
        lastInjected = null;
        failAtCall = n;
    }

    /** Disarms fault injection. */
    public static void disarm() {
        failAtCall = 0;
    }

    /** Checkpoints passed since the facade was last armed. */
    public static long callCount() {
        return CALLS.get();
    }

    /** The call the last armed injection failed, as {@code operation path}, or {@code null} when it did not fire. */
    public static String lastInjected() {
        return lastInjected;
    }

    /**
     * Passes one file-system call through the facade: fails it when fault injection is armed for this call.
     *
     * @param operation what the call does, for the message.
     * @param path      the file or directory it acts on.
     * @throws PresplitException with {@link #STORAGE_IO} when injected.
     */
    public static void checkpoint(final String operation, final Path path) {
        final long failAt = failAtCall;
        if (failAt == 0) {
            return;
        }
        final long call = CALLS.incrementAndGet();
        if (call == failAt) {
            failAtCall = 0;
            lastInjected = operation + " " + path;
            throw new PresplitException(PresplitException.Category.ERROR, STORAGE_IO, INJECTED_FAILURE
                + " [call=" + call + ", operation=" + operation + ", path=" + path + "]");
        }
    }

    /** Forces a directory's entries (creations, renames, deletions in it) to disk. */
    public static void forceDirectory(final Path directory) {
        checkpoint("force-directory", directory);
        try {
            forceDirectoryUnchecked(directory);
        } catch (final IOException e) {
            throw ioFailure("cannot force directory", directory, e);
        }
    }

    /**
     * Forces a directory's entries without passing a checkpoint: for {@link ParallelForces}, which passes the
     * checkpoints of a whole batch first, and for the catalog's clean-close marker, which is not a protocol step.
     */
    public static void forceDirectoryUnchecked(final Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
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
                    checkpoint("delete", file);
                    Files.deleteIfExists(file);
                }
            }
            checkpoint("delete", directory);
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
