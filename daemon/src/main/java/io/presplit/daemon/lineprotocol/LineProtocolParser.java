package io.presplit.daemon.lineprotocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Parses InfluxDB line protocol from bytes into Presplit points: one point per field of each line.
 * <p>
 * <b>Mapping.</b> A line {@code measurement[,tag=value...] field=value[,field=value...] [timestamp]} gives one point
 * per field, whose series key is
 * <pre>
 *   measurement[,tagKey=tagValue...] fieldKey
 * </pre>
 * with the tags sorted by key (byte order), names kept exactly as written (escapes included), one space before the
 * field key. So {@code cpu,region=eu,host=a usage=0.5,idle=0.4 1700000000000000000} writes the series
 * {@code cpu,host=a,region=eu usage} and {@code cpu,host=a,region=eu idle}. Values: floats, integers ({@code 12i})
 * and unsigned integers ({@code 12u}) are stored as doubles; booleans ({@code t, true, f, false} in any of the
 * spellings InfluxDB accepts) as 1 and 0; string fields are rejected (the store holds numbers only), and so is the
 * whole line that has one. A line without a timestamp takes the request's arrival time.
 * <p>
 * <b>With a field schema</b> ({@link #withFields}): a line gives one record instead, series key
 * {@code measurement[,tagKey=tagValue...]} (tags sorted as above, no field key) and a value per schema field in
 * schema order ({@link PointSink#onRecord}). A line must carry exactly the schema's fields, in any order: an
 * unknown field, a field given twice or a missing one fails the line, naming the field and the schema.
 * <p>
 * <b>Errors.</b> Each line is validated completely before any of its points is given to the sink, so a line is
 * written whole or not at all. Valid lines of a batch are written even when other lines fail, as InfluxDB does;
 * {@link ParseResult} counts the failed lines and keeps the first {@link ParseResult#MAX_ERRORS} messages, each
 * naming the line number and what was wrong.
 * <p>
 * <b>Cost.</b> Hot path: scans the bytes once, no regular expressions, no objects per line for ASCII keys and
 * numbers of at most 15 significant digits (others take {@link Double#parseDouble} on a temporary string). Errors
 * allocate their message. One parser per thread; not thread-safe.
 */
public final class LineProtocolParser {
    /** The longest series key the store accepts, in UTF-8 bytes. */
    public static final int MAX_SERIES_KEY_BYTES = 1024;
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22};
    /** Doubles represent every integer up to 2^53 exactly; 15 decimal digits always fit. */
    private static final int MAX_EXACT_DIGITS = 15;
    private static final int INITIAL_TAGS = 16;
    private static final int INITIAL_FIELDS = 16;

    private final ByteSequence seriesKey = new ByteSequence();
    private final byte[] keyBuffer = new byte[MAX_SERIES_KEY_BYTES];
    // Per line: tag and field positions [start, end) in the input, and the field values.
    private int[] tagStart = new int[INITIAL_TAGS];
    private int[] tagEnd = new int[INITIAL_TAGS];
    private int[] fieldNameStart = new int[INITIAL_FIELDS];
    private int[] fieldNameEnd = new int[INITIAL_FIELDS];
    private double[] fieldValue = new double[INITIAL_FIELDS];
    private int tagCount;
    private int fieldCount;
    // Outputs of the scanning helpers, to return two values without an object.
    private int scanEnd;
    private double scannedValue;
    private long scannedTimestampNs;
    /** The error of the line being parsed, or {@code null}. */
    private String lineError;
    /** The schema's field names in UTF-8, in record order; {@code null}: one point per field. */
    private final byte[][] schemaNames;
    /** The schema as written in messages. */
    private final String schemaText;
    /** The current line's values in schema order, and which were seen (with a schema only). */
    private final double[] recordValues;
    private final boolean[] isSchemaFieldSeen;

    /** A parser that gives one point per field of each line. */
    public LineProtocolParser() {
        this.schemaNames = null;
        this.schemaText = null;
        this.recordValues = null;
        this.isSchemaFieldSeen = null;
    }

    private LineProtocolParser(final List<String> fieldNames) {
        if (fieldNames.isEmpty()) {
            throw new IllegalArgumentException("field schema without fields");
        }
        this.schemaNames = new byte[fieldNames.size()][];
        for (int i = 0; i < schemaNames.length; i++) {
            schemaNames[i] = fieldNames.get(i).getBytes(StandardCharsets.UTF_8);
        }
        this.schemaText = String.join(", ", fieldNames);
        this.recordValues = new double[schemaNames.length];
        this.isSchemaFieldSeen = new boolean[schemaNames.length];
    }

    /**
     * A parser that gives one record per line with a value for each of {@code fieldNames}, in that order (names
     * as written in line protocol, escapes included). Cold.
     *
     * @throws IllegalArgumentException when the list is empty.
     */
    public static LineProtocolParser withFields(final List<String> fieldNames) {
        return new LineProtocolParser(fieldNames);
    }

    /**
     * Parses {@code bytes[offset, offset + length)} and gives every point of every valid line to {@code sink}.
     *
     * @param precision          the unit of the timestamps.
     * @param defaultTimestampNs the timestamp of lines that have none.
     * @param result             reset, then filled with the counts and the first errors.
     */
    public void parse(final byte[] bytes, final int offset, final int length, final Precision precision,
        final long defaultTimestampNs, final PointSink sink, final ParseResult result) {
        result.reset();
        final int end = offset + length;
        int lineNumber = 0;
        int position = offset;
        while (position < end) {
            lineNumber++;
            int lineEnd = position;
            while (lineEnd < end && bytes[lineEnd] != '\n') {
                lineEnd++;
            }
            final int next = lineEnd + 1;
            if (lineEnd > position && bytes[lineEnd - 1] == '\r') {
                lineEnd--;
            }
            int start = position;
            while (start < lineEnd && (bytes[start] == ' ' || bytes[start] == '\t')) {
                start++;
            }
            position = next;
            if (start == lineEnd || bytes[start] == '#') {
                continue;
            }
            result.lines++;
            lineError = null;
            if (parseLine(bytes, start, lineEnd, precision, defaultTimestampNs)) {
                if (schemaNames == null) {
                    emit(bytes, start, sink);
                    result.points += fieldCount;
                } else {
                    seriesKey.wrap(keyBuffer, scanEnd);
                    sink.onRecord(seriesKey, scannedTimestampNs, recordValues);
                    result.points++;
                }
            } else {
                result.addError(lineNumber, lineError, bytes, start, lineEnd);
            }
        }
    }

    /** Parses one line into the per-line arrays; on failure sets {@link #lineError} and returns {@code false}. */
    private boolean parseLine(final byte[] b, final int start, final int end, final Precision precision,
        final long defaultTimestampNs) {
        tagCount = 0;
        fieldCount = 0;
        // Measurement: up to an unescaped ',' or ' '.
        int i = start;
        while (i < end && b[i] != ',' && b[i] != ' ') {
            i = b[i] == '\\' ? i + 2 : i + 1;
        }
        if (i == start) {
            return fail("missing measurement");
        }
        if (i >= end) {
            return fail("missing fields");
        }
        final int measurementEnd = i;
        // Tags: ",key=value" pairs up to the first unescaped space.
        while (i < end && b[i] == ',') {
            final int tagStartAt = i + 1;
            int j = tagStartAt;
            int equals = -1;
            while (j < end && b[j] != ',' && b[j] != ' ') {
                if (b[j] == '\\') {
                    j += 2;
                    continue;
                }
                if (b[j] == '=' && equals < 0) {
                    equals = j;
                }
                j++;
            }
            j = Math.min(j, end);
            if (equals <= tagStartAt || equals == j - 1) {
                return fail("invalid tag (want key=value) at '" + text(b, tagStartAt, j) + "'");
            }
            addTag(tagStartAt, j);
            i = j;
        }
        if (i >= end || b[i] != ' ') {
            return fail("missing fields");
        }
        while (i < end && b[i] == ' ') {
            i++;
        }
        // Fields: "key=value" pairs separated by ',' up to an unescaped space.
        while (true) {
            final int nameStart = i;
            while (i < end && b[i] != '=' && b[i] != ' ' && b[i] != ',') {
                i = b[i] == '\\' ? i + 2 : i + 1;
            }
            if (i >= end || b[i] != '=' || i == nameStart) {
                return fail("invalid field (want key=value) at '" + text(b, nameStart, Math.min(i + 1, end)) + "'");
            }
            final int nameEnd = i;
            i++;
            if (!scanFieldValue(b, i, end, nameStart, nameEnd)) {
                return false;
            }
            addField(nameStart, nameEnd, scannedValue);
            i = scanEnd;
            if (i < end && b[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        // Optional timestamp.
        while (i < end && b[i] == ' ') {
            i++;
        }
        final long timestampNs;
        if (i >= end) {
            timestampNs = defaultTimestampNs;
        } else {
            if (!scanTimestamp(b, i, end, precision)) {
                return false;
            }
            timestampNs = scannedTimestampNs;
        }
        scannedTimestampNs = timestampNs;
        if (schemaNames != null && !mapFieldsToSchema(b)) {
            return false;
        }
        return buildKeyPrefix(b, start, measurementEnd);
    }

    /** Puts the line's field values into {@link #recordValues} in schema order; fails on a field not exactly once. */
    private boolean mapFieldsToSchema(final byte[] b) {
        final byte[][] names = schemaNames;
        final boolean[] isSeen = isSchemaFieldSeen;
        Arrays.fill(isSeen, false);
        for (int f = 0; f < fieldCount; f++) {
            final int index = schemaIndex(b, fieldNameStart[f], fieldNameEnd[f]);
            if (index < 0) {
                return fail("unknown field '" + text(b, fieldNameStart[f], fieldNameEnd[f]) + "' (fields of this "
                    + "store: " + schemaText + ")");
            }
            if (isSeen[index]) {
                return fail("field '" + text(b, fieldNameStart[f], fieldNameEnd[f]) + "' given twice");
            }
            isSeen[index] = true;
            recordValues[index] = fieldValue[f];
        }
        for (int i = 0; i < names.length; i++) {
            if (!isSeen[i]) {
                return fail("missing field '" + new String(names[i], StandardCharsets.UTF_8) + "' (every line "
                    + "carries all fields of this store: " + schemaText + ")");
            }
        }
        return true;
    }

    /** The schema index of the field name {@code b[from, to)}, or -1. Schemas are small: a linear scan. */
    private int schemaIndex(final byte[] b, final int from, final int to) {
        final byte[][] names = schemaNames;
        for (int i = 0; i < names.length; i++) {
            if (Arrays.equals(names[i], 0, names[i].length, b, from, to)) {
                return i;
            }
        }
        return -1;
    }

    /** Scans one field value starting at {@code i}; sets {@link #scannedValue} and {@link #scanEnd}. */
    private boolean scanFieldValue(final byte[] b, final int i, final int end, final int nameStart,
        final int nameEnd) {
        if (i >= end) {
            return fail("missing value of field '" + text(b, nameStart, nameEnd) + "'");
        }
        final byte first = b[i];
        if (first == '"') {
            return fail("string field '" + text(b, nameStart, nameEnd) + "' not supported (values must be numbers "
                + "or booleans)");
        }
        int j = i;
        while (j < end && b[j] != ',' && b[j] != ' ') {
            j++;
        }
        if (j == i) {
            return fail("missing value of field '" + text(b, nameStart, nameEnd) + "'");
        }
        scanEnd = j;
        if (first == 't' || first == 'T' || first == 'f' || first == 'F') {
            final int bool = parseBoolean(b, i, j);
            if (bool < 0) {
                return fail("invalid value of field '" + text(b, nameStart, nameEnd) + "': '" + text(b, i, j) + "'");
            }
            scannedValue = bool;
            return true;
        }
        final byte last = b[j - 1];
        final boolean isValid = last == 'i' ? parseSignedInteger(b, i, j - 1)
            : last == 'u' ? parseUnsignedInteger(b, i, j - 1)
            : parseFloat(b, i, j);
        if (!isValid) {
            return fail("invalid value of field '" + text(b, nameStart, nameEnd) + "': '" + text(b, i, j) + "'");
        }
        return true;
    }

    /** 1 for true, 0 for false, -1 when {@code b[from, to)} is no boolean InfluxDB accepts. */
    private static int parseBoolean(final byte[] b, final int from, final int to) {
        final int length = to - from;
        if (length == 1) {
            return b[from] == 't' || b[from] == 'T' ? 1 : b[from] == 'f' || b[from] == 'F' ? 0 : -1;
        }
        if (equalsAny(b, from, to, "true", "True", "TRUE")) {
            return 1;
        }
        if (equalsAny(b, from, to, "false", "False", "FALSE")) {
            return 0;
        }
        return -1;
    }

    private static boolean equalsAny(final byte[] b, final int from, final int to, final String s1,
        final String s2, final String s3) {
        return equalsAscii(b, from, to, s1) || equalsAscii(b, from, to, s2) || equalsAscii(b, from, to, s3);
    }

    private static boolean equalsAscii(final byte[] b, final int from, final int to, final String s) {
        if (to - from != s.length()) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            if (b[from + k] != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private boolean parseSignedInteger(final byte[] b, final int from, final int to) {
        int k = from;
        final boolean isNegative = k < to && b[k] == '-';
        if (isNegative) {
            k++;
        }
        if (k >= to) {
            return false;
        }
        long value = 0;
        for (; k < to; k++) {
            final int digit = b[k] - '0';
            if (digit < 0 || digit > 9) {
                return false;
            }
            // Accumulate negatively: Long.MIN_VALUE has no positive counterpart.
            if (value < (Long.MIN_VALUE + digit) / 10) {
                return false;
            }
            value = value * 10 - digit;
        }
        if (!isNegative && value == Long.MIN_VALUE) {
            return false;
        }
        scannedValue = isNegative ? value : -(double) value;
        return true;
    }

    private boolean parseUnsignedInteger(final byte[] b, final int from, final int to) {
        if (from >= to) {
            return false;
        }
        long value = 0;
        for (int k = from; k < to; k++) {
            final int digit = b[k] - '0';
            if (digit < 0 || digit > 9) {
                return false;
            }
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - digit, 10)) > 0) {
                return false;
            }
            value = value * 10 + digit;
        }
        scannedValue = value >= 0 ? value : (double) (value >>> 1) * 2.0 + (value & 1);
        return true;
    }

    /**
     * A float: {@code [+-]digits[.digits][(e|E)[+-]digits]} or {@code [+-].digits...}. Exact and allocation-free when
     * the significand has at most 15 digits and the decimal exponent lies within ±22 (the classic fast path: both
     * factors are exact doubles, so one multiplication or division rounds correctly); otherwise
     * {@link Double#parseDouble}.
     */
    private boolean parseFloat(final byte[] b, final int from, final int to) {
        int k = from;
        final boolean isNegative = b[k] == '-';
        if (b[k] == '-' || b[k] == '+') {
            k++;
        }
        final int unsignedFrom = k;
        long significand = 0;
        int digits = 0;
        int exponent = 0;
        int mantissaDigits = 0;
        for (; k < to && b[k] >= '0' && b[k] <= '9'; k++) {
            mantissaDigits++;
            if (significand == 0 && b[k] == '0') {
                continue;
            }
            if (digits < 18) {
                significand = significand * 10 + (b[k] - '0');
            } else {
                exponent++;
            }
            digits++;
        }
        if (k < to && b[k] == '.') {
            k++;
            for (; k < to && b[k] >= '0' && b[k] <= '9'; k++) {
                mantissaDigits++;
                if (significand == 0 && b[k] == '0') {
                    exponent--;
                    continue;
                }
                if (digits < 18) {
                    significand = significand * 10 + (b[k] - '0');
                    exponent--;
                }
                digits++;
            }
        }
        if (mantissaDigits == 0) {
            return false;
        }
        if (k < to && (b[k] == 'e' || b[k] == 'E')) {
            k++;
            boolean isExponentNegative = false;
            if (k < to && (b[k] == '-' || b[k] == '+')) {
                isExponentNegative = b[k] == '-';
                k++;
            }
            if (k >= to) {
                return false;
            }
            int explicit = 0;
            for (; k < to; k++) {
                final int digit = b[k] - '0';
                if (digit < 0 || digit > 9) {
                    return false;
                }
                explicit = Math.min(explicit * 10 + digit, 100_000);
            }
            exponent += isExponentNegative ? -explicit : explicit;
        }
        if (k != to) {
            return false;
        }
        double value;
        if (significand == 0) {
            value = 0.0;
        } else if (digits <= MAX_EXACT_DIGITS && exponent >= -22 && exponent <= 22) {
            value = exponent >= 0 ? significand * POWERS_OF_TEN[exponent] : significand / POWERS_OF_TEN[-exponent];
        } else {
            value = Double.parseDouble(new String(b, unsignedFrom, to - unsignedFrom, StandardCharsets.ISO_8859_1));
        }
        if (!Double.isFinite(value)) {
            return false;
        }
        scannedValue = isNegative ? -value : value;
        return true;
    }

    /** A timestamp in {@code precision} units; sets {@link #scannedTimestampNs}. */
    private boolean scanTimestamp(final byte[] b, final int from, final int end, final Precision precision) {
        int to = from;
        while (to < end && b[to] != ' ') {
            to++;
        }
        int trailing = to;
        while (trailing < end && b[trailing] == ' ') {
            trailing++;
        }
        if (trailing != end) {
            return fail("unexpected text after the timestamp: '" + text(b, trailing, end) + "'");
        }
        if (b[from] == '-') {
            return fail("negative timestamp '" + text(b, from, to) + "' (the store keeps times since 1970)");
        }
        long value = 0;
        for (int k = from; k < to; k++) {
            final int digit = b[k] - '0';
            if (digit < 0 || digit > 9 || value > (Long.MAX_VALUE - digit) / 10) {
                return fail("invalid timestamp '" + text(b, from, to) + "'");
            }
            value = value * 10 + digit;
        }
        final long nanosPerUnit = precision.nanosPerUnit();
        if (value > Long.MAX_VALUE / nanosPerUnit) {
            return fail("timestamp '" + text(b, from, to) + "' out of range for precision " + precision.label());
        }
        scannedTimestampNs = value * nanosPerUnit;
        return true;
    }

    /**
     * Writes {@code measurement,sortedTags} into {@link #keyBuffer}; fails when the longest key would not fit.
     * The field names are appended per point in {@link #emit}.
     */
    private boolean buildKeyPrefix(final byte[] b, final int start, final int measurementEnd) {
        sortTags(b);
        int length = measurementEnd - start;
        for (int t = 0; t < tagCount; t++) {
            length += 1 + tagEnd[t] - tagStart[t];
        }
        // With a schema the key ends after the tags; otherwise a space and the longest field name follow.
        int longestField = -1;
        if (schemaNames == null) {
            for (int f = 0; f < fieldCount; f++) {
                longestField = Math.max(longestField, fieldNameEnd[f] - fieldNameStart[f]);
            }
        }
        if (length + 1 + longestField > MAX_SERIES_KEY_BYTES) {
            return fail("series key too long (" + (length + 1 + longestField) + " bytes, at most "
                + MAX_SERIES_KEY_BYTES + ")");
        }
        final byte[] key = keyBuffer;
        int k = measurementEnd - start;
        System.arraycopy(b, start, key, 0, k);
        for (int t = 0; t < tagCount; t++) {
            key[k++] = ',';
            final int tagLength = tagEnd[t] - tagStart[t];
            System.arraycopy(b, tagStart[t], key, k, tagLength);
            k += tagLength;
        }
        if (schemaNames != null) {
            scanEnd = k;
            return true;
        }
        key[k] = ' ';
        scanEnd = k + 1;
        return true;
    }

    /** Gives the line's points to the sink; the key prefix is in {@link #keyBuffer}, {@link #scanEnd} long. */
    private void emit(final byte[] b, final int lineStart, final PointSink sink) {
        final byte[] key = keyBuffer;
        final int prefixLength = scanEnd;
        final long timestampNs = scannedTimestampNs;
        final ByteSequence view = seriesKey;
        for (int f = 0; f < fieldCount; f++) {
            final int nameLength = fieldNameEnd[f] - fieldNameStart[f];
            System.arraycopy(b, fieldNameStart[f], key, prefixLength, nameLength);
            view.wrap(key, prefixLength + nameLength);
            sink.onPoint(view, timestampNs, fieldValue[f]);
        }
    }

    /** Insertion sort of the tags by their bytes ({@code key=value}): tag sets are small. */
    private void sortTags(final byte[] b) {
        final int[] starts = tagStart;
        final int[] ends = tagEnd;
        for (int i = 1; i < tagCount; i++) {
            final int s = starts[i];
            final int e = ends[i];
            int j = i - 1;
            while (j >= 0 && compareTagKeys(b, starts[j], ends[j], s, e) > 0) {
                starts[j + 1] = starts[j];
                ends[j + 1] = ends[j];
                j--;
            }
            starts[j + 1] = s;
            ends[j + 1] = e;
        }
    }

    /** Compares two {@code key=value} tags by key, then by value; {@code '='} sorts before every other byte. */
    private static int compareTagKeys(final byte[] b, final int s1, final int e1, final int s2, final int e2) {
        final int n = Math.min(e1 - s1, e2 - s2);
        for (int k = 0; k < n; k++) {
            final int c1 = b[s1 + k] == '=' ? -1 : b[s1 + k] & 0xff;
            final int c2 = b[s2 + k] == '=' ? -1 : b[s2 + k] & 0xff;
            if (c1 != c2) {
                return c1 - c2;
            }
        }
        return (e1 - s1) - (e2 - s2);
    }

    private void addTag(final int start, final int end) {
        if (tagCount == tagStart.length) {
            tagStart = Arrays.copyOf(tagStart, tagCount * 2);
            tagEnd = Arrays.copyOf(tagEnd, tagCount * 2);
        }
        tagStart[tagCount] = start;
        tagEnd[tagCount] = end;
        tagCount++;
    }

    private void addField(final int nameStart, final int nameEnd, final double value) {
        if (fieldCount == fieldNameStart.length) {
            fieldNameStart = Arrays.copyOf(fieldNameStart, fieldCount * 2);
            fieldNameEnd = Arrays.copyOf(fieldNameEnd, fieldCount * 2);
            fieldValue = Arrays.copyOf(fieldValue, fieldCount * 2);
        }
        fieldNameStart[fieldCount] = nameStart;
        fieldNameEnd[fieldCount] = nameEnd;
        fieldValue[fieldCount] = value;
        fieldCount++;
    }

    private boolean fail(final String message) {
        lineError = message;
        return false;
    }

    private static String text(final byte[] b, final int from, final int to) {
        return new String(b, from, Math.max(0, Math.min(to, b.length) - from), StandardCharsets.UTF_8);
    }
}
