package io.presplit.forecast.onnx.model;

import io.presplit.PresplitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelFileTest {
    private static final byte[] ONNX = {8, 7, 18, 3, 'a', 'b', 'c'};
    private static final ModelMetadata METADATA = new ModelMetadata("lstm", 3, "a test model",
        "M4 Hourly train, 2 series", Instant.parse("2026-11-24T03:00:00Z"), 48, 6,
        "per-window z-score", Map.of("input", "input", "output", "output"));

    @TempDir
    Path dir;

    @Test
    void aWrittenModelReadsBackWithItsMetadataAndBytes() {
        final Path file = dir.resolve("m" + ModelFile.SUFFIX);
        ModelFile.write(file, METADATA, ONNX);

        final ModelFile model = ModelFile.read(file, "lstm");

        assertThat(model.metadata()).isEqualTo(METADATA);
        assertThat(model.onnx()).containsExactly(ONNX);
        assertThat(model.sha256()).hasSize(64);
        assertThat(dir.resolve("m" + ModelFile.SUFFIX + ".tmp")).doesNotExist();
    }

    @Test
    void theSameModelAlwaysEncodesToTheSameBytes() {
        assertThat(ModelFile.encode(METADATA, ONNX)).containsExactly(ModelFile.encode(METADATA, ONNX));
    }

    @Test
    void aMissingFileSaysSo() {
        assertThatThrownBy(() -> ModelFile.read(dir.resolve("absent.psmodel")))
            .isInstanceOf(PresplitException.class)
            .hasMessageContaining(ModelFile.MODEL_FILE_MISSING).hasMessageContaining("absent.psmodel");
    }

    @Test
    void everyFlippedByteIsCaught() {
        final byte[] good = ModelFile.encode(METADATA, ONNX);
        for (int i = 0; i < good.length; i++) {
            final byte[] bad = good.clone();
            bad[i] ^= 0x01;
            final int at = i;
            assertThatThrownBy(() -> ModelFile.decode("test", bad)).as("byte %d flipped", at)
                .isInstanceOf(PresplitException.class)
                .satisfies(e -> assertThat(((PresplitException) e).code())
                    .isIn(ModelFile.MODEL_FILE_CORRUPT, ModelFile.MODEL_FILE_UNSUPPORTED));
        }
    }

    @Test
    void aTruncatedOrExtendedFileIsCorrupt() throws IOException {
        final byte[] good = ModelFile.encode(METADATA, ONNX);
        final Path file = dir.resolve("t.psmodel");
        Files.write(file, Arrays.copyOf(good, good.length - 1));
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessageContaining(ModelFile.MODEL_FILE_CORRUPT);
        Files.write(file, Arrays.copyOf(good, good.length + 1));
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessageContaining("lengths do not match");
        Files.write(file, new byte[10]);
        assertThatThrownBy(() -> ModelFile.read(file)).hasMessageContaining("shorter than header");
    }

    @Test
    void aPlainOnnxFileIsNotAModelFile() {
        assertThatThrownBy(() -> ModelFile.decode("x.onnx", new byte[100]))
            .hasMessageContaining(ModelFile.MODEL_FILE_CORRUPT).hasMessageContaining("bad magic");
    }

    @Test
    void aFutureFormatIsRefusedByVersionNotAsCorruption() {
        final byte[] bytes = ModelFile.encode(METADATA, ONNX);
        bytes[11] = 2;
        assertThatThrownBy(() -> ModelFile.decode("future", bytes))
            .hasMessageContaining(ModelFile.MODEL_FILE_UNSUPPORTED).hasMessageContaining("version=2");
    }

    @Test
    void aModelOfAnotherKindIsAMismatch() {
        final Path file = dir.resolve("p.psmodel");
        ModelFile.write(file, METADATA, ONNX);
        assertThatThrownBy(() -> ModelFile.read(file, "prophet"))
            .hasMessageContaining(ModelFile.MODEL_FILE_MISMATCH)
            .hasMessageContaining("kind=lstm").hasMessageContaining("expected=prophet");
    }

    @Test
    void invalidMetadataIsRefusedWhenWritten() {
        assertThatThrownBy(() -> new ModelMetadata("LSTM", 1, "d", "t", Instant.EPOCH, 1, 1, "none", null))
            .hasMessageContaining("kind");
        assertThatThrownBy(() -> new ModelMetadata("lstm", 0, "d", "t", Instant.EPOCH, 1, 1, "none", null))
            .hasMessageContaining("modelVersion");
        assertThatThrownBy(() -> new ModelMetadata("lstm", 1, "d", "t", Instant.EPOCH, 1, 0, "none", null))
            .hasMessageContaining("horizonTicks");
        assertThatThrownBy(() -> ModelFile.encode(METADATA, new byte[0])).hasMessageContaining("empty");
    }
}
