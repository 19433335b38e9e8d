package io.presplit.daemon.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.daemon.EngineConfig;
import io.presplit.daemon.service.Daemon;
import io.presplit.profile.LoadHistory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** The configuration file: defaults, overrides, and errors that name the key. */
class DaemonConfigTest {
    @TempDir
    Path dir;

    /** Guards "every setting has a default": an empty file and no file give the same valid configuration. */
    @Test
    void shouldBeValidWithDefaultsWhenFileIsEmpty() throws Exception {
        final Path file = Files.writeString(dir.resolve("empty.yml"), "");
        assertThat(DaemonConfig.load(file).validate().toYaml()).isEqualTo(DaemonConfig.defaults().toYaml());
        assertThat(DaemonConfig.defaults().server.bindAddress).isEqualTo("127.0.0.1");
    }

    /** Guards partial files: the keys given override, the others keep their defaults. */
    @Test
    void shouldOverrideOnlyGivenKeysWhenFileIsPartial() throws Exception {
        final Path file = Files.writeString(dir.resolve("c.yml"), """
            dataDir: /var/lib/presplit
            server:
              port: 9999
            engine:
              forecaster: ensemble
              splitThreshold: 0.7
            storage:
              durability: group
            """);
        final DaemonConfig config = DaemonConfig.load(file).validate();
        assertThat(config.dataDir).isEqualTo("/var/lib/presplit");
        assertThat(config.server.port).isEqualTo(9999);
        assertThat(config.server.ingestThreads).isEqualTo(2);
        assertThat(config.forecasterName()).isEqualTo("ensemble");
        assertThat(config.engine.splitThreshold).isEqualTo(0.7);
        assertThat(config.engine.mergeThreshold).isEqualTo(0.3);
        assertThat(config.durabilityName()).isEqualTo("group");
    }

    /** Guards the shipped example against drifting from the code: it loads and validates. */
    @Test
    void shouldLoadShippedExampleConfiguration() {
        final Path example = Path.of("..", "deploy", "presplit.example.yml");
        final DaemonConfig config = DaemonConfig.load(example).validate();
        assertThat(config.forecasterName()).isEqualTo("ensemble");
        assertThat(config.durabilityName()).isEqualTo("group");
        assertThat(config.engine.seasonTicks).isEqualTo(8640);
    }

