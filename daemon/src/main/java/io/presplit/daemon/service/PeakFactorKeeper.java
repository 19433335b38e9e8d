package io.presplit.daemon.service;

import io.presplit.PresplitException;
import io.presplit.daemon.Engine;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.PeakFactorFile;
import io.presplit.forecast.RollUpForecaster;
import io.presplit.monitor.CounterId;
import org.agrona.concurrent.status.AtomicCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Keeps a {@link RollUpForecaster}'s learnt peak and horizon factors in {@link PeakFactorFile#FILE_NAME} in the data
 * directory across restarts: read once at start, written after each tick in which a factor learnt something (so at
 * most once a row: hourly rows, hourly writes of 16 B per slot) and at close. A daemon whose forecaster is not a
 * roll-up has nothing to keep: every call is a no-op.
 * <p>
 * Why on the tick: a crash loses at most the last row's learning. Writing 16 MB at a million slots takes tens of
 * milliseconds on the control thread once an hour; the file is replaced atomically.
 * <p>
 * Threading: {@link #onTick()} on the control thread (the forecaster's); {@link #close()} after the control loop
 * stopped. A failed write is logged and counted ({@link #writeFailures()}, the engine counter
 * {@link CounterId#PEAK_FACTOR_WRITE_FAILURES}), and retried at the next learnt row: the daemon goes on with the
 * factors in memory.
 */
public final class PeakFactorKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeakFactorKeeper.class);

    private final RollUpForecaster forecaster;
    private final Path file;
    private long writtenUpdates;
    /** The engine's counter: the control thread increments it, any thread (and process) reads it. */
    private final AtomicCounter writeFailures;

    private PeakFactorKeeper(final RollUpForecaster forecaster, final Path file, final AtomicCounter writeFailures) {
        this.forecaster = forecaster;
        this.file = file;
        this.writeFailures = writeFailures;
        this.writtenUpdates = forecaster == null ? 0 : forecaster.factorUpdates();
    }

    /**
     * Reads the factors the engine's forecaster learnt before the restart, if it is a roll-up and the file exists.
     * Control thread, before the control loop starts.
     *
     * @throws PresplitException {@link PeakFactorFile#INVALID} for a corrupt file or one of another configuration
     *                           (the message names the file; deleting it starts the factors afresh).
     */
    public static PeakFactorKeeper open(final Engine engine) {
        final Forecaster forecaster = engine.forecaster();
        final AtomicCounter writeFailures = engine.counters().counter(CounterId.PEAK_FACTOR_WRITE_FAILURES);
        if (!(forecaster instanceof RollUpForecaster rollUp)) {
            return new PeakFactorKeeper(null, null, writeFailures);
        }
        final Path file = engine.config().dataDir().resolve(PeakFactorFile.FILE_NAME);
        final boolean isRestored = PeakFactorFile.read(file, rollUp);
        LOG.info("peak factors {} [file={}]", isRestored ? "restored" : "start unlearnt (no file)", file);
        return new PeakFactorKeeper(rollUp, file, writeFailures);
    }

    /** Writes the factors if they learnt since the last write. Control thread, between ticks. */
    public void onTick() {
        if (forecaster != null && forecaster.factorUpdates() != writtenUpdates) {
            write();
        }
    }

    /** Write failures since start. */
    public long writeFailures() {
        return writeFailures.get();
    }

    /** Writes the factors a last time. Safe to call twice. */
    @Override
    public void close() {
        if (forecaster != null && forecaster.factorUpdates() != writtenUpdates) {
            write();
        }
    }

    private void write() {
        final long updates = forecaster.factorUpdates();
        try {
            PeakFactorFile.write(file, forecaster);
            writtenUpdates = updates;
        } catch (final PresplitException ex) {
            final long failures = writeFailures.incrementOrdered() + 1;
            LOG.warn("peak factors not written, kept in memory and retried at the next row [file={}, failures={}]",
                file, failures, ex);
        }
    }
}
