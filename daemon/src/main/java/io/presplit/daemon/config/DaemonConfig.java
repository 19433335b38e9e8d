package io.presplit.daemon.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.presplit.daemon.EngineConfig;
import io.presplit.forecast.ForecastTableDescriptor;
import io.presplit.forecast.StepSchedule;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.LoadHistoryDescriptor;
import io.presplit.storage.log.FieldSchema;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Everything {@code presplit run} can be told, with its default. Read from YAML ({@link #load}); every key is
 * optional, unknown keys are errors (a typo must not silently fall back to a default). docs/OPERATIONS.md lists
 * the keys; {@code presplit run --print-config} prints the effective configuration.
 * <p>
 * Plain mutable fields because Jackson binds them; {@link #validate()} checks them once, after binding and command
 * line overrides, and nothing changes them afterwards.
 */
public final class DaemonConfig {
    /** Where the store, the coordinator log and the counters file live. */
    public String dataDir = "presplit-data";
    /** The HTTP server. */
    public Server server = new Server();
    /** The engine: tick, forecaster, capacity and adjustment policy. */
    public EngineSettings engine = new EngineSettings();
    /** The partition store. */
    public Storage storage = new Storage();
    /** The admin API. */
    public Admin admin = new Admin();
    /** Alerts. */
    public Alerts alerts = new Alerts();

    /** The HTTP server's settings. */
    public static final class Server {
        /** The address to bind: loopback unless an operator says otherwise. */
        public String bindAddress = "127.0.0.1";
        /** The port (InfluxDB's 8086 by default, so that clients need no change); 0 picks a free port. */
        public int port = 8086;
        /** Netty event-loop threads doing socket I/O, TLS-free HTTP decoding and gzip inflation. */
        public int ioThreads = 1;
        /** Threads that parse line protocol and write to the store, each with its own store writer. */
        public int ingestThreads = 2;
        /** Threads that answer queries, each with its own store reader. */
        public int queryThreads = 1;
        /** Write requests waiting for an ingest thread before new ones get 503. */
        public int ingestQueueLength = 64;
        /** The largest request body, as sent and after gzip or deflate inflation: larger ones get 413. */
        public long maxBodyBytes = 32L << 20;
        /** A request whose body has not fully arrived this long after its headers gets 408. */
        public long bodyTimeoutMs = 10_000;
        /** A connection with no traffic for this long is closed. */
        public long idleTimeoutMs = 120_000;
        /** The most points one query returns (the answer says when it was cut). */
        public int maxQueryPoints = 1_000_000;
    }

    /** The engine's settings. */
    public static final class EngineSettings {
        /** The profiler tick: load is measured, forecast and acted on once per tick. */
        public long tickMs = 10_000;
        /** Forecaster: {@code naive}, {@code snaive}, {@code ensemble} or {@code lstm}. */
        public String forecaster = "snaive";
        /** Ticks in one season (the seasonal models' period): 360 ticks of 10 s is one hour. */
        public int seasonTicks = 360;
        /** Forecast horizon in ticks. */
        public int horizonTicks = 6;
        /** The longest horizon the admin API may set (the forecast table is sized for it). */
        public int maxHorizonTicks = 24;
        /** Ticks of load history kept per partition (memory-mapped in the data directory). */
        public int historyTicks = 2_160;
        /**
         * The most memory the forecast table may take ({@link DaemonConfig#forecastTableBytes()}): a horizon, tick and
         * slot capacity whose table is larger are refused at start with the sizes named, instead of failing to
         * allocate (or swapping) later. Default: 4 GiB.
         */
        public long forecastTableMaxBytes = 4L << 30;
        /**
         * The {@code ensemble} forecaster serves a longest horizon ({@code maxHorizonTicks} times {@code tickMs})
         * beyond this from the roll-ups ({@link DaemonConfig#isRollUpHorizon()}): the tick level keeps the first
         * steps, the coarsest roll-up level with at least two rows in the horizon forecasts the rest. Default: an
         * hour.
         */
        public long rollUpHorizonMs = 3_600_000;
        /**
         * Roll-up levels of the load history above the tick, finest first: each row sums {@code rowMs} of load (a
         * whole multiple of {@code tickMs} and of the previous level's {@code rowMs}) and {@code rows} rows are kept.
         * Default: minutes for a day, hours for a week. Changing them needs a new history file (the old one is
         * refused with both shapes named).
         */
        public List<HistoryRollUp> historyRollUps = new ArrayList<>(List.of(
            new HistoryRollUp(60_000, 1_440), new HistoryRollUp(3_600_000, 168)));
        /** Load slots: the most partitions that can exist at once, retired ones in quarantine included. */
        public int slotCapacity = 4_096;
        /** Capacity of one partition in ingest points per second (measure yours with {@code presplit calibrate}). */
        public double capacityPointsPerSecond = 500_000;
        /** Split when the predicted peak exceeds capacity times this. */
        public double splitThreshold = 0.8;
        /** Merge neighbours predicted and measured below capacity times this. */
        public double mergeThreshold = 0.3;
        /** Measured ticks that must all be below the merge threshold before a merge. */
        public int mergeWindowTicks = 6;
        /** Ticks without a decision on a partition after it was born or changed. */
        public int cooldownTicks = 6;
        /** Never more live partitions than this. */
        public int maxPartitions = 1_024;
        /** A split must leave the larger child at most this share of the load, else the load is a hot key. */
        public double minSplitImprovement = 0.9;
        /** Leading forecast steps a split judges (0: the whole horizon); merges always judge the whole horizon. */
        public int splitLookaheadTicks = 0;
        /** Ticks between a decision and its effect. */
        public int decisionDelayTicks = 0;
        /** A split and a merge undoing each other within this many ticks count as thrash. */
        public int thrashWindowTicks = 360;
        /**
         * The most words of 64 load slots one profiler duty cycle folds: a tick's fold is spread over duty cycles of
         * at most this many words, so that no cycle holds the control thread for long (about 3 ms for 65,536 loaded
         * slots on a 2-vCPU VM); the tick's total work is the same. Default 1,024 words (65,536 slots): one cycle per
         * tick up to that many slots.
         */
        public int profilerFoldWordsPerCycle = EngineConfig.DEFAULT_FOLD_WORDS_PER_CYCLE;
        /**
         * How often each partition's per-key-bucket counts (which choose split points) are folded into its bucket
         * loads: every {@code max(1, profilerBucketFoldMs / tickMs)} ticks ({@link DaemonConfig#bucketFoldTicks()}).
         * Between folds they lag, and each fold does a share of the partitions, so at short ticks the profiler's
         * tick moves fewer cache lines (docs/BENCHMARKS.md). Default 10 s: every tick at the default tick.
         */
        public long profilerBucketFoldMs = 10_000;
    }

    /** One roll-up level of the load history. */
    public static final class HistoryRollUp {
        /** Load summed into one row, in milliseconds. */
        public long rowMs;
        /** Rows kept. */
        public int rows;

        /** For binding. */
        public HistoryRollUp() {
        }

        /** A level of {@code rows} rows of {@code rowMs} each. */
        public HistoryRollUp(final long rowMs, final int rows) {
            this.rowMs = rowMs;
            this.rows = rows;
        }
    }

    /** The store's settings. */
    public static final class Storage {
        /** {@code async} (survives a process crash), {@code group} or {@code sync} (also a machine crash). */
        public String durability = "async";
        /** Length of new segment files. */
        public long segmentLengthBytes = 64L << 20;
        /**
         * Writer-core pinning (Linux): CPUs the ingest threads move onto when they open their store writers, one
         * each, round robin; the store's own threads stay on the other CPUs. Empty (the default): nothing pinned.
         */
        public List<Integer> writerCpus = new ArrayList<>();
        /**
         * The store's fields, fixed when the store is created: empty (the default) stores each line-protocol field
         * as its own one-value series ({@code measurement,tags field}); names store each line as one record with a
         * value per field (series {@code measurement,tags}), and every line must carry exactly these fields.
         */
        public List<String> fields = new ArrayList<>();
    }

    /** The admin API's settings. */
    public static final class Admin {
        /** The bearer token; empty: a random one is generated at each start and printed once. */
        public String token = "";
    }

    /** Alert settings. */
    public static final class Alerts {
        /** An URL that receives each alert as a JSON POST; empty: none. */
        public String webhookUrl = "";
        /** Forecast accuracy drift: alert when the recent mean absolute scaled error exceeds this. */
        public double forecastDriftMase = 2.0;
    }

    /** The defaults. */
    public static DaemonConfig defaults() {
        return new DaemonConfig();
    }

    /**
     * Reads a YAML file over the defaults.
     *
     * @throws IllegalArgumentException when the file cannot be read or parsed, names an unknown key, or a value is
     *                                  out of range; the message names the file and the key.
     */
    public static DaemonConfig load(final Path file) {
        final ObjectMapper mapper = mapper();
        final DaemonConfig config;
        try {
            final byte[] bytes = Files.readAllBytes(file);
            final DaemonConfig read = bytes.length == 0 ? null : mapper.readValue(bytes, DaemonConfig.class);
            config = read == null ? defaults() : read;
        } catch (final UnrecognizedPropertyException e) {
            throw new IllegalArgumentException("unknown configuration key [file=" + file + ", line="
                + e.getLocation().getLineNr() + ", key=" + keyOf(e.getPath()) + ", known="
                + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList() + "]", e);
        } catch (final JsonMappingException e) {
            throw new IllegalArgumentException("cannot read configuration [file=" + file + ", line="
                + e.getLocation().getLineNr() + ", key=" + keyOf(e.getPath()) + ", error="
                + e.getOriginalMessage().lines().findFirst().orElse("") + "]", e);
        } catch (final JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read configuration [file=" + file + ", line="
                + e.getLocation().getLineNr() + ", error=" + e.getOriginalMessage().lines().findFirst().orElse("")
                + "]", e);
        } catch (final IOException e) {
            throw new IllegalArgumentException("cannot read configuration [file=" + file + ", error=" + e + "]", e);
        }
        return config;
    }

    /** The key as the file spells it ({@code engine.historyRollUps[1].rowMs}), from a mapping error's path. */
    private static String keyOf(final List<JsonMappingException.Reference> path) {
        final StringBuilder key = new StringBuilder();
        for (final JsonMappingException.Reference step : path) {
            if (step.getFieldName() != null) {
                key.append(key.isEmpty() ? "" : ".").append(step.getFieldName());
            } else if (step.getIndex() >= 0) {
                key.append('[').append(step.getIndex()).append(']');
            }
        }
        return key.isEmpty() ? "(top level)" : key.toString();
    }

    /** The configuration as YAML (what {@code --print-config} shows). */
    public String toYaml() {
        try {
            return mapper().writeValueAsString(this);
        } catch (final IOException e) {
            throw new IllegalStateException("cannot print configuration", e);
        }
    }

    /**
     * Checks every value.
     *
     * @throws IllegalArgumentException naming the first bad key and its value.
     */
    public DaemonConfig validate() {
        require(dataDir != null && !dataDir.isBlank(), "dataDir", dataDir);
        require(!Files.exists(Path.of(dataDir)) || Files.isDirectory(Path.of(dataDir)),
            "dataDir (a directory, or a path to create one at; this is a file)", dataDir);
        require(server.bindAddress != null && !server.bindAddress.isBlank(), "server.bindAddress",
            server.bindAddress);
        require(server.port >= 0 && server.port <= 65_535, "server.port", server.port);
        require(server.ioThreads >= 1, "server.ioThreads", server.ioThreads);
        require(server.ingestThreads >= 1, "server.ingestThreads", server.ingestThreads);
        require(server.queryThreads >= 1, "server.queryThreads", server.queryThreads);
        require(server.ingestQueueLength >= 1, "server.ingestQueueLength", server.ingestQueueLength);
        require(server.maxBodyBytes >= 1024 && server.maxBodyBytes <= Integer.MAX_VALUE - 8, "server.maxBodyBytes",
            server.maxBodyBytes);
        require(server.bodyTimeoutMs >= 1, "server.bodyTimeoutMs", server.bodyTimeoutMs);
        require(server.idleTimeoutMs >= 1, "server.idleTimeoutMs", server.idleTimeoutMs);
        require(server.maxQueryPoints >= 1, "server.maxQueryPoints", server.maxQueryPoints);
        require(engine.tickMs >= 1, "engine.tickMs", engine.tickMs);
        require(engine.profilerFoldWordsPerCycle >= 1, "engine.profilerFoldWordsPerCycle",
            engine.profilerFoldWordsPerCycle);
        require(engine.profilerBucketFoldMs >= 0 && engine.profilerBucketFoldMs / Math.max(1, engine.tickMs)
            <= Integer.MAX_VALUE, "engine.profilerBucketFoldMs", engine.profilerBucketFoldMs);
        require(forecasterName() != null, "engine.forecaster (naive, snaive, ensemble, lstm)", engine.forecaster);
        require(engine.seasonTicks >= 1, "engine.seasonTicks", engine.seasonTicks);
        require(engine.horizonTicks >= 1, "engine.horizonTicks", engine.horizonTicks);
        require(engine.maxHorizonTicks >= 1, "engine.maxHorizonTicks", engine.maxHorizonTicks);
        require(engine.rollUpHorizonMs >= 1, "engine.rollUpHorizonMs", engine.rollUpHorizonMs);
        require(engine.historyRollUps != null
                && engine.historyRollUps.size() < LoadHistoryDescriptor.MAX_LEVELS,
            "engine.historyRollUps (at most " + (LoadHistoryDescriptor.MAX_LEVELS - 1) + ")",
            engine.historyRollUps == null ? null : engine.historyRollUps.size());
        long previousRowMs = engine.tickMs;
        for (int i = 0; i < engine.historyRollUps.size(); i++) {
            final HistoryRollUp level = engine.historyRollUps.get(i);
            final String key = "engine.historyRollUps[" + i + "]";
            require(level != null, key, null);
            require(level.rowMs > previousRowMs && level.rowMs % previousRowMs == 0
                    && level.rowMs / engine.tickMs <= Integer.MAX_VALUE,
                key + ".rowMs (a whole multiple of tickMs and of the previous level's rowMs, larger)", level.rowMs);
            require(level.rows >= 1, key + ".rows", level.rows);
            previousRowMs = level.rowMs;
        }
        if (isRollUpHorizon()) {
            require(engine.historyTicks > tickHorizonTicks(), "engine.historyTicks (> the steps the tick level serves, "
                + tickHorizonTicks() + ")", engine.historyTicks);
        } else {
            require(engine.historyTicks > Math.max(engine.horizonTicks, engine.maxHorizonTicks),
                "engine.historyTicks (> horizonTicks and maxHorizonTicks)", engine.historyTicks);
        }
        require(engine.slotCapacity >= 2, "engine.slotCapacity", engine.slotCapacity);
        require(engine.forecastTableMaxBytes >= 1, "engine.forecastTableMaxBytes", engine.forecastTableMaxBytes);
        final long tableBytes = forecastTableBytes();
        if (tableBytes > engine.forecastTableMaxBytes) {
            final int steps = forecastTableSteps();
            throw new IllegalArgumentException("forecast table does not fit engine.forecastTableMaxBytes [tableBytes="
                + tableBytes + ", forecastTableMaxBytes=" + engine.forecastTableMaxBytes + ", slotCapacity="
                + engine.slotCapacity + ", steps=" + steps + ", bytesPerSlot="
                + ForecastTableDescriptor.rowLength(steps) + ", horizonTicks=" + maxHorizon() + ", tickMs="
                + engine.tickMs + ", forecaster=" + engine.forecaster + ", rowSteps=" + isRollUpHorizon()
                + "]: shorten the horizon, lengthen the tick, lower engine.slotCapacity, or use the ensemble with a "
                + "roll-up (one step per row beyond the tick steps)");
        }
        require(engine.capacityPointsPerSecond > 0, "engine.capacityPointsPerSecond", engine.capacityPointsPerSecond);
        require(engine.splitThreshold > 0, "engine.splitThreshold", engine.splitThreshold);
        require(engine.mergeThreshold >= 0 && engine.mergeThreshold < engine.splitThreshold,
            "engine.mergeThreshold (0 <= merge < split)", engine.mergeThreshold);
        require(engine.mergeWindowTicks >= 1, "engine.mergeWindowTicks", engine.mergeWindowTicks);
        require(engine.cooldownTicks >= 0, "engine.cooldownTicks", engine.cooldownTicks);
        require(engine.maxPartitions >= 1 && engine.maxPartitions <= engine.slotCapacity / 2,
            "engine.maxPartitions (1 .. slotCapacity / 2)", engine.maxPartitions);
        require(engine.minSplitImprovement > 0.5 && engine.minSplitImprovement <= 1, "engine.minSplitImprovement",
            engine.minSplitImprovement);
        require(engine.splitLookaheadTicks >= 0, "engine.splitLookaheadTicks (0 = whole horizon)",
            engine.splitLookaheadTicks);
        require(engine.decisionDelayTicks >= 0, "engine.decisionDelayTicks", engine.decisionDelayTicks);
        require(engine.thrashWindowTicks >= 0, "engine.thrashWindowTicks", engine.thrashWindowTicks);
        require(durabilityName() != null, "storage.durability (async, group, sync)", storage.durability);
        require(storage.segmentLengthBytes >= 4096, "storage.segmentLengthBytes", storage.segmentLengthBytes);
        require(storage.writerCpus != null && storage.writerCpus.stream().allMatch(cpu -> cpu != null && cpu >= 0),
            "storage.writerCpus (CPU numbers)", storage.writerCpus);
        require(storage.fields != null, "storage.fields", storage.fields);
        if (!storage.fields.isEmpty()) {
            try {
                FieldSchema.of(storage.fields.toArray(String[]::new));
            } catch (final IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("invalid configuration value [key=storage.fields, value="
                    + storage.fields + ", error=" + e.getMessage() + "]", e);
            }
        }
        require(admin.token != null, "admin.token", admin.token);
        require(alerts.webhookUrl != null && (alerts.webhookUrl.isEmpty() || isHttpUrl(alerts.webhookUrl)),
            "alerts.webhookUrl (empty, or an http(s) URL with a host)", alerts.webhookUrl);
        require(alerts.forecastDriftMase > 0, "alerts.forecastDriftMase", alerts.forecastDriftMase);
        return this;
    }

    /** Whether {@code text} is an http or https URL with a host (where alerts can be posted). */
    private static boolean isHttpUrl(final String text) {
        try {
            final URI uri = new URI(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (final URISyntaxException e) {
            return false;
        }
    }

    /** Ticks from one fold of a partition's bucket counts to the next (after {@link #validate()}): at least 1. */
    public int bucketFoldTicks() {
        return (int) Math.max(1, engine.profilerBucketFoldMs / engine.tickMs);
    }

    /** The load history's roll-up levels in ticks (after {@link #validate()}). */
    public List<LoadHistory.Level> historyRollUpLevels() {
        final List<LoadHistory.Level> levels = new ArrayList<>();
        for (final HistoryRollUp level : engine.historyRollUps) {
            levels.add(new LoadHistory.Level((int) (level.rowMs / engine.tickMs), level.rows));
        }
        return levels;
    }

    /**
     * Whether the forecaster serves the long steps of the horizon from a roll-up level: the {@code ensemble}, when
     * the longest horizon ({@code max(horizonTicks, maxHorizonTicks)} ticks) is longer than
     * {@code engine.rollUpHorizonMs} and a roll-up level's row fits at least twice in it ({@link #rollUpLevel()});
     * otherwise the tick level serves the whole horizon (hourly ticks, for instance, are already rows).
     * <p>
     * Why: a tick-level ensemble needs its season in ticks and several seasons of tick history; a day ahead at 10 s
     * ticks is a season of 8,640 ticks, which ETS and ARIMA cannot fit (at 1-minute ticks one ETS fit at m = 1,440
     * took 15–23 s) and which would need weeks of tick history per partition, while hourly rows make a day 24 steps
     * (docs/RESULTS.md, "Long horizons from the hourly roll-up"). Other forecasters stay at tick level (the LSTM is
     * trained at one tick; seasonal naive on rows was measured worse a day ahead than at tick level).
     */
    public boolean isRollUpHorizon() {
        return "ensemble".equals(forecasterName())
            && (double) maxHorizon() * engine.tickMs > engine.rollUpHorizonMs && rollUpLevel() > 0;
    }

    /**
     * The steps of the engine's forecast table ({@link io.presplit.forecast.StepSchedule}, the same as
     * {@code Forecaster.schedule} gives): with a roll-up horizon ({@link #isRollUpHorizon()}), the tick steps
     * ({@link #tickHorizonTicks()}) then one step per row of {@link #rollUpLevel()}; otherwise one per tick.
     */
    public int forecastTableSteps() {
        final int horizon = maxHorizon();
        if (!isRollUpHorizon() || tickHorizonTicks() >= horizon) {
            return horizon;
        }
        return StepSchedule.ticks(tickHorizonTicks())
            .thenRows(historyRollUpLevels().get(rollUpLevel() - 1).ticksPerRow(), horizon).stepCapacity();
    }

    /** The forecast table's bytes: slot capacity times one slot's row ({@link ForecastTableDescriptor}). */
    public long forecastTableBytes() {
        return engine.slotCapacity * ForecastTableDescriptor.rowLength(forecastTableSteps());
    }

    /** The longest horizon the engine forecasts, in ticks. */
    public int maxHorizon() {
        return Math.max(engine.horizonTicks, engine.maxHorizonTicks);
    }

    /**
     * The history level (1-based among the levels, the tick level being 0) the long steps come from: the coarsest
     * roll-up whose row fits at least twice in the longest horizon; 0 when none does.
     */
    public int rollUpLevel() {
        final List<LoadHistory.Level> levels = historyRollUpLevels();
        for (int i = levels.size() - 1; i >= 0; i--) {
            if (2L * levels.get(i).ticksPerRow() <= maxHorizon()) {
                return i + 1;
            }
        }
        return 0;
    }

    /**
     * Steps the tick level serves in front of the roll-up: a quarter of a row (at least one). On NASA's 5-minute
     * ticks with hourly rows, three tick steps then rows matched or beat twelve tick steps at every lead
     * (docs/RESULTS.md): beyond a few steps the tick models, which keep no daily season, lose to the rows'.
     */
    public int tickHorizonTicks() {
        final int level = rollUpLevel();
        return level == 0 ? maxHorizon()
            : Math.max(1, Math.min(maxHorizon(), historyRollUpLevels().get(level - 1).ticksPerRow() / 4));
    }

    /**
     * The season of the roll-up level's models in rows: the rows in a day when a row divides a day into 2 to 48
     * rows (hourly rows: 24), else 1 (no season).
     */
    public int rollUpSeasonRows() {
        final int level = rollUpLevel();
        if (level == 0) {
            return 1;
        }
        final long rowMs = engine.historyRollUps.get(level - 1).rowMs;
        final long dayMs = 86_400_000L;
        return dayMs % rowMs == 0 && dayMs / rowMs >= 2 && dayMs / rowMs <= 48 ? (int) (dayMs / rowMs) : 1;
    }

    /** The forecaster's canonical name, or {@code null} when unknown. */
    public String forecasterName() {
        final String name = engine.forecaster == null ? "" : engine.forecaster.toLowerCase(Locale.ROOT);
        return switch (name) {
            case "naive", "snaive", "ensemble", "lstm" -> name;
            default -> null;
        };
    }

    /** The durability's canonical name, or {@code null} when unknown. */
    public String durabilityName() {
        final String name = storage.durability == null ? "" : storage.durability.toLowerCase(Locale.ROOT);
        return switch (name) {
            case "async", "group", "sync" -> name;
            default -> null;
        };
    }

    private static void require(final boolean isValid, final String key, final Object value) {
        if (!isValid) {
            throw new IllegalArgumentException("invalid configuration value [key=" + key + ", value=" + value + "]");
        }
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .setPropertyNamingStrategy(PropertyNamingStrategies.LOWER_CAMEL_CASE);
    }
}
