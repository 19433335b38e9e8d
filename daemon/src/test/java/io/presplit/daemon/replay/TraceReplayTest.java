package io.presplit.daemon.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.adjust.PartitionTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

class TraceReplayTest {
    private static final long HOUR_NS = TimeUnit.HOURS.toNanos(1);
    private static final int KEYS = 40;
    private static final int TICKS = 96;
    private static final int CUT = 60;

    @TempDir
    Path dir;

    /**
     * Guards the fairness of the comparison: a predictive policy may use only what was known when it decided.
     * Replacing the trace's future after tick {@code CUT} (here by a surge) must leave every partition layout up to
     * tick {@code CUT + 2} unchanged: a decision made when tick t closes shapes the layout from tick t + 2 on.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldDecideIdenticallyUpToTheCutWhenOnlyTheFutureChanges() throws Exception {
        final long seed = System.nanoTime();
        System.out.println("TraceReplayTest seed=" + seed);
        final WideTrace original = diurnal(new Random(1));
        final double[][] changed = new double[TICKS][];
        final Random other = new Random(seed);
        for (int t = 0; t < TICKS; t++) {
            changed[t] = original.loads()[t].clone();
            if (t > CUT) {
                for (int k = 0; k < KEYS; k++) {
                    changed[t][k] = changed[t][k] * (4 + other.nextDouble() * 4);
                }
            }
        }
        final WideTrace altered = new WideTrace(original.keys(), original.startNs(), original.tickNs(), changed);
        final ReplaySettings settings = ReplaySettings.derive(original, 2, 0);
        for (final Policy policy : List.of(Policy.REACTIVE, Policy.PREDICTIVE_SNAIVE, Policy.PREDICTIVE_LSTM)) {
            final List<String> first = layouts(original, policy, settings, dir.resolve(policy.label() + "-a"));
            final List<String> second = layouts(altered, policy, settings, dir.resolve(policy.label() + "-b"));
            assertThat(second.subList(0, CUT + 3)).as(policy.label()).isEqualTo(first.subList(0, CUT + 3));
            assertThat(first).as("%s changed the layout at least once", policy.label())
                .anySatisfy(layout -> assertThat(layout).isNotEqualTo(first.get(0)));
        }
    }

    /** Guards the oracle's meaning: with the true future it saturates no more than the reactive policy. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldSaturateLeastWhenTheForecastIsTheTrueFuture() throws Exception {
        final WideTrace trace = diurnal(new Random(2));
        final ReplaySettings settings = ReplaySettings.derive(trace, 2, 0);
        final List<ReplayResult> results = PolicyComparison.run(trace,
            List.of(Policy.STATIC, Policy.REACTIVE, Policy.ORACLE), List.of(settings), dir, dir.resolve("chart.svg"),
            System.out);
        assertThat(results.get(0).saturatedPartitionTicks()).as("the trace saturates a static layout")
            .isPositive();
        assertThat(results.get(2).saturatedPartitionTicks())
            .isLessThanOrEqualTo(results.get(1).saturatedPartitionTicks());
        for (final ReplayResult result : results) {
            // Read back after compaction copied every new partition's share and deleted the sealed ancestors.
            assertThat(result.pointsReadBack()).isEqualTo(result.pointsWritten());
            if (result.splits() + result.merges() > 0) {
                assertThat(result.movedBytes()).as("%s: compaction moved its children's data", result.policy())
                    .isPositive();
            }
        }
        assertThat(results.get(0).movedBytes()).as("a static layout moves nothing").isZero();
        final String svg = java.nio.file.Files.readString(dir.resolve("chart.svg"));
        assertThat(svg).startsWith("<svg").contains("oracle (oracle)").contains("fill=\"#d62728\"");
        assertThat(svg.split("<path d=\"M").length - 1).as("load, capacity and forecast paths per panel")
            .isGreaterThanOrEqualTo(3 * 2 + 2);
    }

    /**
     * Guards the honesty of the report: a key that alone outgrows a partition is a floor no policy gets under, and
     * a jump from normal to overload within one tick is counted as unannounced.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldReportTheHotKeyFloorAndUnannouncedJumps() throws Exception {
        final double[][] loads = new double[40][2];
        for (int t = 0; t < loads.length; t++) {
            loads[t][0] = 10;
            loads[t][1] = t >= 30 && t < 33 ? 100 : 10;
        }
        final WideTrace trace = new WideTrace(List.of("steady", "bursty"), 1_700_000_000L * 1_000_000_000L, HOUR_NS,
            loads);
        final ReplaySettings settings = ReplaySettings.derive(trace, 2, 40);

        final List<ReplayResult> results = PolicyComparison.run(trace,
            List.of(Policy.REACTIVE, Policy.ORACLE), List.of(settings), dir, null, System.out);

        for (final ReplayResult result : results) {
            assertThat(result.hotKeyFloor()).as("three ticks of one key at 2.5x capacity").isEqualTo(3);
            assertThat(result.saturatedPartitionTicks()).as(result.policy().label())
                .isGreaterThanOrEqualTo(result.hotKeyFloor());
        }
        final ReplayResult reactive = results.get(0);
        assertThat(reactive.unannounced()).as("the first tick of the jump").isBetween(1L,
            reactive.saturatedPartitionTicks());
    }

    /**
     * A trace of tenth-of-a-second ticks replays like any other: a day would be 864,000 ticks, so the seasonal models
     * run without a season, and the history holds the trace's ticks rather than two days of them (17 GB a replay
     * at one-second ticks before).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldReplayASubSecondTraceWithoutASeasonAndWithAHistoryTheSizeOfTheTrace() throws Exception {
        final Random random = new Random(3);
        final double[][] loads = new double[120][8];
        for (int t = 0; t < loads.length; t++) {
            for (int k = 0; k < 8; k++) {
                loads[t][k] = 10 + (t >= 60 && k < 2 ? 60 : 0) + random.nextInt(5);
            }
        }
        final List<String> keys = List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
        final WideTrace trace = new WideTrace(keys, 1_700_000_000L * 1_000_000_000L, 100_000_000L, loads);
        final ReplaySettings settings = ReplaySettings.derive(trace, 2, 0);
        assertThat(settings.seasonTicks()).isEqualTo(1);

        final List<ReplayResult> results = PolicyComparison.run(trace,
            List.of(Policy.REACTIVE, Policy.PREDICTIVE_ENSEMBLE), List.of(settings), dir, null, System.out);

        for (final ReplayResult result : results) {
            assertThat(result.ticks()).isEqualTo(120);
            assertThat(result.pointsReadBack()).as(result.policy().label()).isEqualTo(result.pointsWritten())
                .isPositive();
            assertThat(result.splits()).as("the surge at tick 60 needs more partitions").isPositive();
        }
    }

    /** Guards the JSON report: a replay without compaction says its moved bytes were not measured, not 0. */
    @Test
    void shouldReportMovedBytesAsNullWhenCompactionWasOff() {
        final ReplayResult unmeasured = new ReplayResult(Policy.REACTIVE, "naive", 0.8, 10, 40, 2, 1, 0, 1.2, 3, 2, 1,
            ReplayResult.NOT_MEASURED, 0, 0, 5, 100, 100, 1);
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        ReplayReport.json(List.of(unmeasured), new java.io.PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("\"moved_bytes\":null,")
            .contains("\"policy\":\"reactive\"");
    }

    /** Guards the trace formats and the gap rule: inside a key's life a blank carries the last value. */
    @Test
    void shouldCarryLastValueOverGapsAndNothingOutsideAKeysLife() throws Exception {
        final String csv = "timestamp_utc,a,b\n"
            + "2020-01-01 00:00:00,1,\n"
            + "2020-01-01 01:00:00,,5\n"
            + "2020-01-01 02:00:00,3,\n"
            + "2020-01-01 03:00:00,,7\n";
        final WideTrace trace = TraceReader.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)),
            "test.csv", "x", 0);
        assertThat(trace.tickNs()).isEqualTo(HOUR_NS);
        assertThat(trace.loads()).isDeepEqualTo(new double[][] {{1, 0}, {1, 5}, {3, 5}, {0, 7}});
    }

    /** Guards the long layout and a clear error naming the line of a bad value. */
    @Test
    void shouldReadLongLayoutAndRejectBadValuesByLine() throws Exception {
        final String csv = "timestamp,key,value\n1700000000,a,2\n1700000060,b,3\n1700000120,a,4\n";
        final WideTrace trace = TraceReader.read(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)),
            "long.csv", "x", 0);
        assertThat(trace.keys()).containsExactly("a", "b");
        assertThat(trace.loads()).isDeepEqualTo(new double[][] {{2, 0}, {2, 3}, {4, 0}});

        final String bad = "timestamp,key,value\n1700000000,a,2\n1700000060,b,-3\n";
        assertThatThrownBy(() -> TraceReader.read(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)),
            "bad.csv", "x", 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("line=3").hasMessageContaining("bad.csv");
    }

    private static List<String> layouts(final WideTrace trace, final Policy policy, final ReplaySettings settings,
        final Path dataDir) throws Exception {
        final List<String> layouts = new ArrayList<>();
        TraceReplay.run(trace, policy, PolicyComparison.forecasterFor(policy, trace, settings), settings, dataDir,
            (tick, engine) -> {
                final PartitionTable partitions = engine.partitions();
                final StringBuilder layout = new StringBuilder();
                for (int i = 0; i < partitions.liveCount(); i++) {
                    layout.append(partitions.keyLo(partitions.liveSlot(i))).append(' ');
                }
                layouts.add(layout.toString());
            });
        return layouts;
    }

    /** Keys with a daily cycle of different phases and amplitudes, growing over four days. */
    private static WideTrace diurnal(final Random random) {
        final List<String> keys = new ArrayList<>();
        final double[] amplitude = new double[KEYS];
        final double[] phase = new double[KEYS];
        for (int k = 0; k < KEYS; k++) {
            keys.add("series-" + k);
            amplitude[k] = 20 + random.nextDouble() * 200;
            phase[k] = random.nextInt(6);
        }
        final double[][] loads = new double[TICKS][KEYS];
        for (int t = 0; t < TICKS; t++) {
            for (int k = 0; k < KEYS; k++) {
                final double cycle = Math.max(0, Math.sin(2 * Math.PI * (t - phase[k]) / 24));
                loads[t][k] = amplitude[k] * (0.2 + cycle * (1 + 0.25 * (t / 24)));
            }
        }
        return new WideTrace(keys, 1_700_000_000L * 1_000_000_000L, HOUR_NS, loads);
    }
}
