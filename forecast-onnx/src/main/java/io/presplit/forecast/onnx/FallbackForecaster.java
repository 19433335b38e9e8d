package io.presplit.forecast.onnx;

import io.presplit.PresplitException;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A learned model that may fail, with a native model behind it: when the model cannot be loaded (a missing,
 * corrupt or mismatched model file) or fails at run time (an ONNX Runtime error, or any other exception of the
 * model), the fallback forecasts instead, so the table is always complete and the service keeps running.
 * <p>
 * Rules:
 * <ul>
 *   <li><b>Load failure</b> ({@link #open}): the model is never served; every tick is forecast by the fallback.</li>
 *   <li><b>Run failure</b>: that tick is forecast again, for every listed slot, by the fallback. The model is tried
 *       again next tick; after {@value #MAX_CONSECUTIVE_FAILURES} failed ticks in a row it is closed and dropped for
 *       good (a model that fails every tick would only add latency).</li>
 *   <li><b>Visible</b>: each failure code (for instance {@code MODEL_FILE_CORRUPT}, {@code INFERENCE_FAILED}) is
 *       logged once at WARN with its message, with later repeats counted, not logged; {@link #modelFallbacks()}
 *       counts the ticks the fallback served (the value of {@code CounterId.MODEL_FALLBACKS}, whose rate is
 *       the alert); {@link #isServingModel()} and {@link #lastFailure()} are for the status view.</li>
 * </ul>
 * {@link Error}s are not caught. Threading: control thread only, like any {@link Forecaster}. Allocation: none on
 * a tick where the model succeeds beyond the model's own; a failure allocates (logging, cold path).
 */
public final class FallbackForecaster implements Forecaster {
    /** Failed ticks in a row after which the model is dropped. */
    public static final int MAX_CONSECUTIVE_FAILURES = 3;

    private static final Logger LOG = LoggerFactory.getLogger(FallbackForecaster.class);

    private final String name;
    private final Forecaster fallback;
    private final Set<String> loggedCodes = new HashSet<>();
    private Forecaster model;
    private int consecutiveFailures;
    private long modelFallbacks;
    private long failures;
    private String lastFailure;
    private boolean isClosed;

    private FallbackForecaster(final String name, final Forecaster model, final Forecaster fallback) {
        this.name = name;
        this.model = model;
        this.fallback = fallback;
    }

    /**
     * Opens the model with {@code opener}; if that throws, serves {@code fallback} alone (logged and counted).
     *
     * @param name     the forecaster's name (for instance {@code lstm}), kept whichever model serves.
     * @param opener   opens the model, for instance {@code () -> LstmForecaster.openModelFile(file)}.
     * @param fallback the native forecaster that stands in (for instance seasonal naive or the ensemble); this
     *                 forecaster closes it.
     */
    public static FallbackForecaster open(
        final String name, final Supplier<? extends Forecaster> opener, final Forecaster fallback) {
        if (name == null || opener == null || fallback == null) {
            throw new IllegalArgumentException("invalid fallback forecaster [name=" + name + ", opener=" + opener
                + ", fallback=" + fallback + "]");
        }
        final FallbackForecaster forecaster = new FallbackForecaster(name, null, fallback);
        try {
            forecaster.model = opener.get();
        } catch (final RuntimeException ex) {
            forecaster.recordFailure("load", ex);
        }
        return forecaster;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void forecast(
        final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        if (isClosed) {
            throw new IllegalStateException("forecaster is closed [name=" + name + "]");
        }
        // A table of the wrong shape is the caller's misuse, not a model failure to count and fall back from.
        table.requireTickSteps(name);
        final Forecaster m = model;
        if (m != null) {
            try {
                m.forecast(history, resource, slots, count, table);
                consecutiveFailures = 0;
                return;
            } catch (final RuntimeException ex) {
                recordFailure("run", ex);
                if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
                    dropModel();
                }
            }
        }
        modelFallbacks++;
        fallback.forecast(history, resource, slots, count, table);
    }

    /** Ticks forecast by the fallback. */
    @Override
    public long modelFallbacks() {
        return modelFallbacks;
    }

    /** Load and run failures of the model so far. */
    public long failures() {
        return failures;
    }

    /** Whether the model (not the fallback) will be tried on the next tick. */
    public boolean isServingModel() {
        return model != null;
    }

    /** The last failure as {@code phase: code: message}, or {@code null} if the model never failed. */
    public String lastFailure() {
        return lastFailure;
    }

    /** The model, or {@code null} once it failed to load or was dropped. */
    public Forecaster model() {
        return model;
    }

    /** The fallback. */
    public Forecaster fallback() {
        return fallback;
    }

    @Override
    public void onNewPartition(final int slot) {
        if (model != null) {
            model.onNewPartition(slot);
        }
        fallback.onNewPartition(slot);
    }

    @Override
    public void onSplitChild(final int parentSlot, final int childSlot, final double share) {
        if (model != null) {
            model.onSplitChild(parentSlot, childSlot, share);
        }
        fallback.onSplitChild(parentSlot, childSlot, share);
    }

    @Override
    public void onMergedPartition(final int lowerSlot, final int upperSlot, final int mergedSlot,
        final double lowerShare) {
        if (model != null) {
            model.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
        }
        fallback.onMergedPartition(lowerSlot, upperSlot, mergedSlot, lowerShare);
    }

    /** Closes the model (if any) and the fallback. Safe to call twice. */
    @Override
    public void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        try {
            if (model != null) {
                model.close();
                model = null;
            }
        } finally {
            fallback.close();
        }
    }

    @Override
    public String toString() {
        return "FallbackForecaster[name=" + name + ", servingModel=" + (model != null) + ", fallback="
            + fallback.name() + ", modelFallbacks=" + modelFallbacks + "]";
    }

    private void recordFailure(final String phase, final RuntimeException ex) {
        failures++;
        final String code = ex instanceof PresplitException p ? p.code() : ex.getClass().getSimpleName();
        // a PresplitException's message starts with its code already
        lastFailure = phase + ": "
            + (ex instanceof PresplitException ? ex.getMessage() : code + ": " + ex.getMessage());
        if (loggedCodes.add(phase + ':' + code)) {
            LOG.warn("model failed, native fallback serves [forecaster={}, phase={}, code={}, fallback={}, "
                + "reason={}]", name, phase, code, fallback.name(), ex.getMessage(), ex);
        }
    }

    private void dropModel() {
        final Forecaster m = model;
        model = null;
        LOG.warn("model dropped after {} failed ticks in a row, native fallback serves from now on [forecaster={}, "
            + "fallback={}]", MAX_CONSECUTIVE_FAILURES, name, fallback.name());
        try {
            m.close();
        } catch (final RuntimeException ex) {
            recordFailure("close", ex);
        }
    }
}