    /** Guards against typos silently falling back to defaults, and against out-of-range values. */
    @Test
    void shouldNameTheKeyWhenFileHasUnknownKeyOrBadValue() throws Exception {
        final Path typo = Files.writeString(dir.resolve("typo.yml"), "server:\n  prot: 1\n");
        assertThatThrownBy(() -> DaemonConfig.load(typo)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("unknown configuration key [file=" + typo + ", line=2, key=server.prot, known=[");
        final Path nested = Files.writeString(dir.resolve("nested.yml"), "engine:\n  historyRollUps:\n"
            + "    - rowMs: 60000\n      rows: 60\n    - rowMs: 3600000\n      rowz: 24\n");
        assertThatThrownBy(() -> DaemonConfig.load(nested)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("line=6, key=engine.historyRollUps[1].rowz");
        final Path shape = Files.writeString(dir.resolve("shape.yml"), "engine:\n  tickMs: [1, 2]\n");
        assertThatThrownBy(() -> DaemonConfig.load(shape)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("cannot read configuration [file=" + shape + ", line=2, key=engine.tickMs, error=");
        final Path broken = Files.writeString(dir.resolve("broken.yml"), "engine: [\n");
        assertThatThrownBy(() -> DaemonConfig.load(broken)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("cannot read configuration [file=" + broken + ", line=");
        final Path bad = Files.writeString(dir.resolve("bad.yml"), "engine:\n  mergeThreshold: 0.9\n");
        assertThatThrownBy(() -> DaemonConfig.load(bad).validate()).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("invalid configuration value [key=engine.mergeThreshold (0 <= merge < split), value=0.9]");
        final Path model = Files.writeString(dir.resolve("model.yml"), "engine:\n  forecaster: prophet\n");
        assertThatThrownBy(() -> DaemonConfig.load(model).validate())
            .hasMessageContaining("engine.forecaster (naive, snaive, ensemble, lstm)");
        for (final String url : new String[] {"http://", "not a url", "ftp://host/hook", "localhost:9000/hook"}) {
            final Path hook = Files.writeString(dir.resolve("hook.yml"), "alerts:\n  webhookUrl: \"" + url + "\"\n");
            assertThatThrownBy(() -> DaemonConfig.load(hook).validate()).hasMessage("invalid configuration value "
                + "[key=alerts.webhookUrl (empty, or an http(s) URL with a host), value=" + url + "]");
        }
        final Path cpus = Files.writeString(dir.resolve("cpus.yml"), "storage:\n  writerCpus: [1, -1]\n");
        assertThatThrownBy(() -> DaemonConfig.load(cpus).validate())
            .hasMessage("invalid configuration value [key=storage.writerCpus (CPU numbers), value=[1, -1]]");
    }

    /**
     * Guards the load history's roll-up levels: given in milliseconds per row, they become ticks per row (whole
     * multiples of the tick and of the level below), and a row length that is not such a multiple is refused with
     * its key named.
     */
    @Test
    void shouldTurnRollUpsIntoTickLevelsAndRefuseRowsThatAreNotWholeMultiples() throws Exception {
        assertThat(DaemonConfig.defaults().validate().historyRollUpLevels()).containsExactly(
            new LoadHistory.Level(6, 1_440), new LoadHistory.Level(360, 168));
        final Path file = Files.writeString(dir.resolve("rollups.yml"), """
            engine:
              tickMs: 1000
              historyRollUps:
                - rowMs: 60000
                  rows: 60
            """);
        assertThat(DaemonConfig.load(file).validate().historyRollUpLevels())
            .containsExactly(new LoadHistory.Level(60, 60));
        final Path bad = Files.writeString(dir.resolve("bad-rollups.yml"), """
            engine:
              historyRollUps:
                - rowMs: 60000
                  rows: 60
                - rowMs: 90000
                  rows: 10
            """);
        assertThatThrownBy(() -> DaemonConfig.load(bad).validate()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("key=engine.historyRollUps[1].rowMs").hasMessageContaining("value=90000");
    }

    /**
     * Guards the forecast table's memory: a day ahead at 10-second ticks for a million slots is 8,640 steps of
     * 207,360 bytes a slot (207 GB) for a tick-level forecaster, refused with the sizes named; the ensemble over the
     * default roll-ups holds 90 tick steps and one step per hour row (2,816 bytes a slot, 2.8 GB) and is accepted.
     */
    @Test
    void shouldRefuseAForecastTableThatDoesNotFitTheConfiguredMemory() throws Exception {
        final Path file = Files.writeString(dir.resolve("day-ahead.yml"), """
            engine:
              tickMs: 10000
              forecaster: lstm
              horizonTicks: 8640
              maxHorizonTicks: 8640
              historyTicks: 8641
              slotCapacity: 1000000
              maxPartitions: 500000
            """);
        assertThatThrownBy(() -> DaemonConfig.load(file).validate()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("forecast table does not fit engine.forecastTableMaxBytes")
            .hasMessageContaining("tableBytes=207360000000").hasMessageContaining("steps=8640")
            .hasMessageContaining("bytesPerSlot=207360").hasMessageContaining("forecastTableMaxBytes=4294967296");
        final DaemonConfig rows = DaemonConfig.load(file);
        rows.engine.forecaster = "ensemble";
        rows.validate();
        assertThat(rows.isRollUpHorizon()).isTrue();
        assertThat(rows.forecastTableSteps()).isEqualTo(90 + 24 + 1);
        assertThat(rows.forecastTableBytes()).isEqualTo(2_816_000_000L);
        rows.engine.forecastTableMaxBytes = 2_000_000_000L;
        assertThatThrownBy(rows::validate).hasMessageContaining("tableBytes=2816000000")
            .hasMessageContaining("rowSteps=true");
    }

    /**
     * Guards the profiler's fold limit per duty cycle: by default 65,536 slots (1,024 words of 64), reaching the
     * engine's configuration; a limit below one word is refused with its key named.
     */
    @Test
    void shouldPassTheFoldLimitToTheEngineAndRefuseOneBelowAWord() throws Exception {
        assertThat(Daemon.engineConfig(DaemonConfig.defaults().validate()).foldWordsPerCycle())
            .isEqualTo(EngineConfig.DEFAULT_FOLD_WORDS_PER_CYCLE).isEqualTo(65_536 / 64);
        final Path file = Files.writeString(dir.resolve("fold.yml"), "engine:\n  profilerFoldWordsPerCycle: 16\n");
        assertThat(Daemon.engineConfig(DaemonConfig.load(file).validate()).foldWordsPerCycle()).isEqualTo(16);
        final Path bad = Files.writeString(dir.resolve("bad-fold.yml"), "engine:\n  profilerFoldWordsPerCycle: 0\n");
        assertThatThrownBy(() -> DaemonConfig.load(bad).validate()).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("invalid configuration value [key=engine.profilerFoldWordsPerCycle, value=0]");
    }

    /**
     * Guards the bucket fold period: by default every tick at the default 10 s tick; at 1 s ticks every ten, reaching
     * the engine's configuration; a negative period is refused with its key named.
     */
    @Test
    void shouldFoldBucketCountsEveryTickByDefaultAndEveryFewTicksAtShortTicks() throws Exception {
        assertThat(Daemon.engineConfig(DaemonConfig.defaults().validate()).bucketFoldTicks()).isEqualTo(1);
        final Path file = Files.writeString(dir.resolve("buckets.yml"), "engine:\n  tickMs: 1000\n");
        assertThat(Daemon.engineConfig(DaemonConfig.load(file).validate()).bucketFoldTicks()).isEqualTo(10);
        final Path bad = Files.writeString(dir.resolve("bad-buckets.yml"), "engine:\n  profilerBucketFoldMs: -1\n");
        assertThatThrownBy(() -> DaemonConfig.load(bad).validate()).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("invalid configuration value [key=engine.profilerBucketFoldMs, value=-1]");
    }
}
