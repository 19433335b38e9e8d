package io.presplit.forecast.onnx.prophet;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The R Prophet fixture in the test resources (see the README there): model, forecast, train and actual data. */
final class ProphetFixture {
    private static final DateTimeFormatter DS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private ProphetFixture() {
    }

    /** The text of resource {@code name} next to this class. */
    static String text(final String name) {
        try (InputStream in = ProphetFixture.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource missing [name=" + name + "]");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** The fitted model. */
    static ProphetModel model() {
        return ProphetJson.parse("classpath:model.json", text("model.json"));
    }

    /** A CSV with a {@code ds} column first: the header and the rows, split on commas. */
    static Table table(final String name) {
        final String[] lines = text(name).split("\n");
        final List<String> header = List.of(lines[0].strip().split(","));
        final List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                rows.add(lines[i].strip().split(","));
            }
        }
        return new Table(header, rows);
    }

    /** Epoch seconds of a {@code ds} cell (UTC). */
    static double epochSeconds(final String ds) {
        return LocalDateTime.parse(ds, DS).toEpochSecond(ZoneOffset.UTC);
    }

    /** A parsed CSV. */
    record Table(List<String> header, List<String[]> rows) {
        int size() {
            return rows.size();
        }

        double[] times() {
            final double[] out = new double[rows.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = epochSeconds(rows.get(i)[0]);
            }
            return out;
        }

        double[] column(final String name) {
            final int c = header.indexOf(name);
            if (c < 0) {
                throw new IllegalArgumentException("no such column [name=" + name + ", header=" + header + "]");
            }
            final double[] out = new double[rows.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = Double.parseDouble(rows.get(i)[c]);
            }
            return out;
        }
    }
}
