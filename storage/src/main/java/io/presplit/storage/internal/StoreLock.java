package io.presplit.storage.internal;

import io.presplit.PresplitException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One store directory, one process: an exclusive lock on {@code store.lock} in the directory, held from open to
 * close. Why: a second process on the same directory ran the catalog's recovery under the first one's feet (which
 * Chronicle Map warns may corrupt it), mapped the same segments, and hung; measured with two {@code presplit run} on
 * one data directory. With the lock the second open fails at once, naming the holder's process id, before it reads
 * or writes anything of the store.
 * <p>
 * The lock is the operating system's ({@link FileChannel#tryLock()}, released when the process dies, so a crash
 * leaves no stale lock). The file holds the holder's process id, for the message only. Cold path.
 */
public final class StoreLock implements AutoCloseable {
    /** Code of a store directory that another process (or another store in this one) has open. */
    public static final String STORE_LOCKED = "STORE_LOCKED";
    /** The lock file's name in the store directory. */
    public static final String FILE_NAME = "store.lock";

    private final Path file;
    private final FileChannel channel;

    private StoreLock(final Path file, final FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Takes the lock of {@code directory}, which exists.
     *
     * @throws PresplitException {@link #STORE_LOCKED} when another process or another open store of this process
     *                           holds it; {@link FileOps#STORAGE_IO} when the lock file cannot be opened.
     */
    public static StoreLock acquire(final Path directory) {
        final Path file = directory.resolve(FILE_NAME);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            FileLock lock;
            boolean isThisProcess = false;
            try {
                lock = channel.tryLock();
            } catch (final OverlappingFileLockException e) {
                lock = null;
                isThisProcess = true;
            }
            if (lock == null) {
                final String holder = Files.readString(file, StandardCharsets.US_ASCII).strip();
                channel.close();
                throw new PresplitException(PresplitException.Category.ERROR, STORE_LOCKED, "the store is open in "
                    + (isThisProcess ? "this" : "another") + " process [directory=" + directory + ", lockFile="
                    + file + ", holderPid=" + (holder.isEmpty() ? "unknown" : holder) + "]");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)),
                0);
            return new StoreLock(file, channel);
        } catch (final IOException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (final IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw FileOps.ioFailure("cannot lock the store directory", file, e);
        }
    }

    /** Releases the lock. The file stays (removing it would race with a process taking it). */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (final IOException e) {
            throw FileOps.ioFailure("cannot release the store lock", file, e);
        }
    }
}
