package io.presplit.daemon.replay;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.time.temporal.TemporalQueries;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one cell of a trace file means: a timestamp, a load, or missing data. The rules, as the replay's help and
 * docs/RESULTS.md state them:
 * <ul>
 *   <li><b>Epoch numbers</b> (digits, optionally a fraction) are read by magnitude, as exporters write them:
 *       under 10<sup>11</sup> seconds, under 10<sup>14</sup> milliseconds, under 10<sup>17</sup> microseconds, else
 *       nanoseconds. A column's header unit is not trusted: the Bitbrains files head their seconds
 *       {@code Timestamp [ms]}. 10<sup>11</sup> seconds is the year 5138, 10<sup>11</sup> ms is 1973, so no
 *       timestamp of this century is ambiguous.</li>
 *   <li><b>Dates and times</b>: {@code yyyy-MM-dd}, then optionally {@code T} or a space and {@code HH:mm}, seconds
 *       and a fraction, then optionally an offset ({@code Z}, {@code +02:00}, {@code +0200}, {@code +02},
 *       {@code UTC}); no offset means UTC.</li>
 *   <li><b>Missing</b>: a blank cell, or {@code NaN}, {@code NA}, {@code N/A}, {@code null}, {@code None} in any
 *       case (what pandas, R and databases write for a missing value).</li>
 *   <li><b>Loads</b>: finite and not negative; anything else is an error naming the cell.</li>
 * </ul>
 */
final class TraceCells {
    /** Below this many, an epoch number is seconds; each further factor of 1,000 is the next finer unit. */
    private static final long SECONDS_BELOW = 100_000_000_000L;
    private static final Set<String> MISSING = Set.of("nan", "na", "n/a", "null", "none");
    private static final Pattern EPOCH = Pattern.compile("\\d{1,19}(\\.\\d+)?");
    private static final Pattern COMPACT_OFFSET = Pattern.compile("([+-]\\d{2})(\\d{2})$");
    private static final Pattern HOURS_OFFSET = Pattern.compile("(T[^+-]*[+-]\\d{2})$");
    private static final DateTimeFormatter DATE_TIME = new DateTimeFormatterBuilder()
        .append(DateTimeFormatter.ISO_LOCAL_DATE)
        .optionalStart().appendLiteral('T').append(DateTimeFormatter.ISO_LOCAL_TIME).optionalEnd()
        .optionalStart().appendOffsetId().optionalEnd()
        .toFormatter(Locale.ROOT);

    private TraceCells() {
    }

    /** Whether a cell holds no value (see the class comment). */
    static boolean isMissing(final String cell) {
        final String text = cell.strip();
        return text.isEmpty() || MISSING.contains(text.toLowerCase(Locale.ROOT));
    }

    /**
     * A timestamp cell as ns since the epoch.
     *
     * @throws IllegalArgumentException naming the source, the line and the value.
     */
    static long timeNs(final String cell, final String source, final long line) {
        final String text = cell.strip();
        try {
            if (EPOCH.matcher(text).matches()) {
                return epochNs(text);
            }
            return dateTimeNs(text);
        } catch (final DateTimeParseException | ArithmeticException ex) {
            throw new IllegalArgumentException("bad timestamp: expected epoch seconds, ms, us or ns, or a date "
                + "yyyy-MM-dd with an optional time HH:mm[:ss[.fff]] and offset [source=" + source + ", line=" + line
                + ", value=" + cell + "]", ex);
        }
    }

    /**
     * A load cell.
     *
     * @throws IllegalArgumentException naming the source, line, key and value when it is not a finite non-negative
     *                                  number.
     */
    static double load(final String cell, final String source, final long line, final String key) {
        final double value;
        try {
            value = Double.parseDouble(cell.strip());
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("load is not a number [source=" + source + ", line=" + line
                + ", key=" + key + ", value=" + cell + "]", ex);
        }
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("load must be finite and non-negative [source=" + source + ", line="
                + line + ", key=" + key + ", value=" + cell + "]");
        }
        return value;
    }

    private static long epochNs(final String text) {
        if (text.length() <= 11 && text.indexOf('.') < 0) {
            return Long.parseLong(text) * 1_000_000_000L; // the common case: whole seconds
        }
        final BigDecimal value = new BigDecimal(text);
        int nsDigits = 9;
        for (BigDecimal bound = BigDecimal.valueOf(SECONDS_BELOW); value.compareTo(bound) >= 0 && nsDigits > 0;
            bound = bound.movePointRight(3)) {
            nsDigits -= 3;
        }
        return value.movePointRight(nsDigits).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
    }

    private static long dateTimeNs(final String text) {
        String iso = text;
        if (iso.length() > 10 && iso.charAt(10) == ' ') {
            iso = iso.substring(0, 10) + 'T' + iso.substring(11);
        }
        if (iso.endsWith("UTC")) {
            iso = iso.substring(0, iso.length() - 3).stripTrailing() + 'Z';
        }
        if (iso.indexOf('T') > 0) {
            iso = iso.replace(" +", "+").replace(" -", "-");
            iso = HOURS_OFFSET.matcher(COMPACT_OFFSET.matcher(iso).replaceFirst("$1:$2")).replaceFirst("$1:00");
        }
        final TemporalAccessor parsed = DATE_TIME.parse(iso);
        final LocalDate date = parsed.query(TemporalQueries.localDate());
        final LocalTime time = parsed.query(TemporalQueries.localTime());
        final ZoneOffset offset = parsed.query(TemporalQueries.offset());
        final long seconds = date.atTime(time == null ? LocalTime.MIDNIGHT : time)
            .toEpochSecond(offset == null ? ZoneOffset.UTC : offset);
        return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), time == null ? 0 : time.getNano());
    }
}
