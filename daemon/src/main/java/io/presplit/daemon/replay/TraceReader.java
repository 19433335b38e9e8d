package io.presplit.daemon.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Reads keyed load traces in three CSV layouts and puts them on one evenly spaced tick grid.
 * <ul>
 *   <li><b>wide</b>: header {@code timestamp[_utc],key1,key2,...}, one row per time, one column per key;</li>
 *   <li><b>long</b>: header {@code timestamp,key,value}, one row per sample;</li>
 *   <li><b>single series</b>: header {@code timestamp,value}; the key is the file name without extension.
 *       Several files make several keys of one key space.</li>
 * </ul>
 * Timestamps: {@code yyyy-MM-dd HH:mm:ss} (UTC), ISO-8601 with an offset, or epoch seconds. A file without a
 * timestamp column is read as {@link TraceFile FILE@SECONDS}: its header names the keys (one column named
 * {@code value} takes the file's name), and data row {@code i} is time {@code i × SECONDS} from 1970-01-01 UTC.
 * The files of one trace are all timed or all untimed: untimed rows have no common clock with timed ones.
 * <p>
 * The grid: the tick is the most common spacing between consecutive distinct timestamps (or the caller's); a
 * sample falls in tick {@code floor((time - start) / tick)}, and several samples of a key in one tick average.
 * <p>
 * Gaps: a blank cell or an absent sample is missing data, not zero load. Inside a key's life (between its first and
 * last sample) a gap carries the key's last known value forward; before its first sample and after its last the
 * key does not exist and carries no load.
 */
public final class TraceReader {
    private static final DateTimeFormatter SPACE_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private TraceReader() {
    }

    /**
     * Reads one or more files into one trace.
     *
     * @param files       the files; several files' keys join one key space (key names must not repeat).
     * @param tickSeconds the tick, or 0 to infer it from the data.
     * @throws IllegalArgumentException naming the file and line of anything malformed.
     */
    public static WideTrace read(final List<TraceFile> files, final long tickSeconds) throws IOException {
        final long untimed = files.stream().filter(TraceFile::isUntimed).count();
        if (untimed > 0 && untimed < files.size()) {
            throw new IllegalArgumentException("a trace's files must all have timestamps or all be FILE@SECONDS: "
                + "untimed rows share no clock with timed ones [files=" + files + "]");
        }
        final Samples samples = new Samples();
        for (final TraceFile file : files) {
            if (!Files.isRegularFile(file.path())) {
                throw new IllegalArgumentException("trace file not found [file=" + file.path() + "]");
            }
            try (InputStream in = Files.newInputStream(file.path())) {
                read(in, file.path().toString(), stem(file.path()), file.rowSeconds(), samples);
            }
        }
        return samples.toTrace(tickSeconds);
    }

    /** Reads one stream; {@code singleSeriesKey} names the key of a single-series file. */
    public static WideTrace read(final InputStream in, final String source, final String singleSeriesKey,
        final long tickSeconds) throws IOException {
        final Samples samples = new Samples();
        read(in, source, singleSeriesKey, 0, samples);
        return samples.toTrace(tickSeconds);
    }

    /**
     * Spreads each tick's total load over {@code keyCount} keys with Zipf weights {@code 1 / rank^exponent}, the
     * rank order shuffled by {@code seed}: one total rate becomes many keyed loads of a skewed key space.
     */
    public static WideTrace zipfKeys(final WideTrace trace, final int keyCount, final double exponent,
        final long seed) {
        if (keyCount < 1 || !(exponent >= 0)) {
            throw new IllegalArgumentException(
                "zipf keys need a positive count and a non-negative exponent [keyCount=" + keyCount + ", exponent="
                    + exponent + "]");
        }
        final double[] weights = new double[keyCount];
        double sum = 0;
        for (int r = 0; r < keyCount; r++) {
            weights[r] = 1 / Math.pow(r + 1, exponent);
            sum += weights[r];
        }
        final SplittableRandom random = new SplittableRandom(seed);
        for (int i = keyCount - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final double swap = weights[i];
            weights[i] = weights[j];
            weights[j] = swap;
        }
        final List<String> keys = new ArrayList<>();
        for (int k = 0; k < keyCount; k++) {
            keys.add("key-" + k);
        }
        final double[] totals = trace.totals();
        final double[][] loads = new double[trace.tickCount()][keyCount];
        for (int t = 0; t < loads.length; t++) {
            for (int k = 0; k < keyCount; k++) {
                loads[t][k] = totals[t] * weights[k] / sum;
            }
        }
        return new WideTrace(keys, trace.startNs(), trace.tickNs(), loads);
    }

    /** Reads one file's samples; {@code rowSeconds > 0}: an untimed file (see the class comment). */
    private static void read(final InputStream in, final String source, final String singleSeriesKey,
        final long rowSeconds, final Samples samples) throws IOException {
        final BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        final String header = reader.readLine();
        if (header == null) {
            throw new IllegalArgumentException("empty trace file [source=" + source + "]");
        }
        final String[] columns = header.strip().split(",", -1);
        final boolean isTimed = columns[0].startsWith("timestamp");
        final boolean isUntimed = rowSeconds > 0;
        if (isUntimed && isTimed) {
            throw new IllegalArgumentException("FILE@SECONDS is for files without timestamps, and this one has a "
                + "timestamp column: drop @SECONDS (--tick-seconds sets the tick) [source=" + source + ", header="
                + header + "]");
        }
        if (!isUntimed && (columns.length < 2 || !isTimed)) {
            throw new IllegalArgumentException("trace header must start with a timestamp column; for a file without "
                + "timestamps give its rows' spacing as FILE@SECONDS [source=" + source + ", line=1, header="
                + header + "]");
        }
        // An untimed file's columns are all loads; a timed file's first column is the time.
        final int firstLoadColumn = isUntimed ? 0 : 1;
        final boolean isLong = !isUntimed && columns.length == 3 && "key".equals(columns[1])
            && "value".equals(columns[2]);
        final boolean isSingle = columns.length == firstLoadColumn + 1 && "value".equals(columns[firstLoadColumn]);
        final String[] wideKeys = isLong || isSingle ? new String[0] : java.util.Arrays.copyOfRange(columns,
            firstLoadColumn, columns.length);
        for (final String key : wideKeys) {
            if (key.isEmpty()) {
                throw new IllegalArgumentException("empty key name in the header [source=" + source + ", line=1]");
            }
        }
        final long rowNs = Math.multiplyExact(rowSeconds, 1_000_000_000L);
        String line;
        int lineNumber = 1;
        long row = 0;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            final String[] cells = line.split(",", -1);
            if (cells.length != columns.length) {
                throw new IllegalArgumentException("wrong number of cells [source=" + source + ", line=" + lineNumber
                    + ", expected=" + columns.length + ", actual=" + cells.length + "]");
            }
            final long timeNs = isUntimed ? Math.multiplyExact(row++, rowNs) : parseTime(cells[0], source, lineNumber);
            if (isLong) {
                samples.add(cells[1], timeNs, parseLoad(cells[2], source, lineNumber, cells[1]), source, lineNumber);
            } else if (isSingle) {
                samples.add(singleSeriesKey, timeNs, parseLoad(cells[firstLoadColumn], source, lineNumber,
                    singleSeriesKey), source, lineNumber);
            } else {
                samples.time(timeNs);
                for (int k = 0; k < wideKeys.length; k++) {
                    final String cell = cells[k + firstLoadColumn];
                    if (!cell.isEmpty()) {
                        samples.add(wideKeys[k], timeNs, parseLoad(cell, source, lineNumber, wideKeys[k]), source,
                            lineNumber);
                    }
                }
            }
        }
    }

    static long parseTime(final String cell, final String source, final int lineNumber) {
        final String text = cell.strip();
        try {
            if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(text) * 1_000_000_000L;
            }
            if (text.length() == 19 && text.charAt(10) == ' ') {
                return toNs(LocalDateTime.parse(text, SPACE_FORMAT).toInstant(ZoneOffset.UTC));
            }
            if (text.endsWith("Z") || text.lastIndexOf('+') > 10 || text.lastIndexOf('-') > 10) {
                return toNs(OffsetDateTime.parse(text).toInstant());
            }
            return toNs(LocalDateTime.parse(text).toInstant(ZoneOffset.UTC));
        } catch (final DateTimeParseException | NumberFormatException ex) {
            throw new IllegalArgumentException("bad timestamp: expected yyyy-MM-dd HH:mm:ss, ISO-8601 or epoch "
                + "seconds [source=" + source + ", line=" + lineNumber + ", value=" + cell + "]", ex);
        }
    }

    private static long toNs(final Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static double parseLoad(final String cell, final String source, final int lineNumber, final String key) {
        final double value;
        try {
            value = Double.parseDouble(cell.strip());
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

    private static String stem(final Path file) {
        final String name = file.getFileName().toString();
        final int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** Samples per key, before they go on the grid. */
    private static final class Samples {
        private final Map<String, TreeMap<Long, double[]>> byKey = new LinkedHashMap<>();
        private final Map<String, String> keySource = new HashMap<>();
        private final java.util.TreeSet<Long> times = new java.util.TreeSet<>();

        void time(final long timeNs) {
            times.add(timeNs);
        }

        void add(final String key, final long timeNs, final double value, final String source, final int line) {
            final String previous = keySource.putIfAbsent(key, source);
            if (previous != null && !previous.equals(source)) {
                throw new IllegalArgumentException("key appears in two files [key=" + key + ", first=" + previous
                    + ", second=" + source + ", line=" + line + "]");
            }
            times.add(timeNs);
            final double[] sumAndCount = byKey.computeIfAbsent(key, k -> new TreeMap<>())
                .computeIfAbsent(timeNs, t -> new double[2]);
            sumAndCount[0] += value;
            sumAndCount[1]++;
        }

        WideTrace toTrace(final long tickSeconds) {
            if (byKey.isEmpty() || times.size() < 2) {
                throw new IllegalArgumentException("trace needs at least one key and two distinct times");
            }
            final long startNs = times.first();
            final long tickNs = tickSeconds > 0 ? tickSeconds * 1_000_000_000L : mostCommonSpacing();
            final int ticks = (int) ((times.last() - startNs) / tickNs) + 1;
            final List<String> keys = new ArrayList<>(byKey.keySet());
            final double[][] loads = new double[ticks][keys.size()];
            for (int k = 0; k < keys.size(); k++) {
                final double[] sum = new double[ticks];
                final int[] count = new int[ticks];
                for (final Map.Entry<Long, double[]> e : byKey.get(keys.get(k)).entrySet()) {
                    final int t = (int) ((e.getKey() - startNs) / tickNs);
                    sum[t] += e.getValue()[0];
                    count[t] += (int) e.getValue()[1];
                }
                int first = -1;
                int last = -1;
                for (int t = 0; t < ticks; t++) {
                    if (count[t] > 0) {
                        last = t;
                        if (first < 0) {
                            first = t;
                        }
                    }
                }
                double carried = 0;
                for (int t = first; t <= last; t++) {
                    carried = count[t] > 0 ? sum[t] / count[t] : carried;
                    loads[t][k] = carried;
                }
            }
            return new WideTrace(keys, startNs, tickNs, loads);
        }

        private long mostCommonSpacing() {
            final Map<Long, Integer> spacings = new HashMap<>();
            Long previous = null;
            for (final long time : times) {
                if (previous != null) {
                    spacings.merge(time - previous, 1, Integer::sum);
                }
                previous = time;
            }
            // The most frequent spacing; on a tie, the shorter one.
            return spacings.entrySet().stream().max(Map.Entry.<Long, Integer>comparingByValue()
                .thenComparing(Map.Entry.<Long, Integer>comparingByKey().reversed())).orElseThrow().getKey();
        }
    }
}
