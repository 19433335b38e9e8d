package io.presplit.daemon;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks a command's output path before the command's work, so that a path whose directory is missing fails at
 * the start, not after minutes of replay or training (measured: a replay ran to the end and then failed to write its
 * chart).
 */
final class OutputFile {
    private OutputFile() {
    }

    /**
     * Requires that {@code file} can be created or replaced: its directory exists and is writable, and it is not a
     * directory itself.
     *
     * @param option the option that named it, for the message.
     * @throws IllegalArgumentException naming the option, the path and what is wrong.
     */
    static void requireWritable(final String option, final Path file) {
        if (file == null) {
            return;
        }
        final Path directory = file.toAbsolutePath().getParent();
        final String problem = directory == null || !Files.isDirectory(directory) ? "its directory does not exist"
            : !Files.isWritable(directory) ? "its directory is not writable"
            : Files.isDirectory(file) ? "it is a directory" : null;
        if (problem != null) {
            throw new IllegalArgumentException("cannot write " + option + ": " + problem + " [path=" + file + "]");
        }
    }
}
