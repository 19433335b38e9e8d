package io.presplit.forecast.onnx;

import ai.onnxruntime.OnnxJavaType;
import io.presplit.PresplitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class OnnxModelTest {
    private static final List<TensorSpec> LSTM_INPUTS =
        List.of(new TensorSpec("input", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, TensorSpec.FIXED, 1));
    private static final List<TensorSpec> LSTM_OUTPUTS =
        List.of(new TensorSpec("output", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, TensorSpec.FIXED));

    @TempDir
    Path dir;

    /** Guards against a missing model surfacing as an ONNX Runtime message that does not say which file. */
    @Test
    void shouldFailWithModelMissingWhenFileDoesNotExist() {
        final Path file = dir.resolve("absent.onnx");

        final PresplitException ex = catchThrowableOfType(PresplitException.class, () -> LstmForecaster.open(file));

        assertThat(ex.category()).isEqualTo(PresplitException.Category.ERROR);
        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_MISSING);
        assertThat(ex.getMessage()).contains("not found").contains(file.toAbsolutePath().toString());
    }

    /** Guards against a corrupt file crashing the process or failing with an unchecked ONNX Runtime error. */
    @Test
    void shouldFailWithModelInvalidWhenFileIsRandomBytes() throws IOException {
        final long seed = 20250101L;
        System.out.println("shouldFailWithModelInvalidWhenFileIsRandomBytes seed=" + seed);
        final byte[] noise = new byte[4096];
        new Random(seed).nextBytes(noise);
        final Path file = Files.write(dir.resolve("noise.onnx"), noise);

        final PresplitException ex = catchThrowableOfType(PresplitException.class, () -> LstmForecaster.open(file));

        assertThat(ex.category()).isEqualTo(PresplitException.Category.ERROR);
        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_INVALID);
        assertThat(ex.getMessage()).contains("could not be loaded").contains(file.toAbsolutePath().toString());
        assertThat(ex.getCause()).isNotNull();
    }

    /** Guards against a half-copied model (an interrupted deploy) being accepted. */
    @Test
    void shouldFailWithModelInvalidWhenFileIsTruncated() throws IOException {
        final byte[] model = bundledModelBytes();
        final Path file = Files.write(dir.resolve("truncated.onnx"), Arrays.copyOf(model, model.length / 2));

        final PresplitException ex = catchThrowableOfType(PresplitException.class, () -> LstmForecaster.open(file));

        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_INVALID);
        assertThat(ex.getMessage()).contains(file.toAbsolutePath().toString());
    }

    /**
     * Guards the shape check itself: a model with another window must be refused at open, not fed windows of the
     * wrong length at the first forecast.
     */
    @Test
    void shouldFailWithModelMismatchWhenModelWindowDiffersFromExpected() throws IOException {
        final Path file = Files.write(dir.resolve("lstm.onnx"), bundledModelBytes());
        final List<TensorSpec> window24 =
            List.of(new TensorSpec("input", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, 24, 1));

        final PresplitException ex = catchThrowableOfType(PresplitException.class,
            () -> OnnxModel.open(file, window24, LSTM_OUTPUTS));

        assertThat(ex.category()).isEqualTo(PresplitException.Category.ERROR);
        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_MISMATCH);
        assertThat(ex.getMessage())
            .contains("wrong shape")
            .contains(file.toAbsolutePath().toString())
            .contains("expected=input FLOAT[dynamic, 24, 1]")
            .contains("found=[batch, 48, 1]");
    }

    /** Guards against a model with two features per step being served as a one-feature LSTM. */
    @Test
    void shouldFailWithModelMismatchWhenModelHasTwoFeatures() throws IOException {
        final Path file = Files.write(dir.resolve("two-features.onnx"),
            TinyOnnx.identity(TinyOnnx.FLOAT, TinyOnnx.BATCH, 48, 2));

        final PresplitException ex = catchThrowableOfType(PresplitException.class, () -> LstmForecaster.open(file));

        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_MISMATCH);
        assertThat(ex.getMessage()).contains("model input has the wrong shape").contains("found=[batch, 48, 2]");
    }

    /** Guards against a model exported with a fixed batch (the PyTorch exporter's pitfall) being batched. */
    @Test
    void shouldFailWithModelMismatchWhenBatchIsFixed() throws IOException {
        final Path file = Files.write(dir.resolve("fixed-batch.onnx"), TinyOnnx.identity(TinyOnnx.FLOAT, 2, 48, 1));

        final PresplitException ex = catchThrowableOfType(PresplitException.class, () -> LstmForecaster.open(file));

        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_MISMATCH);
        assertThat(ex.getMessage()).contains("expected=input FLOAT[dynamic, fixed, 1]").contains("found=[2, 48, 1]");
    }

    /** Guards against a float64 model being fed float32 buffers. */
    @Test
    void shouldFailWithModelMismatchWhenElementTypeIsDouble() throws IOException {
        final Path file = Files.write(dir.resolve("double.onnx"),
            TinyOnnx.identity(TinyOnnx.DOUBLE, TinyOnnx.BATCH, 48, 1));

        final PresplitException ex = catchThrowableOfType(PresplitException.class, () -> LstmForecaster.open(file));

        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_MISMATCH);
        assertThat(ex.getMessage()).contains("wrong element type").contains("expected=FLOAT").contains("found=DOUBLE");
    }

    /** Guards against a renamed input being discovered only at the first run. */
    @Test
    void shouldFailWithModelMismatchWhenInputNameDiffers() throws IOException {
        final Path file = Files.write(dir.resolve("lstm.onnx"), bundledModelBytes());
        final List<TensorSpec> renamed =
            List.of(new TensorSpec("x", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, TensorSpec.FIXED, 1));

        final PresplitException ex = catchThrowableOfType(PresplitException.class,
            () -> OnnxModel.open(file, renamed, LSTM_OUTPUTS));

        assertThat(ex.code()).isEqualTo(OnnxModel.MODEL_MISMATCH);
        assertThat(ex.getMessage()).contains("expected=[x]").contains("found=[input]");
    }

    /** Guards the declared shapes that LstmForecaster reads its window and horizon from. */
    @Test
    void shouldReportDeclaredShapesWhenModelMatches() throws IOException {
        final Path file = Files.write(dir.resolve("lstm.onnx"), bundledModelBytes());

        try (OnnxModel model = OnnxModel.open(file, LSTM_INPUTS, LSTM_OUTPUTS)) {
            assertThat(model.inputShape("input")).containsExactly(-1, 48, 1);
            assertThat(model.outputShape("output")).containsExactly(-1, 12);
            assertThat(model.source()).isEqualTo(file.toAbsolutePath().toString());
        }
    }

    /** Guards against a double close freeing the native session twice (a JVM crash, not an exception). */
    @Test
    void shouldCloseOnceWhenClosedTwice() throws IOException {
        final Path file = Files.write(dir.resolve("lstm.onnx"), bundledModelBytes());
        final OnnxModel model = OnnxModel.open(file, LSTM_INPUTS, LSTM_OUTPUTS);

        model.close();
        model.close();

        assertThat(model.isClosed()).isTrue();
        assertThatThrownBy(() -> model.run(Map.of(), Map.of())).isInstanceOf(IllegalStateException.class);
    }

    static byte[] bundledModelBytes() throws IOException {
        try (InputStream in = LstmForecaster.class.getResourceAsStream(LstmForecaster.BUNDLED_MODEL)) {
            assertThat(in).as("bundled model on the classpath").isNotNull();
            return in.readAllBytes();
        }
    }
}
