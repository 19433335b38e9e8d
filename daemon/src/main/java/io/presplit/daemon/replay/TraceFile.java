package io.presplit.daemon.replay;

import java.nio.file.Path;

/**
 * One trace file as the command line names it: {@code FILE}, or {@code FILE@SECONDS} for a file whose rows carry no
 * timestamps (such as the Alibaba cluster aggregates), row {@code i} then being the {@code i}-th consecutive tick of
 * {@code SECONDS}.
 *
 * @param path       the file.
 * @param rowSeconds the spacing of an untimed file's rows, or 0 when the file has a timestamp column.
 */
public record TraceFile(Path path, long rowSeconds) {
    public TraceFile {
        if (rowSeconds < 0) {
            throw new IllegalArgumentException("row spacing must be positive [file=" + path + ", seconds="
                + rowSeconds + "]");
        }
    }

    /** A file with a timestamp column. */
    public static TraceFile timed(final Path path) {
        return new TraceFile(path, 0);
    }

    /**
     * Parses {@code FILE} or {@code FILE@SECONDS}; an {@code @} not followed by digits only is part of the name.
     *
     * @throws IllegalArgumentException when the seconds are 0.
     */
    public static TraceFile parse(final String spec) {
        final int at = spec.lastIndexOf('@');
        final boolean hasSeconds = at > 0 && at < spec.length() - 1 && spec.substring(at + 1).chars()
            .allMatch(Character::isDigit);
        if (!hasSeconds) {
            return timed(Path.of(spec));
        }
        final long seconds = Long.parseLong(spec.substring(at + 1));
        if (seconds == 0) {
            throw new IllegalArgumentException("row spacing must be positive [input=" + spec + "]");
        }
        return new TraceFile(Path.of(spec.substring(0, at)), seconds);
    }

    /** Whether the file's rows carry no timestamps. */
    public boolean isUntimed() {
        return rowSeconds > 0;
    }
}
