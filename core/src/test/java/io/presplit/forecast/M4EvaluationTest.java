package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small version of the M4 Hourly evaluation: six bundled series of the training split, h = 48, m = 24. */
class M4EvaluationTest {
    private static final int H = 48;
    private static final int M = 24;

    /**
     * Guards the metric code: the evaluation's sNaive sMAPE and MASE must equal a direct computation written out
     * here from the M4 definitions (to 1e-9).
     */
    @Test
    void shouldScoreSeasonalNaiveAsADirectComputationWhenEvaluated() throws Exception {
        final List<SeriesCsv.Series> series = sample();
        assertThat(series).hasSize(6);
        final M4Evaluation.Score score = M4Evaluation.evaluate(series, new SeriesModel.SeasonalNaive(), H, M, null);
        double smape = 0;
        double mase = 0;
        for (final SeriesCsv.Series s : series) {
            final double[] y = s.values();
            final int n = y.length - H;
            double abs = 0;
            double sym = 0;
            for (int h = 0; h < H; h++) {
                // sNaive with h <= 2m: the same hour one or two days before the end of the training part
                final double f = y[n - M + (h % M)];
                abs += Math.abs(y[n + h] - f);
                sym += Math.abs(y[n + h] - f) / (Math.abs(y[n + h]) + Math.abs(f));
            }
            double scale = 0;
            for (int t = M; t < n; t++) {
                scale += Math.abs(y[t] - y[t - M]);
            }
            smape += 200.0 / H * sym;
            mase += abs / H / (scale / (n - M));
        }
        assertThat(score.series()).isEqualTo(6);
        assertThat(score.smape()).isCloseTo(smape / 6, within(1e-9));
        assertThat(score.mase()).isCloseTo(mase / 6, within(1e-9));
    }

    /**
     * Guards the models end to end on real data: ETS and the ensemble must produce sane scores on the sample
     * (sMAPE under 40, MASE under 4: far worse than sNaive would mean a broken fit), and the ensemble must be no
     * worse than 1.1 times the better of its members in MASE (its weights follow accuracy), without fallbacks.
     */
    @Test
    void shouldScoreSensiblyWhenEtsAndEnsembleForecastRealSeries() throws Exception {
        final List<SeriesCsv.Series> series = sample();
        final GuardedModel ets = new GuardedModel(new EtsModel(M));
        final M4Evaluation.Score etsScore = M4Evaluation.evaluate(series, ets, H, M, null);
        final M4Evaluation.Score snaive = M4Evaluation.evaluate(series, new SeriesModel.SeasonalNaive(), H, M, null);
        final M4Evaluation.Score ensemble = M4Evaluation.evaluate(series, Models.create("ensemble", M, H), H, M, null);
        System.out.println(snaive + "\n" + etsScore + "\n" + ensemble);
        assertThat(etsScore.smape()).isBetween(0.0, 40.0);
        assertThat(etsScore.mase()).isBetween(0.0, 4.0);
        assertThat(etsScore.fallbacks()).isZero();
        assertThat(ensemble.mase()).isLessThan(1.1 * Math.min(etsScore.mase(), snaive.mase()));
    }

    /** Guards the error contract of the reader: a bad cell is reported with the file and line. */
    @Test
    void shouldNameFileAndLineWhenACellIsNotANumber(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("bad.csv");
        Files.writeString(file, "\"V1\",\"V2\",\"V3\"\n\"A\",\"1\",\"2\"\n\"B\",\"3\",\"x\"\n");
        assertThatThrownBy(() -> SeriesCsv.read(file)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("bad.csv:3:").hasMessageContaining("series=B").hasMessageContaining("cell=x");
        Files.writeString(file, "A,1,,2\n");
        assertThatThrownBy(() -> SeriesCsv.read(file)).hasMessageContaining("bad.csv:1:")
            .hasMessageContaining("value after an empty cell");
    }

    /** Excel's UTF-8 export starts with a byte-order mark: it is not part of the first series' id. */
    @Test
    void shouldNotTakeAByteOrderMarkIntoTheFirstId(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("bom.csv");
        Files.writeString(file, "\uFEFFH1,1,2,3\r\nH2,4,5,\r\n");
        assertThat(SeriesCsv.read(file)).extracting(SeriesCsv.Series::id).containsExactly("H1", "H2");
        assertThat(SeriesCsv.read(file).get(1).values()).containsExactly(4, 5);
    }

    private static List<SeriesCsv.Series> sample() throws URISyntaxException {
        return SeriesCsv.read(Path.of(M4EvaluationTest.class.getResource("m4-hourly-sample.csv").toURI()));
    }
}
