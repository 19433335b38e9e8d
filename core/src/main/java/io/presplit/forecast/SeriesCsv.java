package io.presplit.forecast;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads and writes series in the M4 layout: one series per row, the id then the values in time order, with empty
 * cells (quoted or not) after the end; an optional header row (a first row whose second cell is not a number).
 * Cold path.
 */
public final class SeriesCsv {
    /** One named series. */
    public record Series(String id, double[] values) {
    }

    private SeriesCsv() {
    }

    /**
     * Reads every series of {@code file}.
     *
     * @throws IllegalArgumentException naming the file and line when a row has no id, a value is not a number,
     *                                  a value follows an empty cell, or a row has no values.
     */
    public static List<Series> read(final Path file) {
        final List<Series> out = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            double[] buffer = new double[1024];
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                // A byte-order mark (Excel's UTF-8 export) would otherwise become part of the first id.
                final String[] cells = (lineNo == 1 && line.startsWith("\uFEFF") ? line.substring(1) : line)
                    .split(",", -1);
                if (lineNo == 1 && (cells.length < 2 || !isNumber(unquote(cells[1])))) {
                    continue; // header
                }
                final String id = unquote(cells[0]);
                if (id.isEmpty()) {
                    throw new IllegalArgumentException(where(file, lineNo) + "row has no series id");
                }
                int count = 0;
                boolean isEnded = false;
                for (int c = 1; c < cells.length; c++) {
                    final String cell = unquote(cells[c]);
                    if (cell.isEmpty()) {
                        isEnded = true;
                        continue;
                    }
                    if (isEnded) {
                        throw new IllegalArgumentException(where(file, lineNo)
                            + "value after an empty cell [series=" + id + ", column=" + (c + 1) + "]");
                    }
                    final double v;
                    try {
                        v = Double.parseDouble(cell);
                    } catch (final NumberFormatException ex) {
                        throw new IllegalArgumentException(where(file, lineNo) + "not a number [series=" + id
                            + ", column=" + (c + 1) + ", cell=" + cell + "]", ex);
                    }
                    if (!Double.isFinite(v)) {
                        throw new IllegalArgumentException(where(file, lineNo) + "value not finite [series=" + id
                            + ", column=" + (c + 1) + "]");
                    }
                    if (count == buffer.length) {
                        buffer = Arrays.copyOf(buffer, buffer.length * 2);
                    }
                    buffer[count++] = v;
                }
                if (count == 0) {
                    throw new IllegalArgumentException(where(file, lineNo) + "row has no values [series=" + id + "]");
                }
                out.add(new Series(id, Arrays.copyOf(buffer, count)));
            }
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot read series file [file=" + file + "]", ex);
        }
        return out;
    }

    /** Writes one row {@code id,F1,...,FH}, with a header row {@code id,F1..FH} written by the caller if wanted. */
    public static void writeRow(final Writer out, final String id, final double[] values, final int count)
        throws IOException {
        final StringBuilder row = new StringBuilder(16 + count * 12);
        row.append(id);
        for (int i = 0; i < count; i++) {
            row.append(',').append(values[i]);
        }
        row.append('\n');
        out.write(row.toString());
    }

    private static String where(final Path file, final int line) {
        return file + ":" + line + ": ";
    }

    private static String unquote(final String cell) {
        final String s = cell.strip();
        if (s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"') {
            return s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static boolean isNumber(final String s) {
        if (s.isEmpty()) {
            return false;
        }
        try {
            Double.parseDouble(s);
            return true;
        } catch (final NumberFormatException ex) {
            return false;
        }
    }
}
