package io.presplit.daemon.lineprotocol;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Parsing one HTTP write body of {@code lines} lines of line protocol (two tags, one or three fields, a timestamp)
 * into points: {@link LineProtocolParser#parse} against the baseline a first version would write, {@link String}
 * splitting and {@link Double#parseDouble}; and {@link #parseRecords}, the same body through a parser with a field
 * schema ({@link LineProtocolParser#withFields}: one record per line with every field, {@code storage.fields}).
 * One operation = one body; divide by the lines for ns per line. Run with {@code -prof gc}: the parser must show
 * about 0 B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
@State(Scope.Thread)
public class LineProtocolParserBenchmark {
    @Param({"5000"})
    int lines;

    @Param({"1", "3"})
    int fields;

    private byte[] body;
    private final LineProtocolParser parser = new LineProtocolParser();
    private final ParseResult result = new ParseResult();
    private Blackhole blackhole;
    private final PointSink sink = (key, timestampNs, value) -> blackhole.consume(value + key.length() + timestampNs);
    private LineProtocolParser recordParser;
    private final PointSink recordSink = new PointSink() {
        @Override
        public void onPoint(final CharSequence key, final long timestampNs, final double value) {
            throw new IllegalStateException("a parser with fields gives records");
        }

        @Override
        public void onRecord(final CharSequence key, final long timestampNs, final double[] values) {
            blackhole.consume(values[0] + values[values.length - 1] + key.length() + timestampNs);
        }
    };

    @Setup
    public void setUp(final Blackhole blackhole) {
        this.blackhole = blackhole;
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            text.append(String.format(Locale.ROOT, "cpu,region=eu-%d,host=h%05d usage=%d.25", i % 4, i % 10_000, i));
            if (fields == 3) {
                text.append(",idle=").append(i % 100).append("i,steal=0.5");
            }
            text.append(' ').append(1_700_000_000_000_000_000L + i).append('\n');
        }
        body = text.toString().getBytes(StandardCharsets.US_ASCII);
        recordParser = LineProtocolParser.withFields(fields == 3 ? List.of("usage", "idle", "steal")
            : List.of("usage"));
    }

    /** The parser: bytes in, points to a sink. */
    @Benchmark
    public long parse() {
        parser.parse(body, 0, body.length, Precision.NANOSECONDS, 0, sink, result);
        return result.points();
    }

    /** The parser with a field schema: the same bytes in, one record per line to a sink. */
    @Benchmark
    public long parseRecords() {
        recordParser.parse(body, 0, body.length, Precision.NANOSECONDS, 0, recordSink, result);
        return result.points();
    }

    /** Baseline: decode to a String, split lines and parts, parse numbers from substrings. */
    @Benchmark
    public long stringSplitBaseline() {
        long points = 0;
        for (final String line : new String(body, StandardCharsets.US_ASCII).split("\n")) {
            final String[] parts = line.split(" ");
            final String[] series = parts[0].split(",");
            final String[] tags = new String[series.length - 1];
            System.arraycopy(series, 1, tags, 0, tags.length);
            java.util.Arrays.sort(tags);
            final String prefix = series[0] + "," + String.join(",", tags) + " ";
            final long timestampNs = Long.parseLong(parts[2]);
            for (final String field : parts[1].split(",")) {
                final int equals = field.indexOf('=');
                final String value = field.substring(equals + 1);
                final double number = value.endsWith("i") ? Long.parseLong(value.substring(0, value.length() - 1))
                    : Double.parseDouble(value);
                sink.onPoint(prefix + field.substring(0, equals), timestampNs, number);
                points++;
            }
        }
        return points;
    }
}
