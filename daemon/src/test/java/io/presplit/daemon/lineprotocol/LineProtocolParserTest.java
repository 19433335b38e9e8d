package io.presplit.daemon.lineprotocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.AllocationMeter;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The line-protocol mapping, its errors and its allocation, as specifications. */
class LineProtocolParserTest {
    private static final long NOW_NS = 1_700_000_000_123_000_000L;

    private final LineProtocolParser parser = new LineProtocolParser();
    private final ParseResult result = new ParseResult();

    record Point(String key, long timestampNs, double value) {
    }

    private List<Point> parse(final String body, final Precision precision) {
        final List<Point> points = new ArrayList<>();
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        parser.parse(bytes, 0, bytes.length, precision, NOW_NS,
            (key, ts, value) -> points.add(new Point(key.toString(), ts, value)), result);
        return points;
    }

    /** Guards the documented key mapping: tags sorted by key, one point per field, one space before the field. */
    @Test
    void shouldMapEachFieldToOneSeriesWithSortedTagsWhenLineHasSeveralFields() {
        final List<Point> points = parse("cpu,region=eu,host=a usage=0.5,idle=12i 1700000000000000000\n",
            Precision.NANOSECONDS);
        assertThat(points).containsExactly(
            new Point("cpu,host=a,region=eu usage", 1_700_000_000_000_000_000L, 0.5),
            new Point("cpu,host=a,region=eu idle", 1_700_000_000_000_000_000L, 12.0));
        assertThat(result.lines()).isEqualTo(1);
        assertThat(result.points()).isEqualTo(2);
        assertThat(result.hasErrors()).isFalse();
    }

    /** Guards the precision parameter: the same number means different instants. */
    @Test
    void shouldScaleTimestampsByPrecision() {
        assertThat(parse("m v=1 5", Precision.SECONDS).getFirst().timestampNs()).isEqualTo(5_000_000_000L);
        assertThat(parse("m v=1 5", Precision.MILLISECONDS).getFirst().timestampNs()).isEqualTo(5_000_000L);
        assertThat(parse("m v=1 5", Precision.MICROSECONDS).getFirst().timestampNs()).isEqualTo(5_000L);
        assertThat(parse("m v=1 5", Precision.NANOSECONDS).getFirst().timestampNs()).isEqualTo(5L);
        assertThat(Precision.byLabel("h")).isNull();
        assertThat(Precision.byLabel(null)).isEqualTo(Precision.NANOSECONDS);
    }

    /** Guards a line without a timestamp: it takes the request's time, not zero. */
    @Test
    void shouldUseArrivalTimeWhenLineHasNoTimestamp() {
        assertThat(parse("m,t=1 v=2\r\n", Precision.SECONDS)).containsExactly(new Point("m,t=1 v", NOW_NS, 2.0));
    }

    /** Guards every numeric spelling the clients send, and booleans as 1/0. */
    @Test
    void shouldParseEveryNumericAndBooleanSpelling() {
        final String body = String.join("\n", "m a=1", "m a=-1.5", "m a=1e3", "m a=2.5E-3", "m a=.5", "m a=-0.000123",
            "m a=9223372036854775807i", "m a=-9223372036854775808i", "m a=18446744073709551615u", "m a=t",
            "m a=FALSE", "m a=True", "m a=123456789012345678901234", "m a=0.1", "m a=3.141592653589793238");
        final List<Point> points = parse(body, Precision.NANOSECONDS);
        assertThat(points).extracting(Point::value).containsExactly(1.0, -1.5, 1000.0, 2.5e-3, 0.5, -0.000123,
            9.223372036854775807e18, -9.223372036854775808e18, 1.8446744073709551615e19, 1.0, 0.0, 1.0,
            1.23456789012345678901234e23, 0.1, Math.PI);
        assertThat(result.hasErrors()).isFalse();
    }

