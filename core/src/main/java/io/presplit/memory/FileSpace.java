package io.presplit.memory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Reserves the disk blocks of a file that will be written through a memory mapping.
 * <p>
 * Why: mapping past a file's end makes it sparse, and the blocks are found only when a page is written back. On a
 * full file system, a store through the mapping then faults ({@code SIGBUS}, which the JVM raises as an
 * {@link InternalError} at the store, on the hot path, with the write half done). Reserving the blocks when the file
 * is created moves that failure to the creation, where it is a clear {@link IOException} and nothing is written yet.
 * <p>
 * On Linux, {@code posix_fallocate} reserves the blocks (instantly on ext4, XFS and tmpfs; glibc writes a byte per
 * block on file systems without it), and {@code fallocate}'s punch-hole mode gives back those a file will not write
 * ({@link #release}). Elsewhere, or when libc lacks them, only the usable space of the file store is checked and
 * nothing is given back. Cold path.
 */
@SuppressWarnings("restricted") // downcalls to libc are this class's purpose
public final class FileSpace {
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 0x80000;
    private static final int EOPNOTSUPP = 95;
    private static final MethodHandle OPEN;
    private static final MethodHandle CLOSE;
    private static final MethodHandle POSIX_FALLOCATE;
    private static final MethodHandle STRERROR;
    /** {@code fallocate(2)}, Linux's own, for its punch-hole mode; {@code null} elsewhere. */
    private static final MethodHandle FALLOCATE;
    private static final int FALLOC_FL_KEEP_SIZE = 0x01;
    private static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    private static final MemoryLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
        CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static {
        MethodHandle open = null;
        MethodHandle close = null;
        MethodHandle posixFallocate = null;
        MethodHandle strerror = null;
        MethodHandle punch = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            final Linker linker = Linker.nativeLinker();
            final SymbolLookup libc = linker.defaultLookup();
            // open(2) is variadic: the mode is its first variadic argument.
            open = libc.find("open").map(symbol -> linker.downcallHandle(symbol,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"))).orElse(null);
            close = libc.find("close").map(symbol -> linker.downcallHandle(symbol,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT))).orElse(null);
            // posix_fallocate returns the error number itself; it does not set errno.
            posixFallocate = libc.find("posix_fallocate").map(symbol -> linker.downcallHandle(symbol,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG))).orElse(null);
            strerror = libc.find("strerror").map(symbol -> linker.downcallHandle(symbol,
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT))).orElse(null);
            punch = libc.find("fallocate").map(symbol -> linker.downcallHandle(symbol,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG), Linker.Option.captureCallState("errno")))
                .orElse(null);
        }
        final boolean isComplete = open != null && close != null && posixFallocate != null && strerror != null;
        OPEN = isComplete ? open : null;
        CLOSE = isComplete ? close : null;
        POSIX_FALLOCATE = isComplete ? posixFallocate : null;
        STRERROR = isComplete ? strerror : null;
        FALLOCATE = isComplete ? punch : null;
    }

    private FileSpace() {
    }

    /** Whether this platform reserves blocks ({@code posix_fallocate}), not only checks the usable space. */
    public static boolean isReserving() {
        return POSIX_FALLOCATE != null;
    }

    /**
     * Makes sure the file system holds {@code lengthBytes} for {@code file}, which exists: its blocks are reserved
     * and its length is at least {@code lengthBytes} when this returns.
     *
     * @throws IOException naming the file, the length, the usable space and the system's reason, when the file
     *                     system cannot hold it; the file may then have grown, and the caller that created it
     *                     deletes it.
     */
    public static void reserve(final Path file, final long lengthBytes) throws IOException {
        if (lengthBytes < 0) {
            throw new IllegalArgumentException("invalid length [file=" + file + ", lengthBytes=" + lengthBytes + "]");
        }
        final long usable = Files.getFileStore(file.toAbsolutePath().getParent()).getUsableSpace();
        // A new file holds nothing yet: refuse up front what cannot fit, so that a doomed reservation does not fill
        // the disk under the other writers before it fails.
        if (lengthBytes - Files.size(file) > usable) {
            throw noSpace(file, lengthBytes, usable, "not enough usable space");
        }
        if (POSIX_FALLOCATE == null) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = open(arena, state, file, "reserve");
            final int error = (int) POSIX_FALLOCATE.invokeExact(fd, 0L, lengthBytes);
            final int closed = (int) CLOSE.invokeExact(fd);
            if (error != 0) {
                throw noSpace(file, lengthBytes, usable, describe(error));
            }
            if (closed != 0) {
                throw new IOException("cannot close the file after reserving its space [file=" + file + "]");
            }
        } catch (final IOException | RuntimeException | Error e) {
            throw e;
        } catch (final Throwable e) {
            throw new IllegalStateException("native call failed [file=" + file + "]", e);
        }
    }

    /**
     * Gives back the blocks of {@code [offset, offset + lengthBytes)} of {@code file}, keeping its length: the range
     * then reads as zeros and holds no disk space. For the part of a reserved file that will never be written (a
     * sealed segment's tail). Does nothing where the system cannot punch holes.
     *
     * @return whether the blocks were given back.
     * @throws IOException naming the file, the range and the system's reason when the system refused.
     */
    public static boolean release(final Path file, final long offset, final long lengthBytes) throws IOException {
        if (FALLOCATE == null || lengthBytes <= 0) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = open(arena, state, file, "release");
            final int result = (int) FALLOCATE.invokeExact(state, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                offset, lengthBytes);
            final int error = result == 0 ? 0 : (int) ERRNO.get(state, 0L);
            final int closed = (int) CLOSE.invokeExact(fd);
            if (error == EOPNOTSUPP) {
                return false;
            }
            if (error != 0) {
                throw new IOException("cannot release the file's space [file=" + file + ", offset=" + offset
                    + ", lengthBytes=" + lengthBytes + ", reason=" + describe(error) + "]");
            }
            if (closed != 0) {
                throw new IOException("cannot close the file after releasing its space [file=" + file + "]");
            }
            return true;
        } catch (final IOException | RuntimeException | Error e) {
            throw e;
        } catch (final Throwable e) {
            throw new IllegalStateException("native call failed [file=" + file + "]", e);
        }
    }

    /** Opens {@code file} for {@code purpose} ("reserve", "release") its space, by a descriptor libc calls take. */
    private static int open(final Arena arena, final MemorySegment state, final Path file, final String purpose)
        throws Throwable {
        final int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(file.toString()), O_RDWR | O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open to " + purpose + " its space [file=" + file + ", error="
                + describe((int) ERRNO.get(state, 0L)) + "]");
        }
        return fd;
    }

    private static IOException noSpace(final Path file, final long lengthBytes, final long usable,
        final String reason) {
        return new IOException("cannot reserve the file's space [file=" + file + ", lengthBytes=" + lengthBytes
            + ", usableBytes=" + usable + ", reason=" + reason + "]");
    }

    private static String describe(final int errno) throws Throwable {
        final MemorySegment text = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(Integer.MAX_VALUE);
        return text.getString(0) + " (errno " + errno + ")";
    }
}
