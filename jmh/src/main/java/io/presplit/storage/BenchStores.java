package io.presplit.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary data directories for the storage benchmarks. */
final class BenchStores {
    private BenchStores() {
    }

    /** A fresh directory under {@code presplit.bench.dir} (default: the system temporary directory). */
    static Path newDirectory(final String prefix) {
        try {
            final Path parent = Path.of(System.getProperty("presplit.bench.dir", System.getProperty("java.io.tmpdir")));
            return Files.createTempDirectory(parent, prefix);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory tree. */
    static void delete(final Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (final Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Series keys {@code series-0 .. series-(count-1)}. */
    static String[] seriesKeys(final int count) {
        final String[] keys = new String[count];
        for (int i = 0; i < count; i++) {
            keys[i] = "series-" + i;
        }
        return keys;
    }
}