    /** Guards the fast float path against Double.parseDouble on random decimals (exact rounding). */
    @Test
    void shouldParseFloatsExactlyLikeDoubleParseDouble() {
        final java.util.Random random = new java.util.Random(42);
        System.out.println("seed=42");
        for (int i = 0; i < 20_000; i++) {
            final String text = switch (i % 3) {
                case 0 -> Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(20) - 10));
                case 1 -> Long.toString(random.nextLong() % 1_000_000_000_000L) + "." + random.nextInt(100_000);
                default -> String.format(java.util.Locale.ROOT, "%.6e", random.nextGaussian() * 1e5);
            };
            final List<Point> points = parse("m v=" + text, Precision.NANOSECONDS);
            assertThat(points).as(text).hasSize(1);
            assertThat(points.getFirst().value()).as(text).isEqualTo(Double.parseDouble(text));
        }
    }

    /**
     * Guards partial writes: bad lines are reported by number and reason, good lines are still written, and a bad
     * line writes none of its fields.
     */
    @Test
    void shouldWriteValidLinesAndNameEachRejectedLineWhenBatchIsPartlyBad() {
        final List<Point> points = parse(String.join("\n",
            "m v=1 1",
            "m v=1,s=\"text\" 2",
            "m v=abc 3",
            "# a comment",
            "",
            "m,t v=1 4",
            "m v=1 -5",
            "m v=1 99999999999999999999",
            "m",
            "m v=2 6",
            "m v=1 7 extra",
            "m v= 8"), Precision.NANOSECONDS);
        assertThat(points).containsExactly(new Point("m v", 1, 1.0), new Point("m v", 6, 2.0));
        assertThat(result.lines()).isEqualTo(10);
        assertThat(result.rejectedLines()).isEqualTo(8);
        assertThat(result.errors()).hasSize(8);
        assertThat(result.errors().get(0)).startsWith("line 2: string field 's' not supported");
        assertThat(result.errors().get(1)).startsWith("line 3: invalid value of field 'v': 'abc'");
        assertThat(result.errors().get(2)).startsWith("line 6: invalid tag");
        assertThat(result.errors().get(3)).startsWith("line 7: negative timestamp");
        assertThat(result.errors().get(4)).startsWith("line 8: invalid timestamp");
        assertThat(result.errors().get(5)).startsWith("line 9: missing fields");
        assertThat(result.errors().get(6)).startsWith("line 11: unexpected text after the timestamp");
        assertThat(result.errors().get(7)).startsWith("line 12: missing value of field 'v'");
        assertThat(result.errorMessage()).startsWith("partial write: 8 of 10 lines rejected (the other 2 lines "
            + "were written); line 2:");
    }

    /** Guards escapes: escaped separators stay inside names and are kept as written in the key. */
    @Test
    void shouldKeepEscapedSeparatorsInsideNames() {
        assertThat(parse("my\\ cpu,host\\=x=a\\,b f\\ 1=1 1", Precision.NANOSECONDS))
            .containsExactly(new Point("my\\ cpu,host\\=x=a\\,b f\\ 1", 1, 1.0));
    }

    /** Guards the store's key limit: a line whose key would not fit is rejected, not truncated. */
    @Test
    void shouldRejectLineWhenSeriesKeyIsTooLong() {
        assertThat(parse("m,t=" + "x".repeat(1100) + " v=1", Precision.NANOSECONDS)).isEmpty();
        assertThat(result.errors().getFirst()).contains("series key too long");
    }

    /** Guards the hot path: parsing a warm batch of ASCII lines allocates nothing. */
    @Test
    void shouldNotAllocateWhenParsingAsciiLinesOnceWarm() {
        final StringBuilder body = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            body.append("cpu,host=h").append(i % 50).append(",region=eu usage=").append(i * 0.25)
                .append(",count=").append(i).append("i ").append(1_700_000_000_000_000_000L + i).append('\n');
        }
        final byte[] bytes = body.toString().getBytes(StandardCharsets.US_ASCII);
        final long[] sum = new long[1];
        final PointSink sink = (key, ts, value) -> sum[0] += key.length() + ts;
        final long allocated = allocatedBy100Parses(
            () -> parser.parse(bytes, 0, bytes.length, Precision.NANOSECONDS, NOW_NS, sink, result));
        assertThat(result.points()).isEqualTo(2000);
        assertThat(allocated).as("bytes allocated by 100 parses of 1000 lines").isLessThan(1024);
        assertThat(sum[0]).isPositive();
    }

    /** One parsed line of a parser with a field schema. */
    record Row(String key, long timestampNs, List<Double> values) {
    }

    private List<Row> parseRecords(final LineProtocolParser withFields, final String body) {
        final List<Row> rows = new ArrayList<>();
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        withFields.parse(bytes, 0, bytes.length, Precision.NANOSECONDS, NOW_NS, new PointSink() {
            @Override
            public void onPoint(final CharSequence key, final long timestampNs, final double value) {
                throw new AssertionError("a parser with fields gives records, not points");
            }

            @Override
            public void onRecord(final CharSequence key, final long timestampNs, final double[] values) {
                final List<Double> copy = new ArrayList<>();
                for (final double value : values) {
                    copy.add(value);
                }
                rows.add(new Row(key.toString(), timestampNs, copy));
            }
        }, result);
        return rows;
    }

    /**
     * Guards the multi-field mapping: with a schema, a line is one record keyed {@code measurement,sortedTags}
     * whose values follow the schema's order, whatever order the line gives its fields in.
     */
    @Test
    void shouldGiveOneRecordPerLineInSchemaOrderWhenParserHasFields() {
        final LineProtocolParser withFields = LineProtocolParser.withFields(List.of("user", "system", "idle"));
        final List<Row> rows = parseRecords(withFields,
            "cpu,region=eu,host=a idle=90,user=7.5,system=2i 1700000000000000000\n"
                + "cpu,host=b system=1,idle=t,user=0 1700000000000000001\n");
        assertThat(rows).containsExactly(
            new Row("cpu,host=a,region=eu", 1_700_000_000_000_000_000L, List.of(7.5, 2.0, 90.0)),
            new Row("cpu,host=b", 1_700_000_000_000_000_001L, List.of(0.0, 1.0, 1.0)));
        assertThat(result.points()).isEqualTo(2);
        assertThat(result.hasErrors()).isFalse();
    }

    /**
     * Guards bad input against a schema: a line with an unknown field, a field twice or a field missing is refused
     * whole (nothing of it reaches the sink) with an error naming the field and the schema; the valid lines of the
     * batch are still written.
     */
    @Test
    void shouldRefuseLineWithUnknownRepeatedOrMissingFieldAndWriteNothingOfIt() {
        final LineProtocolParser withFields = LineProtocolParser.withFields(List.of("user", "system"));
        final List<Row> rows = parseRecords(withFields,
            "cpu,host=a user=1,system=2,steal=3 1\n"
                + "cpu,host=b user=1,user=2 2\n"
                + "cpu,host=c user=1 3\n"
                + "cpu,host=d user=4,system=5 4\n");
        assertThat(rows).containsExactly(new Row("cpu,host=d", 4, List.of(4.0, 5.0)));
        assertThat(result.rejectedLines()).isEqualTo(3);
        assertThat(result.errorMessage())
            .contains("line 1: unknown field 'steal' (fields of this store: user, system)")
            .contains("line 2: field 'user' given twice")
            .contains("line 3: missing field 'system' (every line carries all fields of this store: user, system)");
    }

    /** Guards the record path's allocation: a warm parser with a schema allocates nothing per line either. */
    @Test
    void shouldNotAllocateWhenParsingRecordsOnceWarm() {
        final LineProtocolParser withFields = LineProtocolParser.withFields(List.of("usage", "count"));
        final StringBuilder body = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            body.append("cpu,host=h").append(i % 50).append(",region=eu usage=").append(i * 0.25)
                .append(",count=").append(i).append("i ").append(1_700_000_000_000_000_000L + i).append('\n');
        }
        final byte[] bytes = body.toString().getBytes(StandardCharsets.US_ASCII);
        final double[] sum = new double[1];
        final PointSink sink = new PointSink() {
            @Override
            public void onPoint(final CharSequence key, final long timestampNs, final double value) {
                throw new AssertionError("records expected");
            }

            @Override
            public void onRecord(final CharSequence key, final long timestampNs, final double[] values) {
                sum[0] += key.length() + values[0] + values[1];
            }
        };
        final long allocated = allocatedBy100Parses(
            () -> withFields.parse(bytes, 0, bytes.length, Precision.NANOSECONDS, NOW_NS, sink, result));
        assertThat(result.points()).isEqualTo(1000);
        assertThat(allocated).as("bytes allocated by 100 parses of 1000 lines").isLessThan(1024);
        assertThat(sum[0]).isPositive();
    }

    /** Bytes allocated by 100 parses once 200 more have warmed the parser up. */
    private static long allocatedBy100Parses(final Runnable parse) {
        for (int i = 0; i < 200; i++) {
            parse.run();
        }
        return AllocationMeter.allocatedBytes(100, parse);
    }
}
