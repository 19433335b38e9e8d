package io.presplit.daemon.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A keyed load trace in the wide CSV layout: a header {@code timestamp_utc,key1,key2,...}, then one row per tick
 * with the UTC time ({@code yyyy-MM-dd HH:mm:ss}) and one non-negative load per key; an empty cell means no load.
 * Ticks must be evenly spaced and increasing.
 *
 * @param keys      the series keys (column names).
 * @param startNs   the first tick's time, ns since the epoch.
 * @param tickNs    the spacing of ticks.
 * @param loads     {@code loads[tick][key]}, 0 where the cell was empty.
 */
public record WideTrace(List<String> keys, long startNs, long tickNs, double[][] loads) {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** Number of ticks. */
    public int tickCount() {
        return loads.length;
    }

    /**
     * Reads a trace.
     *
     * @param in     the CSV bytes (UTF-8); not closed.
     * @param source a name for error messages.
     * @throws IllegalArgumentException naming the source, line and problem when the trace is malformed.
     */
    public static WideTrace read(final InputStream in, final String source) throws IOException {
        final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        final String header = reader.readLine();
        if (header == null || !header.startsWith("timestamp_utc,")) {
            throw new IllegalArgumentException(
                "trace must start with a header 'timestamp_utc,<key>,...' [source=" + source + ", line=1]");
        }
        final List<String> keys = List.of(header.substring("timestamp_utc,".length()).split(",", -1));
        for (final String key : keys) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException("empty series key in the header [source=" + source + ", line=1]");
            }
        }
        final List<double[]> rows = new ArrayList<>();
        long startNs = 0;
        long tickNs = 0;
        long previousNs = 0;
        String line;
        int lineNumber = 1;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isEmpty()) {
                continue;
            }
            final String[] cells = line.split(",", -1);
            if (cells.length != keys.size() + 1) {
                throw new IllegalArgumentException("wrong number of cells [source=" + source + ", line=" + lineNumber
                    + ", expected=" + (keys.size() + 1) + ", actual=" + cells.length + "]");
            }
            final long timeNs = parseTime(cells[0], source, lineNumber);
            if (rows.isEmpty()) {
                startNs = timeNs;
            } else if (rows.size() == 1) {
                tickNs = timeNs - startNs;
                if (tickNs <= 0) {
                    throw new IllegalArgumentException("timestamps must increase [source=" + source + ", line="
                        + lineNumber + "]");
                }
            } else if (timeNs - previousNs != tickNs) {
                throw new IllegalArgumentException("ticks must be evenly spaced [source=" + source + ", line="
                    + lineNumber + ", expectedSpacingNs=" + tickNs + ", actualSpacingNs=" + (timeNs - previousNs)
                    + "]");
            }
            previousNs = timeNs;
            final double[] row = new double[keys.size()];
            for (int k = 0; k < row.length; k++) {
                row[k] = parseLoad(cells[k + 1], source, lineNumber, keys.get(k));
            }
            rows.add(row);
        }
        if (rows.size() < 2) {
            throw new IllegalArgumentException("trace needs at least two ticks [source=" + source + "]");
        }
        return new WideTrace(keys, startNs, tickNs, rows.toArray(new double[0][]));
    }

    /** Total load of each tick, over all keys. */
    public double[] totals() {
        final double[] totals = new double[loads.length];
        for (int t = 0; t < loads.length; t++) {
            totals[t] = Arrays.stream(loads[t]).sum();
        }
        return totals;
    }

    private static long parseTime(final String cell, final String source, final int lineNumber) {
        try {
            return LocalDateTime.parse(cell, TIME).toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L;
        } catch (final DateTimeParseException ex) {
            throw new IllegalArgumentException("bad timestamp, expected yyyy-MM-dd HH:mm:ss [source=" + source
                + ", line=" + lineNumber + ", value=" + cell + "]", ex);
        }
    }

    private static double parseLoad(final String cell, final String source, final int lineNumber, final String key) {
        if (cell.isEmpty()) {
            return 0;
        }
        final double value;
        try {
            value = Double.parseDouble(cell);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("load is not a number [source=" + source + ", line=" + lineNumber
                + ", key=" + key + ", value=" + cell + "]", ex);
        }
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("load must be finite and non-negative [source=" + source + ", line="
                + lineNumber + ", key=" + key + ", value=" + cell + "]");
        }
        return value;
    }
}
