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
            .hasMessageStartingWith("unknown configuration key [file=" + typo).hasMessageContaining("prot");
        final Path bad = Files.writeString(dir.resolve("bad.yml"), "engine:\n  mergeThreshold: 0.9\n");
        assertThatThrownBy(() -> DaemonConfig.load(bad).validate()).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("invalid configuration value [key=engine.mergeThreshold (0 <= merge < split), value=0.9]");
        final Path model = Files.writeString(dir.resolve("model.yml"), "engine:\n  forecaster: prophet\n");
        assertThatThrownBy(() -> DaemonConfig.load(model).validate())
            .hasMessageContaining("engine.forecaster (naive, snaive, ensemble, lstm)");
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
}
