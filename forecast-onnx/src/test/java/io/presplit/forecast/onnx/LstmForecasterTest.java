package io.presplit.forecast.onnx;

import io.presplit.forecast.ForecastTable;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The LSTM against PyTorch's own outputs ({@code vectors.json}).
 * <p>
 * Tolerances: model outputs within {@value #OUTPUT_TOLERANCE} absolute in normalized units (the fixture's
 * suggestion; ONNX Runtime matched PyTorch to about 6e-7); de-normalized forecasts within
 * {@code OUTPUT_TOLERANCE * s} absolute, the same error in load units; the de-normalization arithmetic alone within
 * {@value #ARITHMETIC_TOLERANCE}; normalized inputs within one float32 ulp plus 1e-12 (the mean may be summed in
 * another order than NumPy's pairwise sum, which moves values near zero by about 1e-15).
 */
class LstmForecasterTest {
    private static final double OUTPUT_TOLERANCE = 1e-4;
    private static final double ARITHMETIC_TOLERANCE = 1e-9;
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];

    private static List<LstmVectors.Case> cases;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadVectors() {
        cases = LstmVectors.load();
        assertThat(cases).hasSize(10);
    }

    /**
     * Guards the default model: the bundled load model is a checked model file with a 90 % quantile head, window 48
     * and horizon 12; a missing or corrupt resource fails here rather than silently serving another model.
     */
    @Test
    void shouldServeTheBundledLoadModelWithAQuantileHead() {
        try (LstmForecaster load = LstmForecaster.openLoadModel()) {
            assertThat(load.source())
                .isEqualTo("classpath:io/presplit/forecast/onnx/" + LstmForecaster.BUNDLED_LOAD_MODEL);
            assertThat(load.windowTicks()).isEqualTo(48);
            assertThat(load.modelHorizon()).isEqualTo(12);
            assertThat(load.hasP90()).isTrue();
        }
    }

    /** Guards the batched inference path: buffer layout, tensor shape and pinned output against PyTorch's batch. */
    @Test
    void shouldMatchTorchWhenAllCasesRunAsOneBatch() {
        try (LstmForecaster lstm = LstmForecaster.openBundled()) {
            final double maxDiff = runBatchOfAllCases(lstm);

            System.out.printf("LSTM max |ORT - torch| batch of %d: %.3g%n", cases.size(), maxDiff);
            assertThat(maxDiff).isLessThanOrEqualTo(OUTPUT_TOLERANCE);
        }
    }

    /**
     * Guards batch-size changes: after a batch of 10 the tensors are re-bound for batch 1 and back, and a stale
     * tensor shape or buffer limit would give wrong rows.
     */
    @Test
    void shouldMatchTorchWhenEachCaseRunsAloneAfterABatch() {
        try (LstmForecaster lstm = LstmForecaster.openBundled()) {
            runBatchOfAllCases(lstm);
            double maxDiff = 0;
            for (final LstmVectors.Case c : cases) {
                final FloatBuffer in = lstm.inputBuffer(1);
                for (int i = 0; i < c.input().length; i++) {
                    in.put(i, c.input()[i]);
                }
                lstm.runBatch(1);
                for (int h = 0; h < c.outputSingle().length; h++) {
                    maxDiff = Math.max(maxDiff, Math.abs(lstm.output(0, h) - c.outputSingle()[h]));
                }
            }
            final double batchAgainDiff = runBatchOfAllCases(lstm);

            System.out.printf("LSTM max |ORT - torch| single: %.3g (batch again: %.3g)%n", maxDiff, batchAgainDiff);
            assertThat(maxDiff).isLessThanOrEqualTo(OUTPUT_TOLERANCE);
            assertThat(batchAgainDiff).isLessThanOrEqualTo(OUTPUT_TOLERANCE);
            assertThat(lstm.capacityRows()).isEqualTo(cases.size());
        }
    }

    /** Guards the normalization formula: population std (not sample), the 1e-6 floor, double then float cast. */
    @Test
    void shouldReproduceTorchInputWhenNormalizingRawWindows() {
        int exact = 0;
        int total = 0;
        for (final LstmVectors.Case c : cases) {
            final double[] x = c.rawWindow();
            final double mean = LstmForecaster.windowMean(x, x.length);
            final double scale = LstmForecaster.windowScale(x, x.length, mean);
            final FloatBuffer out = FloatBuffer.allocate(x.length);
            LstmForecaster.normalize(x, x.length, mean, scale, out, 0);

            assertThat(mean).as(c.name()).isCloseTo(c.mu(), within(1e-12 * Math.max(1, Math.abs(c.mu()))));
            assertThat(scale).as(c.name()).isCloseTo(c.s(), within(1e-12 * c.s()));
            for (int i = 0; i < x.length; i++) {
                final float expected = c.input()[i];
                // One ulp, plus 1e-12 for a mean summed in another order: that shifts values near 0 by ~1e-15.
                assertThat(out.get(i)).as(c.name() + " [" + i + "]")
                    .isCloseTo(expected, within(Math.ulp(expected) + 1e-12f));
                exact += out.get(i) == expected ? 1 : 0;
                total++;
            }
        }
        System.out.printf("LSTM normalized inputs bit-identical to torch: %d of %d%n", exact, total);
    }

    /** Guards the de-normalization: {@code output * s + mu} in double, on the float32 output. */
    @Test
    void shouldReproduceTorchForecastWhenDenormalizingTorchOutput() {
        for (final LstmVectors.Case c : cases) {
            for (int h = 0; h < c.output().length; h++) {
                assertThat(LstmForecaster.denormalize(c.output()[h], c.mu(), c.s()))
                    .as(c.name() + " step " + h)
                    .isCloseTo(c.forecast()[h], within(ARITHMETIC_TOLERANCE));
            }
        }
    }

    /** Guards the clamp: a load below zero is meaningless and would make capacity planning free up room. */
    @Test
    void shouldClampAtZeroWhenModelPredictsNegativeLoad() {
        assertThat(LstmForecaster.denormalize(-3.0f, 1.0, 0.5)).isZero();
        assertThat(LstmForecaster.denormalize(-1.0f, 1.0, 0.5)).isEqualTo(0.5);
    }

    /**
     * Guards the whole path through the SPI: windows copied from a LoadHistory whose ring has wrapped, slots
     * listed out of order, the right resource column, and rows mapped back to their slots.
     */
    @Test
    void shouldMatchTorchForecastsWhenServedThroughLoadHistory() {
        final int slotCount = cases.size() + 2;
        try (LstmForecaster lstm = LstmForecaster.openBundled();
             LoadHistory history = historyOfCases(slotCount, 64, 20)) {
            final ForecastTable table = new ForecastTable(slotCount, 12);
            final int[] slots = reversedCaseSlots();

            lstm.forecast(history, Resource.QUERY_COST, slots, slots.length, table);

            final double maxNormalizedDiff = maxNormalizedDiff(table, 0, cases.size());
            System.out.printf("LSTM max |forecast - torch| / s through LoadHistory: %.3g%n", maxNormalizedDiff);
            assertThat(maxNormalizedDiff).isLessThanOrEqualTo(OUTPUT_TOLERANCE);
        }
    }

    /**
     * Guards buffer reuse: a smaller batch must not grow the buffers nor leave rows of the larger batch behind,
     * and the larger batch must work again in the same buffers; growth past capacity doubles it.
     */
    @Test
    void shouldReuseBuffersWhenBatchShrinksAndGrowsAgain() {
        final int slotCount = 2 * cases.size() + 2;
        try (LstmForecaster lstm = LstmForecaster.openBundled();
             LoadHistory history = historyOfCases(slotCount, 48, 0)) {
            final ForecastTable table = new ForecastTable(slotCount, 12);
            final int[] all = reversedCaseSlots();

            lstm.forecast(history, Resource.QUERY_COST, all, all.length, table);
            assertThat(lstm.capacityRows()).isEqualTo(cases.size());

            final int[] three = {7, 2, 9};
            final ForecastTable small = new ForecastTable(slotCount, 12);
            lstm.forecast(history, Resource.QUERY_COST, three, three.length, small);
            assertThat(lstm.capacityRows()).isEqualTo(cases.size());
            for (final int slot : three) {
                assertThat(maxNormalizedDiff(small, slot, slot + 1)).isLessThanOrEqualTo(OUTPUT_TOLERANCE);
            }

            final ForecastTable again = new ForecastTable(slotCount, 12);
            lstm.forecast(history, Resource.QUERY_COST, all, all.length, again);
            assertThat(lstm.capacityRows()).isEqualTo(cases.size());
            assertThat(maxNormalizedDiff(again, 0, cases.size())).isLessThanOrEqualTo(OUTPUT_TOLERANCE);

            final int[] more = new int[cases.size() + 1];
            for (int i = 0; i < more.length; i++) {
                more[i] = i % cases.size() + (i < cases.size() ? 0 : cases.size());
            }
            lstm.forecast(history, Resource.QUERY_COST, more, more.length, new ForecastTable(slotCount, 12));
            assertThat(lstm.capacityRows()).isEqualTo(2 * cases.size());
        }
    }

    /**
     * Guards the short-history fallback and the long-horizon rule: every step of the table's horizon is written
     * (no stale values), slots short of a window repeat their last value, and steps past the model's horizon
     * repeat its last step; steps past the table's horizon are left alone.
     */
    @Test
    void shouldFillEveryStepWhenHistoryIsShortOrHorizonIsLong() {
        final LstmVectors.Case sinusoid = cases.get(9);
        try (LstmForecaster lstm = LstmForecaster.openBundled();
             LoadHistory history = new LoadHistory(4, 64, 0.9)) {
            // slot 0: one tick; slot 1: 47 ticks; slot 2: the full sinusoid window; slot 3: never listed.
            for (int t = 0; t < 48; t++) {
                final double x = sinusoid.rawWindow()[t];
                if (t == 47) {
                    history.writeRow(0, 0, 0, 5.5, NO_BUCKETS);
                }
                if (t >= 1) {
                    history.writeRow(1, 0, 0, 100 + t, NO_BUCKETS);
                }
                history.writeRow(2, 0, 0, x, NO_BUCKETS);
                history.completeTick();
            }
            final ForecastTable table = new ForecastTable(4, 24);
            for (int slot = 0; slot < 4; slot++) {
                for (int h = 0; h < 24; h++) {
                    table.mean(slot, h, Double.NaN);
                }
            }
            table.horizon(20);

            lstm.forecast(history, Resource.QUERY_COST, new int[] {0, 1, 2}, 3, table);

            for (int h = 0; h < 20; h++) {
                assertThat(table.mean(0, h)).as("one tick, step " + h).isEqualTo(5.5);
                assertThat(table.mean(1, h)).as("47 ticks, step " + h).isEqualTo(147.0);
            }
            for (int h = 0; h < 12; h++) {
                assertThat(table.mean(2, h)).as("model step " + h)
                    .isCloseTo(sinusoid.forecast()[h], within(OUTPUT_TOLERANCE * sinusoid.s()));
            }
            for (int h = 12; h < 20; h++) {
                assertThat(table.mean(2, h)).as("past the model, step " + h).isEqualTo(table.mean(2, 11));
            }
            for (int h = 20; h < 24; h++) {
                for (int slot = 0; slot < 4; slot++) {
                    assertThat(table.mean(slot, h)).as("past the table horizon").isNaN();
                }
            }
        }
    }

    /**
     * Guards that the window and horizon come from the model, not from constants: a hand-written model with a
     * 24-tick window whose output is its own normalized input must forecast the window itself.
     */
    @Test
    void shouldReadWindowAndHorizonFromModelWhenModelIsNotTheFixture() throws IOException {
        final Path file = Files.write(dir.resolve("echo24.onnx"), TinyOnnx.squeeze(24));
        try (LstmForecaster echo = LstmForecaster.open(file);
             LoadHistory history = new LoadHistory(1, 30, 0.9)) {
            final double[] raw = new double[30];
            for (int t = 0; t < raw.length; t++) {
                raw[t] = 10 + t * t;
                history.writeRow(0, 0, 0, raw[t], NO_BUCKETS);
                history.completeTick();
            }
            final ForecastTable table = new ForecastTable(1, 24);

            echo.forecast(history, Resource.QUERY_COST, new int[] {0}, 1, table);

            assertThat(echo.windowTicks()).isEqualTo(24);
            assertThat(echo.modelHorizon()).isEqualTo(24);
            // Only the float32 rounding of the normalized input is lost: about s * 2^-23 = 3e-5 here.
            for (int h = 0; h < 24; h++) {
                assertThat(table.mean(0, h)).as("step " + h).isCloseTo(raw[raw.length - 24 + h], within(1e-3));
            }
        }
    }

    /** Guards the bundled copy against drift from the fixture (a re-export, an LFS pointer, resource filtering). */
    @Test
    void shouldBundleTheFixtureModelWhenOpenedFromClasspath() throws IOException, NoSuchAlgorithmException {
        final byte[] bytes = OnnxModelTest.bundledModelBytes();
        final String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));

        assertThat(sha256).isEqualTo("740098662cb1f5ea7709b9539549c8d48753abed712997ee97433ab15101f293");
        try (LstmForecaster lstm = LstmForecaster.openBundled()) {
            assertThat(lstm.windowTicks()).isEqualTo(48);
            assertThat(lstm.modelHorizon()).isEqualTo(12);
            assertThat(lstm.source()).isEqualTo("classpath:io/presplit/forecast/onnx/lstm_forecaster.onnx");
            assertThat(lstm.name()).isEqualTo("lstm");
        }
    }

    /** Guards against a double close freeing native tensors or the session twice. */
    @Test
    void shouldRefuseToForecastWhenClosedTwice() {
        final LstmForecaster lstm = LstmForecaster.openBundled();
        try (LoadHistory history = historyOfCases(cases.size(), 48, 0)) {
            final ForecastTable table = new ForecastTable(cases.size(), 12);
            lstm.forecast(history, Resource.QUERY_COST, reversedCaseSlots(), cases.size(), table);

            lstm.close();
            lstm.close();

            assertThatThrownBy(() -> lstm.forecast(history, Resource.QUERY_COST, new int[] {0}, 1, table))
                .isInstanceOf(IllegalStateException.class);
        }
    }

    /** Runs all cases' torch inputs as one batch; returns the largest difference from torch's batch output. */
    private static double runBatchOfAllCases(final LstmForecaster lstm) {
        final FloatBuffer in = lstm.inputBuffer(cases.size());
        for (int r = 0; r < cases.size(); r++) {
            final float[] input = cases.get(r).input();
            for (int i = 0; i < input.length; i++) {
                in.put(r * input.length + i, input[i]);
            }
        }
        lstm.runBatch(cases.size());
        double maxDiff = 0;
        for (int r = 0; r < cases.size(); r++) {
            final float[] expected = cases.get(r).output();
            for (int h = 0; h < expected.length; h++) {
                maxDiff = Math.max(maxDiff, Math.abs(lstm.output(r, h) - expected[h]));
            }
        }
        return maxDiff;
    }

    /**
     * A history where slot {@code c} (and slot {@code c + cases}, if it exists) holds case {@code c}'s raw window as
     * its last 48 ticks of QUERY_COST, after {@code warmupTicks} ticks of unrelated load; the other columns hold
     * decoys.
     */
    private static LoadHistory historyOfCases(final int slotCount, final int ticksRetained, final int warmupTicks) {
        final LoadHistory history = new LoadHistory(slotCount, ticksRetained, 0.9);
        for (int t = 0; t < warmupTicks + 48; t++) {
            for (int slot = 0; slot < slotCount; slot++) {
                final double[] raw = cases.get(slot % cases.size()).rawWindow();
                final double x = t < warmupTicks ? 1_000 + t : raw[t - warmupTicks];
                history.writeRow(slot, -1, x * 1_000, x, NO_BUCKETS);
            }
            history.completeTick();
        }
        return history;
    }

    private static int[] reversedCaseSlots() {
        final int[] slots = new int[cases.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = slots.length - 1 - i;
        }
        return slots;
    }

    /** Largest {@code |table - torch forecast| / s} over slots {@code [from, to)}, slot {@code c} being case c. */
    private static double maxNormalizedDiff(final ForecastTable table, final int from, final int to) {
        double maxDiff = 0;
        for (int slot = from; slot < to; slot++) {
            final LstmVectors.Case c = cases.get(slot % cases.size());
            for (int h = 0; h < c.forecast().length; h++) {
                maxDiff = Math.max(maxDiff, Math.abs(table.mean(slot, h) - c.forecast()[h]) / c.s());
            }
        }
        return maxDiff;
    }
}
