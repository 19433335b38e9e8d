package io.presplit.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch folders of the command-line tools (replays, calibration): where they go and how they are removed. */
public final class ScratchDirectories {
    private ScratchDirectories() {
    }

    /** Deletes {@code root} and everything under it; nothing happens when it does not exist. Cold path. */
    public static void delete(final Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (final IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            });
        }
    }
}
