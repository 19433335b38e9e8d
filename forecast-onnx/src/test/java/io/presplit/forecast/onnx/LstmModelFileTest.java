package io.presplit.forecast.onnx;

import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.onnx.lstm.LstmConfig;
import io.presplit.forecast.onnx.lstm.LstmModels;
import io.presplit.forecast.onnx.lstm.LstmNetwork;
import io.presplit.forecast.onnx.lstm.LstmTrainer;
import io.presplit.forecast.onnx.model.ModelFile;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** A network saved as a model file and served: the batched forecaster and the offline model agree with Java. */
class LstmModelFileTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final int WINDOW = 16;
    private static final int HORIZON = 5;
    private static final int SLOTS = 6;

    @TempDir
    Path dir;

    /**
     * Guards {@code presplit forecast --model lstm --model-file F.onnx} with a user's own PyTorch export: a bare
     * {@code .onnx} file is served by the offline model and reproduces PyTorch's de-normalized forecasts.
     */
    @Test
    void shouldServeBareOnnxFileWhenGivenPyTorchExport() throws IOException {
        final Path file = dir.resolve("torch.onnx");
        try (InputStream in = LstmForecaster.class.getResourceAsStream(LstmForecaster.BUNDLED_MODEL)) {
            Files.write(file, in.readAllBytes());
        }
        final LstmVectors.Case sinusoid = LstmVectors.load().get(9);
        try (LstmSeriesModel model = LstmSeriesModel.open(file)) {
            final double[] out = new double[12];
            assertThat(model.fitForecast(sinusoid.rawWindow(), 48, 24, 12, out)).isTrue();
            for (int h = 0; h < 12; h++) {
                assertThat(out[h]).isCloseTo(sinusoid.forecast()[h], within(1e-4 * sinusoid.s()));
            }
        }
    }

    /**
     * Guards the whole serving path of a trained model: file → checksum → graph contract → normalization →
     * batched run → de-normalization, plus the p90 head into the table's quantile column (never below the median).
     */
    @Test
    void shouldServeSavedModelAsJavaForwardPassWhenBatched() {
        final LstmNetwork net = new LstmNetwork(new LstmConfig(WINDOW, 1, 8, HORIZON, new double[] {0.5, 0.9},
            true));
        net.initialize(11);
        final SplittableRandom random = new SplittableRandom(11);
        final double[] p = net.parameters();
        for (int i = net.headOffset(); i < p.length; i++) {
            p[i] = random.nextDouble(-0.3, 0.3);
        }
        final Path file = dir.resolve("lstm.psmodel");
        LstmModels.save(file, net, "test", "random weights", Instant.parse("2026-11-24T00:00:00Z"), Map.of());
        assertThat(ModelFile.read(file, LstmForecaster.KIND).metadata().properties())
            .containsEntry("outputs", "output,output_p90").containsEntry("hidden", "8");

        final double[][] series = new double[SLOTS][WINDOW + 4];
        try (LstmForecaster lstm = LstmForecaster.openModelFile(file);
             LoadHistory history = new LoadHistory(SLOTS, 64, 0.9)) {
            assertThat(lstm.hasP90()).isTrue();
            for (int t = 0; t < WINDOW + 4; t++) {
                for (int slot = 0; slot < SLOTS; slot++) {
                    series[slot][t] = 100 * (slot + 1) + 30 * Math.sin(t / 3.0 + slot) + random.nextDouble(0, 5);
                    history.writeRow(slot, 0, 0, series[slot][t], NO_BUCKETS);
                }
                history.completeTick();
            }
            final ForecastTable table = new ForecastTable(SLOTS, HORIZON);
            final int[] slots = {5, 3, 1, 0, 2, 4};
            lstm.forecast(history, Resource.QUERY_COST, slots, SLOTS, table);

            final double[] expected = new double[HORIZON];
            for (int slot = 0; slot < SLOTS; slot++) {
                LstmTrainer.forecast(net, series[slot], WINDOW + 4, expected);
                for (int h = 0; h < HORIZON; h++) {
                    assertThat(table.mean(slot, h)).as("slot " + slot + " step " + h)
                        .isCloseTo(Math.max(0, expected[h]), within(1e-4 * 30));
                    assertThat(table.p50(slot, h)).isEqualTo(table.mean(slot, h));
                    assertThat(table.p90(slot, h)).isGreaterThanOrEqualTo(table.mean(slot, h));
                }
            }
        }
        try (LstmSeriesModel model = LstmSeriesModel.open(file)) {
            final double[] out = new double[HORIZON + 2];
            final double[] expected = new double[HORIZON];
            assertThat(model.fitForecast(series[2], WINDOW + 4, 24, HORIZON + 2, out)).isTrue();
            LstmTrainer.forecast(net, series[2], WINDOW + 4, expected);
            for (int h = 0; h < HORIZON; h++) {
                assertThat(out[h]).isCloseTo(expected[h], within(1e-4 * 30));
            }
            assertThat(out[HORIZON + 1]).isEqualTo(out[HORIZON - 1]);
            assertThat(model.fitForecast(series[2], WINDOW - 1, 24, HORIZON, out)).as("short series").isFalse();
        }
    }
}
