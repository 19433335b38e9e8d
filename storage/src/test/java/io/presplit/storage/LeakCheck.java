package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Fails a test that leaves a file open or mapped under the JUnit temporary directories: a store, log or segment
 * that was not closed. Reads {@code /proc/self/fd} and {@code /proc/self/maps}; a no-op where they do not exist.
 */
public final class LeakCheck implements AfterEachCallback {
    private static final Path PROC_FDS = Path.of("/proc/self/fd");
    private static final Path PROC_MAPS = Path.of("/proc/self/maps");

    @Override
    public void afterEach(final ExtensionContext context) throws IOException {
        if (!Files.isDirectory(PROC_FDS) || !Files.isReadable(PROC_MAPS)) {
            return;
        }
        final String prefix = Path.of(System.getProperty("java.io.tmpdir")).toRealPath().resolve("junit")
            .toString();
        assertThat(openFiles(prefix)).as("files left open under %s*", prefix).isEmpty();
        assertThat(mappedFiles(prefix)).as("files left mapped under %s*", prefix).isEmpty();
    }

    /** Files under {@code prefix} this process holds open. */
    public static List<String> openFiles(final String prefix) throws IOException {
        final List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(PROC_FDS)) {
            for (final Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    final String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith(prefix)) {
                        open.add(target);
                    }
                } catch (final IOException e) {
                    // The descriptor was closed while listing (for instance the listing's own): not a leak.
                }
            }
        }
        return open;
    }

    /** Files under {@code prefix} this process has mapped. */
    public static List<String> mappedFiles(final String prefix) throws IOException {
        final List<String> mapped = new ArrayList<>();
        for (final String line : Files.readAllLines(PROC_MAPS)) {
            if (line.contains(prefix)) {
                mapped.add(line);
            }
        }
        return mapped;
    }
}
