package io.presplit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The disk space a file holds, as {@code stat} reports its blocks: what a reservation is checked against. */
public final class FileBlocks {
    private FileBlocks() {
    }

    /** Bytes of blocks allocated to {@code file} (Linux {@code stat}). */
    public static long allocatedBytes(final Path file) throws Exception {
        final Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).start();
        final String[] blocks = new String(stat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip()
            .split(" ");
        if (stat.waitFor() != 0) {
            throw new IllegalStateException("stat failed [file=" + file + "]");
        }
        return Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
    }
}
