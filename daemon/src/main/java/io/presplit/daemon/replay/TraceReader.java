package io.presplit.daemon.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads keyed load traces in three CSV layouts and puts them on one evenly spaced tick grid.
 * <ul>
 *   <li><b>wide</b>: header {@code timestamp[_utc],key1,key2,...}, one row per time, one column per key;</li>
 *   <li><b>long</b>: header {@code timestamp,key,value}, one row per sample;</li>
 *   <li><b>single series</b>: header {@code timestamp,value}; the key is the file name without extension.
 *       Several files make several keys of one key space.</li>
 * </ul>
 * The time column's name starts with {@code timestamp}, {@code time} or {@code date}, or is {@code ds} or {@code ts}
 * (names in any case). Cells are separated by commas, semicolons or tabs (whichever the header line has most of)
 * and may be quoted; a UTF-8 byte-order mark is skipped. {@link TraceCells} says how a cell is read: epoch numbers
 * by magnitude (s, ms, us, ns), dates with an optional time and offset, and the spellings of a missing value.
 * A file without a timestamp column is read as {@link TraceFile FILE@SECONDS}: its header names the keys (one
 * column named {@code value} takes the file's name), and data row {@code i} is time {@code i × SECONDS} from
 * 1970-01-01 UTC. The files of one trace are all timed or all untimed: untimed rows have no common clock with timed
 * ones.
 * <p>
 * The grid: the tick is the caller's, or the most common spacing between consecutive times of a file; the median
 * spacing, rounded, when none is common (jittered timestamps; see {@code inferredTick}). A
 * sample falls in tick {@code floor((time - start) / tick)}, and several samples of a key in one tick average. A
 * grid of more than {@value #MAX_GRID_CELLS} cells (ticks × keys) is refused, naming the widest spacing between
 * consecutive times: it is a stray timestamp, or a tick far finer than the trace's span needs.
 * <p>
 * Gaps: a blank cell or an absent sample is missing data, not zero load. Inside a key's life (between its first and
 * last sample) a gap carries the key's last known value forward; before its first sample and after its last the
 * key does not exist and carries no load.
 */
public final class TraceReader {
    /** Rows as arrays of cells, quotes removed; BOM skipped (Jackson detects it in the bytes). */
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).build();
    private static final char[] DELIMITERS = {',', ';', '\t'};
    private static final int MAX_HEADER_BYTES = 16 << 20;
    /** Ticks × keys a trace may hold on its grid: 400 MB of loads. */
    static final long MAX_GRID_CELLS = 50_000_000L;

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
        final BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
        final CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(delimiter(buffered, source));
        try (MappingIterator<String[]> rows = CSV.readerForArrayOf(String.class).with(schema)
            .readValues(buffered)) {
            if (!rows.hasNext()) {
                throw new IllegalArgumentException("empty trace file [source=" + source + "]");
            }
            final Header header = Header.of(rows.next(), source, rowSeconds > 0);
            final long rowNs = Math.multiplyExact(rowSeconds, 1_000_000_000L);
            long row = 0;
            while (rows.hasNext()) {
                final String[] cells = rows.next();
                // Jackson's location is the line after the row just read.
                final long line = rows.getCurrentLocation().getLineNr() - 1;
                if (cells.length == 1 && cells[0].isBlank()) {
                    continue;
                }
                final int cellCount = header.cellCount(cells);
                if (cellCount != header.columns()) {
                    throw new IllegalArgumentException("wrong number of cells [source=" + source + ", line=" + line
                        + ", expected=" + header.columns() + ", actual=" + cellCount + "]");
                }
                final long timeNs = header.isUntimed() ? Math.multiplyExact(row++, rowNs)
                    : TraceCells.timeNs(cells[0], source, line);
                samples.time(source, timeNs);
                if (header.isLong()) {
                    final String key = cells[1].strip();
                    if (key.isEmpty()) {
                        throw new IllegalArgumentException("blank key [source=" + source + ", line=" + line + "]");
                    }
                    if (!TraceCells.isMissing(cells[2])) {
                        samples.add(key, timeNs, TraceCells.load(cells[2], source, line, key), source, line);
                    }
                } else {
                    for (int k = 0; k < header.keys().length; k++) {
                        final String cell = cells[k + header.firstLoadColumn()];
                        final String key = header.isSingle() ? singleSeriesKey : header.keys()[k];
                        if (!TraceCells.isMissing(cell)) {
                            samples.add(key, timeNs, TraceCells.load(cell, source, line, key), source, line);
                        }
                    }
                }
            }
        } catch (final JsonProcessingException ex) {
            throw new IllegalArgumentException("malformed CSV [source=" + source + ", line="
                + ex.getLocation().getLineNr() + "]: " + ex.getOriginalMessage(), ex);
        }
    }

    /**
     * The trace's column separator: the most frequent of comma, semicolon and tab in the header line, outside
     * quotes (a comma on a tie or when there is none). The Bitbrains originals separate with {@code ;} and a tab.
     */
    private static char delimiter(final BufferedInputStream in, final String source) throws IOException {
        in.mark(MAX_HEADER_BYTES + 1);
        final int[] counts = new int[DELIMITERS.length];
        boolean isQuoted = false;
        int read = 0;
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            if (++read > MAX_HEADER_BYTES) {
                throw new IllegalArgumentException("trace header line is longer than " + MAX_HEADER_BYTES
                    + " bytes [source=" + source + "]");
            }
            if (b == '"') {
                isQuoted = !isQuoted;
            }
            for (int d = 0; d < DELIMITERS.length && !isQuoted; d++) {
                counts[d] += b == DELIMITERS[d] ? 1 : 0;
            }
        }
        in.reset();
        int best = 0;
        for (int d = 1; d < DELIMITERS.length; d++) {
            best = counts[d] > counts[best] ? d : best;
        }
        return DELIMITERS[best];
    }

    /**
     * A file's header: its layout and keys.
     *
     * @param columns         cells a row must have.
     * @param firstLoadColumn 0 for an untimed file, else 1 (the time comes first).
     * @param keys            a wide file's keys by load column; its one column for a single-series file; none for
     *                        a long one.
     * @param trailingEmpty   the header ends in a delimiter (an empty last name): rows may too, with that cell empty.
     */
    private record Header(int columns, int firstLoadColumn, String[] keys, boolean isLong, boolean isSingle,
        boolean isUntimed, boolean trailingEmpty) {

        static Header of(final String[] raw, final String source, final boolean isUntimed) {
            final boolean trailingEmpty = raw.length > 1 && raw[raw.length - 1].isBlank();
            final String[] names = new String[trailingEmpty ? raw.length - 1 : raw.length];
            for (int c = 0; c < names.length; c++) {
                names[c] = raw[c].strip();
            }
            final String headerText = String.join(",", names);
            final boolean isTimed = isTimeColumn(names[0]);
            if (isUntimed && isTimed) {
                throw new IllegalArgumentException("FILE@SECONDS is for files without timestamps, and this one has a "
                    + "timestamp column: drop @SECONDS (--tick-seconds sets the tick) [source=" + source
                    + ", header=" + headerText + "]");
            }
            if (!isUntimed && (names.length < 2 || !isTimed)) {
                throw new IllegalArgumentException("trace header must start with a time column (named timestamp..., "
                    + "time..., date..., ds or ts); for a file without timestamps give its rows' spacing as "
                    + "FILE@SECONDS [source=" + source + ", line=1, header=" + headerText + "]");
            }
            final int firstLoadColumn = isUntimed ? 0 : 1;
            final boolean isLong = !isUntimed && names.length == 3 && "key".equalsIgnoreCase(names[1])
                && "value".equalsIgnoreCase(names[2]);
            final boolean isSingle = names.length == firstLoadColumn + 1
                && "value".equalsIgnoreCase(names[firstLoadColumn]);
            final String[] keys = isLong ? new String[0] : Arrays.copyOfRange(names, firstLoadColumn, names.length);
            for (final String key : keys) {
                if (key.isEmpty()) {
                    throw new IllegalArgumentException("empty key name in the header [source=" + source
                        + ", line=1, header=" + headerText + "]");
                }
            }
            if (new HashSet<>(Arrays.asList(keys)).size() < keys.length) {
                throw new IllegalArgumentException("a key name repeats in the header [source=" + source
                    + ", line=1, header=" + headerText + "]");
            }
            return new Header(names.length, firstLoadColumn, keys, isLong, isSingle, isUntimed, trailingEmpty);
        }

        /** A row's cell count, not counting the empty cell after a trailing delimiter the header also has. */
        int cellCount(final String[] cells) {
            return trailingEmpty && cells.length == columns + 1 && cells[columns].isBlank() ? columns : cells.length;
        }

        private static boolean isTimeColumn(final String name) {
            final String lower = name.toLowerCase(Locale.ROOT);
            return lower.startsWith("time") || lower.startsWith("date") || "ds".equals(lower) || "ts".equals(lower);
        }
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
        private final TreeSet<Long> times = new TreeSet<>();
        private final Map<String, TreeSet<Long>> fileTimes = new HashMap<>();

        /** A row's time in its file, whether or not it holds a value. */
        void time(final String file, final long timeNs) {
            times.add(timeNs);
            fileTimes.computeIfAbsent(file, k -> new TreeSet<>()).add(timeNs);
        }

        void add(final String key, final long timeNs, final double value, final String source, final long line) {
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
            final long tickNs = tickSeconds > 0 ? Math.multiplyExact(tickSeconds, 1_000_000_000L) : inferredTick();
            final long span = times.last() - startNs;
            final long tickCount = span / tickNs + 1;
            if (tickCount > MAX_GRID_CELLS / byKey.size()) {
                throw new IllegalArgumentException("the trace's grid would be " + tickCount + " ticks of " + tickNs
                    + " ns for " + byKey.size() + " keys, more than " + MAX_GRID_CELLS + " cells: give a longer "
                    + "--tick-seconds, or look for a stray timestamp [first=" + Instant.ofEpochSecond(0, startNs)
                    + ", last=" + Instant.ofEpochSecond(0, times.last()) + ", widestSpacing=" + widestSpacing() + "]");
            }
            final int ticks = (int) tickCount;
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

        /** The widest spacing between consecutive times, and where it starts. */
        private String widestSpacing() {
            long widest = 0;
            long after = times.first();
            Long previous = null;
            for (final long time : times) {
                if (previous != null && time - previous > widest) {
                    widest = time - previous;
                    after = previous;
                }
                previous = time;
            }
            return Duration.ofNanos(widest) + " after " + Instant.ofEpochSecond(0, after);
        }

        /**
         * The tick a trace's rows suggest: the most common spacing between consecutive times of one file, over all
         * files (on a tie, the shorter), so that files sampled on the same period at different phases agree. When no
         * spacing is that common (a quarter of them or fewer: jittered or event-timed samples), the median spacing,
         * rounded to the minute when that moves it 5 % at most, else to the second (the millisecond under a second).
         */
        private long inferredTick() {
            final Map<Long, Integer> counts = new HashMap<>();
            for (final TreeSet<Long> file : fileTimes.values()) {
                countSpacings(file, counts);
            }
            if (counts.isEmpty()) {
                countSpacings(times, counts);
            }
            final Map.Entry<Long, Integer> mode = counts.entrySet().stream().max(Map.Entry.<Long, Integer>
                comparingByValue().thenComparing(Map.Entry.<Long, Integer>comparingByKey().reversed())).orElseThrow();
            final long total = counts.values().stream().mapToLong(Integer::longValue).sum();
            if (mode.getValue() * 4L > total) {
                return mode.getKey();
            }
            long seen = 0;
            long median = mode.getKey();
            for (final Map.Entry<Long, Integer> spacing : new TreeMap<>(counts).entrySet()) {
                seen += spacing.getValue();
                if (2 * seen >= total) {
                    median = spacing.getKey();
                    break;
                }
            }
            // A whole minute when one is within 5 % (jitter around a minute-based period), else a whole second.
            final long minute = Math.round(median / 60e9) * 60_000_000_000L;
            if (minute > 0 && Math.abs(minute - median) <= median / 20) {
                return minute;
            }
            final long unit = median >= 1_000_000_000L ? 1_000_000_000L : 1_000_000L;
            return Math.max(unit, Math.round((double) median / unit) * unit);
        }

        private static void countSpacings(final Iterable<Long> sortedTimes, final Map<Long, Integer> counts) {
            Long previous = null;
            for (final long time : sortedTimes) {
                if (previous != null) {
                    counts.merge(time - previous, 1, Integer::sum);
                }
                previous = time;
            }
        }
    }
}
