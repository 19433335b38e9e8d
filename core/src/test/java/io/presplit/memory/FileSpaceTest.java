package io.presplit.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.presplit.FileBlocks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What {@link FileSpace} promises a file that will be written through a mapping. */
class FileSpaceTest {
    @TempDir
    Path directory;

    /** The blocks are the file's when reserve returns: a store through a mapping can no longer find a full disk. */
    @Test
    void shouldReserveTheBlocksOfTheWholeLength() throws Exception {
        assumeThat(FileSpace.isReserving()).as("posix_fallocate (Linux)").isTrue();
        final Path file = Files.createFile(directory.resolve("reserved.dat"));
        final long length = 3L * 1024 * 1024 + 4096;
        FileSpace.reserve(file, length);
        assertThat(Files.size(file)).isEqualTo(length);
        assertThat(FileBlocks.allocatedBytes(file)).isGreaterThanOrEqualTo(length);
    }

    /** A length the file system cannot hold is refused before any block is taken, with the figures named. */
    @Test
    void shouldRefuseUpFrontALengthBeyondTheUsableSpace() throws IOException {
        final Path file = Files.createFile(directory.resolve("too-large.dat"));
        final long length = Files.getFileStore(directory).getUsableSpace() + (1L << 30);
        assertThatThrownBy(() -> FileSpace.reserve(file, length)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("cannot reserve the file's space [file=" + file + ", lengthBytes=" + length
                + ", usableBytes=").hasMessageEndingWith(", reason=not enough usable space]");
        assertThat(Files.size(file)).isZero();
    }

    /** The system's own reason reaches the message when it refuses (here: a pipe has no blocks to reserve). */
    @Test
    void shouldNameTheSystemsReasonWhenItRefuses() throws Exception {
        assumeThat(FileSpace.isReserving()).as("posix_fallocate (Linux)").isTrue();
        final Path fifo = directory.resolve("pipe");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThatThrownBy(() -> FileSpace.reserve(fifo, 4096)).isInstanceOf(IOException.class)
            .hasMessageStartingWith("cannot reserve the file's space [file=" + fifo + ", lengthBytes=4096")
            .hasMessageContaining("reason=Illegal seek (errno 29)");
    }
}
