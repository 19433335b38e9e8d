package io.presplit.daemon.lineprotocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What one {@link LineProtocolParser#parse} call did: lines seen, points given to the sink, lines rejected, and the
 * first {@link #MAX_ERRORS} rejections with their line numbers. Reusable; one per parsing thread.
 */
public final class ParseResult {
    /** Rejections kept with their message; later ones are only counted. */
    public static final int MAX_ERRORS = 10;
    private static final int MAX_QUOTED_LINE_CHARS = 120;

    final List<String> errors = new ArrayList<>(MAX_ERRORS);
    long lines;
    long points;
    long rejectedLines;

    /** Clears the result. */
    public void reset() {
        errors.clear();
        lines = 0;
        points = 0;
        rejectedLines = 0;
    }

    /** Lines that were neither blank nor comments. */
    public long lines() {
        return lines;
    }

    /** Points given to the sink: one per field of each accepted line. */
    public long points() {
        return points;
    }

    /** Lines rejected. */
    public long rejectedLines() {
        return rejectedLines;
    }

    /** Whether any line was rejected. */
    public boolean hasErrors() {
        return rejectedLines > 0;
    }

    /** The first rejections, each {@code line N: what was wrong: the line}. */
    public List<String> errors() {
        return errors;
    }

    /**
     * One message naming every counted failure, InfluxDB style: {@code partial write: 2 of 5000 lines rejected (the
     * other lines were written); line 3: ...; line 9: ...}.
     */
    public String errorMessage() {
        final StringBuilder message = new StringBuilder(256);
        message.append("partial write: ").append(rejectedLines).append(" of ").append(lines)
            .append(" lines rejected (the other ").append(lines - rejectedLines).append(" lines were written)");
        for (final String error : errors) {
            message.append("; ").append(error);
        }
        if (rejectedLines > errors.size()) {
            message.append("; ... and ").append(rejectedLines - errors.size()).append(" more");
        }
        return message.toString();
    }

    void addError(final int lineNumber, final String error, final byte[] bytes, final int from, final int to) {
        rejectedLines++;
        if (errors.size() < MAX_ERRORS) {
            final int length = Math.min(to - from, MAX_QUOTED_LINE_CHARS);
            final String line = new String(bytes, from, length, StandardCharsets.UTF_8);
            errors.add("line " + lineNumber + ": " + error + ": " + line + (to - from > length ? "..." : ""));
        }
    }
}
