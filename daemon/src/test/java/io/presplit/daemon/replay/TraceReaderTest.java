package io.presplit.daemon.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What trace files the replay accepts, how it reads their cells, and the clear refusals of what it cannot. */
class TraceReaderTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final long START_NS = Instant.parse("2020-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    private static final double[][] THREE_HOURS = {{1, 2}, {3, 4}, {5, 6}};

    @TempDir
    Path dir;

    @Test
    void shouldReadEpochNumbersByMagnitudeWhateverTheHeaderSays() throws IOException {
        final long s = START_NS / 1_000_000_000L;
        for (final long scale : new long[] {1, 1_000, 1_000_000, 1_000_000_000}) {
            final String csv = "Timestamp [ms],a,b\n" + s * scale + ",1,2\n" + (s + 3600) * scale + ",3,4\n"
                + (s + 7200) * scale + ",5,6\n";
            assertThat(read(csv)).as("epoch scaled by %d", scale)
                .satisfies(trace -> assertGrid(trace, START_NS, HOUR_NS, THREE_HOURS));
        }
        final WideTrace fractional = read("timestamp,a,b\n" + s + ".5,1,2\n" + (s + 3600) + ".5,3,4\n"
            + (s + 7200) + ".5,5,6\n");
        assertGrid(fractional, START_NS + 500_000_000L, HOUR_NS, THREE_HOURS);
    }

    @Test
    void shouldReadDatesWithOrWithoutTimeFractionAndOffset() throws IOException {
        for (final String[] times : new String[][] {
            {"2020-01-01 00:00:00", "2020-01-01 01:00:00", "2020-01-01 02:00:00"},
            {"2020-01-01T00:00", "2020-01-01T01:00", "2020-01-01T02:00"},
            {"2020-01-01 00:00:00.000", "2020-01-01 01:00:00.000", "2020-01-01 02:00:00.000"},
            {"2020-01-01T02:00:00+02:00", "2020-01-01T03:00:00+0200", "2020-01-01T04:00:00+02"},
            {"2020-01-01 00:00:00Z", "2020-01-01 01:00:00 UTC", "2019-12-31 21:00:00 -0500"},
        }) {
            final String csv = "time,a,b\n" + times[0] + ",1,2\n" + times[1] + ",3,4\n" + times[2] + ",5,6\n";
            assertThat(read(csv)).as(times[0]).satisfies(trace -> assertGrid(trace, START_NS, HOUR_NS, THREE_HOURS));
        }
        final WideTrace daily = read("date,a,b\n2020-01-01,1,2\n2020-01-02,3,4\n2020-01-03,5,6\n");
        assertGrid(daily, START_NS, TimeUnit.DAYS.toNanos(1), THREE_HOURS);
    }

    @Test
    void shouldReadQuotedCellsOtherDelimitersAByteOrderMarkAndWindowsLineEnds() throws IOException {
        final String plain = "timestamp,a,b\n1577836800,1,2\n1577840400,3,4\n1577844000,5,6\n";
        final String[] variants = {
            "\uFEFF" + plain,
            plain.replace("\n", "\r\n"),
            plain.replace(',', ';'),
            plain.replace(',', '\t'),
            "\"Timestamp\";\"a\";\"b\"\n\"1577836800\";\"1\";\"2\"\n1577840400;3;4\n1577844000;5;6\n",
            "DS,a,b\n1577836800, 1 , 2\n\n1577840400,3,4\n1577844000,5,6\n",
            "timestamp,a,b,\n1577836800,1,2,\n1577840400,3,4\n1577844000,5,6,\n",
        };
        for (final String csv : variants) {
            final WideTrace trace = read(csv);
            assertThat(trace.keys()).as(csv).containsExactly("a", "b");
            assertGrid(trace, START_NS, HOUR_NS, THREE_HOURS);
        }
        final WideTrace commaInName = read("timestamp,\"web,eu\",b\n1577836800,1,2\n1577840400,3,4\n");
        assertThat(commaInName.keys()).containsExactly("web,eu", "b");
    }

    /**
     * NaN, NA, null and None are what exporters write for a missing value: a gap, carried like a blank inside the
     * key's life, and no load after its last value (key a's last is 7, at the fourth tick).
     */
    @Test
    void shouldTreatTheSpellingsOfAMissingValueAsGaps() throws IOException {
        final WideTrace trace = read("timestamp,a,b\n1577836800,1,2\n1577840400,NaN,null\n1577844000,N/A,\n"
            + "1577847600,7,None\n1577851200,na,8\n");
        assertThat(trace.loads()).isDeepEqualTo(new double[][] {{1, 2}, {1, 2}, {1, 2}, {7, 2}, {0, 8}});
    }

    @Test
    void shouldNameTheLineOfABadCellEvenAfterBlankLinesAndQuotedLineBreaks() {
        final String csv = "timestamp,a,b\n1577836800,1,2\n\n1577840400,3,\"4\n\"\n1577844000,x,6\n";
        assertThatThrownBy(() -> read(csv)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("load is not a number").hasMessageContaining("line=6").hasMessageContaining("key=a");
        assertThatThrownBy(() -> read("timestamp,a\n1577836800,1\nyesterday,2\n"))
            .hasMessageContaining("bad timestamp").hasMessageContaining("line=3").hasMessageContaining("yesterday");
        assertThatThrownBy(() -> read("timestamp,a,b\n1577836800,1\n"))
            .hasMessageContaining("wrong number of cells").hasMessageContaining("line=2");
        assertThatThrownBy(() -> read("timestamp,a,a\n1577836800,1,2\n1577840400,1,2\n"))
            .hasMessageContaining("a key name repeats");
        assertThatThrownBy(() -> read("when,a\n1577836800,1\n1577840400,2\n"))
            .hasMessageContaining("must start with a time column").hasMessageContaining("header=when,a");
        assertThatThrownBy(() -> read("timestamp,a\n" + "9".repeat(25) + ",1\n1577840400,2\n"))
            .hasMessageContaining("bad timestamp");
    }

    /** A stray timestamp decades later would make a grid of millions of carried ticks; the error says where. */
    @Test
    void shouldRefuseAGridTooLargeAndNameTheWidestSpacing() {
        final String csv = "timestamp,a\n1577836800,1\n1577836801,2\n1577836802,3\n4102444800,4\n";
        assertThatThrownBy(() -> read(csv)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("--tick-seconds").hasMessageContaining("stray timestamp")
            .hasMessageContaining("after 2020-01-01T00:00:02Z");
    }

    /** Two files sampled every five minutes at different phases: the tick is their period, not the phase gap. */
    @Test
    void shouldInferTheTickFromEachKeysOwnSpacing() throws IOException {
        final StringBuilder a = new StringBuilder("timestamp,value\n");
        final StringBuilder b = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < 20; i++) {
            a.append(1_577_836_800L + 300L * i).append(",1\n");
            b.append(1_577_836_800L + 120 + 300L * i).append(",2\n");
        }
        final WideTrace trace = TraceReader.read(List.of(TraceFile.timed(write("a.csv", a)),
            TraceFile.timed(write("b.csv", b))), 0);
        assertThat(trace.tickNs()).isEqualTo(TimeUnit.MINUTES.toNanos(5));
        assertThat(trace.keys()).containsExactly("a", "b");
    }

    /** Jittered hourly samples have no common spacing: the median, rounded to the minute, is the tick. */
    @Test
    void shouldInferAWholeTickFromJitteredTimestamps() throws IOException {
        final StringBuilder csv = new StringBuilder("timestamp,a\n");
        final java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 200; i++) {
            csv.append(1_577_836_800L + 3600L * i + random.nextInt(61) - 30).append(",1\n");
        }
        assertThat(read(csv.toString()).tickNs()).isEqualTo(HOUR_NS);
    }

    @Test
    void shouldKeepSubSecondTicksAndDescribeThem() throws IOException {
        final WideTrace trace = read("timestamp,a\n2020-01-01T00:00:00.0Z,1\n2020-01-01T00:00:00.1Z,2\n"
            + "2020-01-01T00:00:00.2Z,3\n");
        assertThat(trace.tickNs()).isEqualTo(100_000_000L);
        assertThat(trace.describe()).isEqualTo("1 keys, 3 ticks of 0.1 s");
        assertThat(ReplaySettings.seasonTicks(trace.tickNs())).as("a day of 0.1-s ticks is no season").isEqualTo(1);
        assertThat(ReplaySettings.seasonTicks(TimeUnit.SECONDS.toNanos(30))).isEqualTo(2_880);
        assertThat(ReplaySettings.seasonTicks(HOUR_NS)).isEqualTo(24);
    }

    @Test
    void shouldFindTheLongestRunOfRepeatedTicks() throws IOException {
        final WideTrace trace = read("timestamp,a\n0,1\n3600,2\n36000,3\n39600,0\n43200,0\n");
        assertThat(trace.tickCount()).isEqualTo(13);
        assertThat(trace.longestRepeatedRun()).as("ticks 2 to 9 carry tick 1's value").containsExactly(2, 8);
    }

    private static WideTrace read(final String csv) throws IOException {
        return TraceReader.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), "t.csv", "x", 0);
    }

    private Path write(final String name, final CharSequence text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static void assertGrid(final WideTrace trace, final long startNs, final long tickNs,
        final double[][] loads) {
        assertThat(trace.startNs()).isEqualTo(startNs);
        assertThat(trace.tickNs()).isEqualTo(tickNs);
        assertThat(trace.loads()).isDeepEqualTo(loads);
    }
}
