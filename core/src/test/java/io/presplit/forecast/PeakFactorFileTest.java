package io.presplit.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

class PeakFactorFileTest {
    private static final long[] NO_BUCKETS = new long[KeySpace.BUCKET_COUNT];
    private static final int PER_ROW = 10;
    private static final int HORIZON = 4 * PER_ROW;
    private static final int SLOTS = 3;

    @TempDir
    Path dir;

    /**
     * Guards the restart: the factors a forecaster learnt (which the load history cannot rebuild: it keeps row sums,
     * not row peaks) are written, and a new forecaster, as after a restart, reads back exactly the same ones, so its
     * long steps' bounds are the learnt ones from its first row on instead of the row mean's.
     */
    @Test
    void shouldKeepTheLearntFactorsAcrossARestart() {
        final Path file = dir.resolve(PeakFactorFile.FILE_NAME);
        try (RollUpForecaster learnt = learnt()) {
            assertThat(learnt.peakFactor(0)).isGreaterThan(1.5);
            assertThat(learnt.horizonFactor(0)).isGreaterThan(1);
            assertThat(learnt.peakFactor(2)).as("a slot never listed").isNaN();
            PeakFactorFile.write(file, learnt);
            try (RollUpForecaster restarted = forecaster()) {
                assertThat(PeakFactorFile.read(file, restarted)).isTrue();
                for (int slot = 0; slot < SLOTS; slot++) {
                    // Bit for bit (an unlearnt slot's NaN included).
                    assertThat(Double.doubleToLongBits(restarted.peakFactor(slot)))
                        .isEqualTo(Double.doubleToLongBits(learnt.peakFactor(slot)));
                    assertThat(restarted.horizonFactor(slot)).isEqualTo(learnt.horizonFactor(slot));
                }
            }
        }
        assertThat(dir.resolve(PeakFactorFile.FILE_NAME + ".tmp")).doesNotExist();
    }

    /** Guards the first start: no file is no error, and nothing is learnt. */
    @Test
    void shouldReadNothingWhenThereIsNoFile() {
        try (RollUpForecaster fresh = forecaster()) {
            assertThat(PeakFactorFile.read(dir.resolve(PeakFactorFile.FILE_NAME), fresh)).isFalse();
            assertThat(fresh.peakFactor(0)).isNaN();
            assertThat(fresh.horizonFactor(0)).isEqualTo(1);
        }
    }

    /**
     * Guards corruption: a flipped bit anywhere fails the checksum with an error that names the file and says what
     * to do, and the forecaster is left unlearnt rather than given a corrupt factor.
     */
    @Test
    void shouldRefuseACorruptFileNamingIt() throws IOException {
        final Path file = dir.resolve(PeakFactorFile.FILE_NAME);
        try (RollUpForecaster learnt = learnt()) {
            PeakFactorFile.write(file, learnt);
        }
        final byte[] bytes = Files.readAllBytes(file);
        bytes[PeakFactorFile.HEADER_LENGTH + 3] ^= 0x10;
        Files.write(file, bytes);
        try (RollUpForecaster restarted = forecaster()) {
            assertThatThrownBy(() -> PeakFactorFile.read(file, restarted))
                .isInstanceOfSatisfying(PresplitException.class,
                    ex -> assertThat(ex.code()).isEqualTo(PeakFactorFile.INVALID))
                .hasMessageContaining("checksum mismatch").hasMessageContaining(file.toString())
                .hasMessageContaining("delete it");
            assertThat(restarted.peakFactor(0)).isNaN();
        }
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 7));
        try (RollUpForecaster restarted = forecaster()) {
            assertThatThrownBy(() -> PeakFactorFile.read(file, restarted)).hasMessageContaining("wrong length");
        }
    }

    /** Guards the shape: factors of another slot capacity or roll-up level are refused, not mapped onto slots. */
    @Test
    void shouldRefuseAFileOfAnotherForecaster() {
        final Path file = dir.resolve(PeakFactorFile.FILE_NAME);
        try (RollUpForecaster learnt = learnt()) {
            PeakFactorFile.write(file, learnt);
        }
        try (RollUpForecaster other = new RollUpForecaster(SLOTS, HORIZON, new SeasonalNaiveForecaster(1), 2,
            new SeasonalNaiveForecaster(1), 2, HORIZON / PER_ROW + 2)) {
            assertThatThrownBy(() -> PeakFactorFile.read(file, other)).isInstanceOf(PresplitException.class)
                .hasMessageContaining("written for another forecaster").hasMessageContaining("level=1");
        }
    }

    /** Guards the on-disk format against docs/spec/006-peak-factors.md, byte by byte, for one slot. */
    @Test
    void shouldWriteTheSpecifiedBytes() throws IOException {
        final Path file = dir.resolve(PeakFactorFile.FILE_NAME);
        try (RollUpForecaster one = new RollUpForecaster(1, HORIZON, new SeasonalNaiveForecaster(1), 2,
            new SeasonalNaiveForecaster(1), 1, HORIZON / PER_ROW + 2)) {
            one.restoreFactors(0, 0.5, 0.25);
            PeakFactorFile.write(file, one);
        }
        final byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).hasSize(36);
        final ByteBuffer expected = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        expected.put(new byte[] {'F', 'K', 'S', 'P'}).putInt(1).putInt(1).putInt(1).putDouble(0.5).putDouble(0.25);
        assertThat(Arrays.copyOf(bytes, 32)).isEqualTo(expected.array());
        final CRC32C crc = new CRC32C();
        crc.update(bytes, 0, 32);
        assertThat(ByteBuffer.wrap(bytes, 32, 4).order(ByteOrder.LITTLE_ENDIAN).getInt())
            .isEqualTo((int) crc.getValue());
    }

    private static RollUpForecaster forecaster() {
        final int levelHorizon = HORIZON / PER_ROW + 2;
        return new RollUpForecaster(SLOTS, HORIZON, new SeasonalNaiveForecaster(1), 2,
            new EnsembleForecaster(SLOTS, levelHorizon, 1, new OnlineModel[0], new Forecaster[0], 16, 1,
                Long.MAX_VALUE / 4, 0.05, 2.0, null, true, false, 1), 1, levelHorizon);
    }

    /** A forecaster that learnt both factors on slots 0 and 1 from rows with a burst at a random tick. */
    private static RollUpForecaster learnt() {
        final RollUpForecaster forecaster = forecaster();
        final double[] load = RollUpForecasterTest.burstyRows(new SplittableRandom(7), 400, PER_ROW);
        try (LoadHistory history = LoadHistory.inMemory(SLOTS, 0.9, new LoadHistory.Level(1, 8),
            new LoadHistory.Level(PER_ROW, 64))) {
            final ForecastTable table = new ForecastTable(SLOTS, HORIZON);
            final int[] slots = {0, 1};
            for (int t = 0; t < load.length; t++) {
                history.writeRow(0, load[t], 0, 0, NO_BUCKETS);
                history.writeRow(1, load[load.length - 1 - t], 0, 0, NO_BUCKETS);
                history.completeTick();
                forecaster.forecast(history, Resource.INGEST_POINTS, slots, 2, table);
            }
        }
        return forecaster;
    }
}
