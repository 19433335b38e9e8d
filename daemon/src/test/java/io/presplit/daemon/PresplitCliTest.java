package io.presplit.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the command line tells a user whose command failed: one line that names what and where, no stack trace. */
class PresplitCliTest {
    @TempDir
    Path dir;

    /** A data directory that is a file is refused before anything starts, with the key and the path named. */
    @Test
    void shouldRefuseADataDirectoryThatIsAFile() throws IOException {
        final Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        final StringWriter err = new StringWriter();
        final int exit = PresplitCli.commandLine().setErr(new PrintWriter(err, true))
            .execute("run", "--data-dir", file.toString(), "--port", "0");
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("presplit: invalid configuration value [key=dataDir (a directory, or a "
            + "path to create one at; this is a file), value=" + file + "]" + System.lineSeparator());
    }

    /** An I/O failure reads as its messages down the cause chain, each once; a path-only one gets its kind. */
    @Test
    void shouldPutAnIoFailureOnOneLineWithItsCausesOnce() {
        final IOException noRoom = new IOException("cannot reserve the file's space [file=h.dat, reason=no room]");
        assertThat(PresplitCli.ioMessage(new UncheckedIOException("cannot open load history [file=h.dat]: "
            + noRoom.getMessage(), noRoom)))
            .isEqualTo("cannot open load history [file=h.dat]: cannot reserve the file's space [file=h.dat, "
                + "reason=no room]");
        assertThat(PresplitCli.ioMessage(new UncheckedIOException("cannot open [file=x]", noRoom)))
            .isEqualTo("cannot open [file=x]: cannot reserve the file's space [file=h.dat, reason=no room]");
        assertThat(PresplitCli.ioMessage(new FileAlreadyExistsException("/data")))
            .isEqualTo("FileAlreadyExistsException [path=/data]");
    }

    /** An output path that cannot be written fails the command at its start, before minutes of replay or training. */
    @Test
    void shouldRefuseAnOutputPathWhoseDirectoryIsMissingBeforeDoingTheWork() throws IOException {
        final Path trace = Files.writeString(dir.resolve("trace.csv"), "timestamp,a\n0,1\n3600,2\n");
        final Path chart = dir.resolve("missing").resolve("chart.svg");
        final StringWriter err = new StringWriter();
        final StringWriter out = new StringWriter();
        final int exit = PresplitCli.commandLine().setErr(new PrintWriter(err, true)).setOut(new PrintWriter(out, true))
            .execute("replay", "--trace", trace.toString(), "--chart", chart.toString());
        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("presplit: cannot write --chart: its directory does not exist [path="
            + chart + "]" + System.lineSeparator());
        assertThat(out.toString()).as("no replay ran").isEmpty();
        final StringWriter trainErr = new StringWriter();
        assertThat(PresplitCli.commandLine().setErr(new PrintWriter(trainErr, true))
            .execute("train", "--input", trace.toString(), "--out", dir.toString())).isEqualTo(2);
        assertThat(trainErr.toString()).startsWith("presplit: cannot write --out: it is a directory [path=" + dir);
    }
}
