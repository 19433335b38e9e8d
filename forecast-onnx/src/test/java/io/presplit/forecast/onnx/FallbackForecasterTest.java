package io.presplit.forecast.onnx;

import ai.onnx.proto.OnnxMl;
import io.presplit.PresplitException;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.SeasonalNaiveForecaster;
import io.presplit.forecast.onnx.lstm.LstmConfig;
import io.presplit.forecast.onnx.lstm.LstmModels;
import io.presplit.forecast.onnx.lstm.LstmNetwork;
import io.presplit.forecast.onnx.model.ModelFile;
import io.presplit.forecast.onnx.model.ModelMetadata;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each way a learned model can fail, and the native fallback taking over: the table stays complete, the failure
 * is counted and named, and the forecaster keeps serving.
 */
class FallbackForecasterTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final int WINDOW = 8;
    private static final int SEASON = 4;

    @TempDir
    Path dir;

    /** Guards the missing-file case: a typo in the model path must not stop forecasting. */
    @Test
    void shouldServeFallbackWhenModelFileIsMissing() {
        final Path missing = dir.resolve("nope.psmodel");
        assertFallsBackOnLoad(missing, ModelFile.MODEL_FILE_MISSING);
    }

    /** Guards the corrupt-file case: a flipped byte in the weights is caught by the checksum, not served. */
    @Test
    void shouldServeFallbackWhenModelFileIsCorrupt() throws IOException {
        final Path file = savedLstm("lstm.psmodel");
        final byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(file, bytes);
        assertFallsBackOnLoad(file, ModelFile.MODEL_FILE_CORRUPT);
    }

    /** Guards the other-kind case: a Prophet model file given where an LSTM is expected. */
    @Test
    void shouldServeFallbackWhenModelFileHoldsAnotherKind() {
        final Path file = dir.resolve("prophet.psmodel");
        ModelFile.write(file, new ModelMetadata("prophet", 1, "a prophet model", "test", Instant.EPOCH, 0, 4,
            "none", Map.of()), TinyOnnx.squeeze(WINDOW));
        assertFallsBackOnLoad(file, ModelFile.MODEL_FILE_MISMATCH);
    }

    /** Guards the graph-contract case: a valid file whose graph is not an LSTM forecaster (wrong input rank). */
    @Test
    void shouldServeFallbackWhenGraphBreaksTheContract() {
        final Path file = dir.resolve("identity.psmodel");
        ModelFile.write(file, new ModelMetadata(LstmForecaster.KIND, 1, "not an lstm", "test", Instant.EPOCH,
            WINDOW, 4, "none", Map.of()), TinyOnnx.identity(TinyOnnx.FLOAT, TinyOnnx.BATCH, WINDOW));
        assertFallsBackOnLoad(file, OnnxModel.MODEL_MISMATCH);
    }

    /** Guards the metadata check: a graph whose window disagrees with the file's metadata is a mismatch. */
    @Test
    void shouldServeFallbackWhenMetadataDisagreesWithGraph() {
        final Path file = dir.resolve("lying.psmodel");
        ModelFile.write(file, new ModelMetadata(LstmForecaster.KIND, 1, "echo", "test", Instant.EPOCH, WINDOW + 1,
            WINDOW, "none", Map.of()), TinyOnnx.squeeze(WINDOW));
        assertFallsBackOnLoad(file, OnnxModel.MODEL_MISMATCH);
    }

    /**
     * Guards run-time failures of ONNX Runtime itself: a graph that passes every load check (shapes included) but
     * gathers an index outside the window fails each run; each such tick is served by the fallback, and after three
     * in a row the model is dropped.
     */
    @Test
    void shouldFallBackEachTickAndDropModelWhenInferenceKeepsFailing() {
        final Path file = dir.resolve("broken.psmodel");
        ModelFile.write(file, new ModelMetadata(LstmForecaster.KIND, 1, "broken", "test", Instant.EPOCH, WINDOW,
            3, "none", Map.of()), gatherOutOfRange());
        try (FallbackForecaster forecaster = FallbackForecaster.open("lstm",
            () -> LstmForecaster.openModelFile(file), new SeasonalNaiveForecaster(SEASON));
             LoadHistory history = seasonalHistory()) {
            assertThat(forecaster.isServingModel()).as(forecaster.lastFailure()).isTrue();
            final ForecastTable table = new ForecastTable(2, 4);
            for (int tick = 1; tick <= FallbackForecaster.MAX_CONSECUTIVE_FAILURES + 2; tick++) {
                fillNaN(table);
                forecaster.forecast(history, Resource.QUERY_COST, new int[] {0, 1}, 2, table);
                assertSeasonalNaive(table);
                assertThat(forecaster.modelFallbacks()).isEqualTo(tick);
            }
            assertThat(forecaster.isServingModel()).isFalse();
            assertThat(forecaster.failures()).isEqualTo(FallbackForecaster.MAX_CONSECUTIVE_FAILURES);
            assertThat(forecaster.lastFailure()).startsWith("run: " + OnnxModel.INFERENCE_FAILED);
        }
    }

    /** Guards recovery: one failed tick falls back once, and the model serves again on the next tick. */
    @Test
    void shouldServeModelAgainWhenOneTickFailed() {
        final FlakyForecaster flaky = new FlakyForecaster();
        try (FallbackForecaster forecaster = FallbackForecaster.open("flaky", () -> flaky,
            new SeasonalNaiveForecaster(SEASON));
             LoadHistory history = seasonalHistory()) {
            final ForecastTable table = new ForecastTable(2, 4);
            flaky.isFailingNext = true;
            forecaster.forecast(history, Resource.QUERY_COST, new int[] {0, 1}, 2, table);
            assertSeasonalNaive(table);
            forecaster.forecast(history, Resource.QUERY_COST, new int[] {0, 1}, 2, table);
            assertThat(table.mean(0, 0)).isEqualTo(FlakyForecaster.VALUE);
            assertThat(forecaster.modelFallbacks()).isEqualTo(1);
            assertThat(forecaster.isServingModel()).isTrue();
        }
    }

    /** Guards the happy path: a good model file is served, and no fallback is counted. */
    @Test
    void shouldServeModelWhenFileIsGood() {
        final Path file = savedLstm("good.psmodel");
        try (FallbackForecaster forecaster = FallbackForecaster.open("lstm",
            () -> LstmForecaster.openModelFile(file), new SeasonalNaiveForecaster(SEASON));
             LoadHistory history = seasonalHistory()) {
            final ForecastTable table = new ForecastTable(2, 4);
            forecaster.forecast(history, Resource.QUERY_COST, new int[] {0, 1}, 2, table);
            assertThat(forecaster.isServingModel()).isTrue();
            assertThat(forecaster.modelFallbacks()).isZero();
            assertThat(forecaster.lastFailure()).isNull();
        }
    }

    private void assertFallsBackOnLoad(final Path file, final String code) {
        try (FallbackForecaster forecaster = FallbackForecaster.open("lstm",
            () -> LstmForecaster.openModelFile(file), new SeasonalNaiveForecaster(SEASON));
             LoadHistory history = seasonalHistory()) {
            assertThat(forecaster.isServingModel()).isFalse();
            assertThat(forecaster.lastFailure()).startsWith("load: " + code);
            final ForecastTable table = new ForecastTable(2, 4);
            for (int tick = 1; tick <= 2; tick++) {
                fillNaN(table);
                forecaster.forecast(history, Resource.QUERY_COST, new int[] {0, 1}, 2, table);
                assertSeasonalNaive(table);
                assertThat(forecaster.modelFallbacks()).isEqualTo(tick);
            }
            assertThat(forecaster.failures()).isEqualTo(1);
        }
    }

    /**
     * {@code output = Gather(Squeeze(input, [2]), [0, 1, 1000], axis=1)}: input {@code [batch, W, 1]}, output
     * {@code [batch, 3]} by shape inference; index 1000 is out of range only when it runs.
     */
    private static byte[] gatherOutOfRange() {
        final OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("broken")
            .addInput(floatInfo("input", WINDOW, 1))
            .addOutput(floatInfo("output", 3))
            .addInitializer(OnnxMl.TensorProto.newBuilder().setName("axes").addDims(1)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber()).addInt64Data(2))
            .addInitializer(OnnxMl.TensorProto.newBuilder().setName("indices").addDims(3)
                .setDataType(OnnxMl.TensorProto.DataType.INT64.getNumber())
                .addInt64Data(0).addInt64Data(1).addInt64Data(1000))
            .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Squeeze").addInput("input").addInput("axes")
                .addOutput("window"))
            .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gather").addInput("window").addInput("indices")
                .addOutput("output").addAttribute(OnnxMl.AttributeProto.newBuilder().setName("axis").setI(1)
                    .setType(OnnxMl.AttributeProto.AttributeType.INT)))
            .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(7).setGraph(graph)
            .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(14)).build().toByteArray();
    }

    private static OnnxMl.ValueInfoProto floatInfo(final String name, final long... dims) {
        final OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
            .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"));
        for (final long dim : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
            .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }

    private Path savedLstm(final String name) {
        final LstmNetwork net = new LstmNetwork(new LstmConfig(WINDOW, 1, 4, 4, new double[] {0.5}, true));
        net.initialize(3);
        final Path file = dir.resolve(name);
        LstmModels.save(file, net, "tiny", "nothing", Instant.EPOCH, Map.of());
        return file;
    }

    /** Two slots of 12 ticks: slot s holds 10 s + (t mod 4). */
    private static LoadHistory seasonalHistory() {
        final LoadHistory history = new LoadHistory(2, 32, 0.9);
        for (int t = 0; t < 12; t++) {
            for (int slot = 0; slot < 2; slot++) {
                history.writeRow(slot, 0, 0, 10 * slot + t % SEASON, NO_BUCKETS);
            }
            history.completeTick();
        }
        return history;
    }

    private static void fillNaN(final ForecastTable table) {
        for (int slot = 0; slot < 2; slot++) {
            for (int h = 0; h < table.horizon(); h++) {
                table.mean(slot, h, Double.NaN);
            }
        }
    }

    /** The last tick was t = 11 (phase 3), so step h is phase h mod 4. */
    private static void assertSeasonalNaive(final ForecastTable table) {
        for (int slot = 0; slot < 2; slot++) {
            for (int h = 0; h < table.horizon(); h++) {
                assertThat(table.mean(slot, h)).as("slot " + slot + " step " + h).isEqualTo(10 * slot + h % SEASON);
            }
        }
    }

    /** Writes {@link #VALUE} everywhere, or throws once when told to. */
    private static final class FlakyForecaster implements Forecaster {
        static final double VALUE = 42;
        boolean isFailingNext;

        @Override
        public String name() {
            return "flaky";
        }

        @Override
        public void forecast(final LoadHistory history, final Resource resource, final int[] slots, final int count,
            final ForecastTable table) {
            if (isFailingNext) {
                isFailingNext = false;
                throw new PresplitException(PresplitException.Category.ERROR, OnnxModel.INFERENCE_FAILED, "boom");
            }
            for (int i = 0; i < count; i++) {
                for (int h = 0; h < table.horizon(); h++) {
                    table.mean(slots[i], h, VALUE);
                }
            }
        }
    }
}
