package io.presplit.forecast.onnx.prophet;

import io.presplit.PresplitException;
import io.presplit.forecast.ForecastTable;
import io.presplit.forecast.Forecaster;
import io.presplit.forecast.IntervalCalibrator;
import io.presplit.profile.LoadHistory;
import io.presplit.profile.Resource;

import java.util.Arrays;

/**
 * Forecasts every partition with its own Prophet-style model (fitted here by {@link ProphetFitter}, or imported and
 * {@link #pin pinned}), all served by ONE batched ONNX Runtime call per tick ({@link ProphetBatch}).
 * <p>
 * Per tick ({@link #forecast}):
 * <ol>
 *   <li>the {@link IntervalCalibrator}, if any, learns each listed slot's newest load against what was predicted
 *       for it;</li>
 *   <li>each fitted slot is given a batch row, in list order; its packed parameters are copied into the row only
 *       if the row held another slot or an older fit (a steady tick copies none);</li>
 *   <li>the H times of the coming ticks ({@code origin + (tickCount + h) tickSeconds}, shared by every row) are
 *       written and the graph runs once for all rows;</li>
 *   <li>the table gets {@code max(0, yhat)} (load is never negative); a slot without a fit gets the seasonal
 *       naive forecast of one day ({@code round(86400 / tickSeconds)} ticks), or its last value while its history
 *       is shorter than a day, counted in {@link #fallbackForecasts()};</li>
 *   <li>the calibrator writes p50 and p90 from the recent residuals of each slot and step;</li>
 *   <li>refits: a cursor walks the listed slots and refits those due (never fitted, or fitted {@code refitTicks}
 *       ago, with at least {@code minFitTicks} of history) from their last {@code fitWindow} ticks, starting fits
 *       while less than {@code refitBudgetNs} has been spent on refits in this tick (a fit is not interrupted, so
 *       a tick overruns the budget by at most one fit, and a positive budget fits at least one slot per tick); the
 *       rest wait for later ticks. A refit writes the slot's
 *       packed parameters off the hot path: the next tick's step 2 picks them up.</li>
 * </ol>
 * Time axis: tick index {@code i} (0-based, as {@link LoadHistory#tickCount()} counts) is at epoch second
 * {@code originEpochSeconds + i * tickSeconds}; a slot's history ends at the latest completed tick. Seasonal phases
 * are absolute (days since 1970), as in Prophet, so the origin must be the true wall-clock time of tick 0 for an
 * imported model; fitted models only need it to be consistent.
 * <p>
 * The table's horizon in use must not exceed {@code maxHorizon}: steps beyond it are not written (as in core's
 * ensemble).
 * <p>
 * Memory per slot: {@code 6 + 2S + F} doubles of parameters (70 for the default layout), a few counters, plus the
 * calibrator's. Threading: control thread only. Allocation: steady state allocates only ONNX Runtime's result
 * bookkeeping (a fixed amount per call, independent of the partition count); the batch buffers grow when more
 * slots are fitted than ever before; refits allocate nothing once the fitter is warm.
 */
public final class ProphetForecaster implements Forecaster {
    private static final long NEVER = Long.MIN_VALUE;
    private static final long LONG_AGO = Long.MIN_VALUE / 2;

    private final ProphetFitter fitter;
    private final ProphetBatch batch;
    private final IntervalCalibrator calibrator;
    private final int maxHorizon;
    private final double tickSeconds;
    private final double originEpochSeconds;
    private final int fitWindow;
    private final int minFitTicks;
    private final int refitTicks;
    private final long refitBudgetNs;
    private final int seasonTicks;
    private final int packedLength;
    private final int graphChangepoints;

    private final double[] parameters;
    private final long[] version;
    private final long[] fittedAt;
    private final boolean[] isFitted;
    private final boolean[] isPinned;
    private final long[] seenTick;
    private final double[] series;
    private final double[] times;

    private int[] rowSlot = new int[0];
    private long[] rowVersion = new long[0];
    private int cursor;
    private long refits;
    private long fitFailures;
    private long fallbackForecasts;
    private long inferenceFailures;
    private long parameterCopies;
    private boolean isClosed;

    /**
     * @param slotCapacity       number of partition slots.
     * @param maxHorizon         longest horizon, in ticks.
     * @param tickSeconds        seconds per tick.
     * @param originEpochSeconds epoch second of tick index 0.
     * @param fitter             fits the models; its seasonalities and changepoints fix the graph layout; its
     *                           {@code maxLength} bounds the fit window.
     * @param fitWindow          ticks of history a refit uses (at most the fitter's maxLength).
     * @param minFitTicks        history a slot needs before its first fit (at least {@link ProphetFitter#MIN_LENGTH}).
     * @param refitTicks         ticks between refits of a slot.
     * @param refitBudgetNs      time a tick may spend refitting.
     * @param calibrator         interval calibrator for the same slots and horizon, or {@code null} (p50 = p90 =
     *                           mean).
     */
    public ProphetForecaster(final int slotCapacity, final int maxHorizon, final double tickSeconds,
        final double originEpochSeconds, final ProphetFitter fitter, final int fitWindow, final int minFitTicks,
        final int refitTicks, final long refitBudgetNs, final IntervalCalibrator calibrator) {
        if (slotCapacity < 1 || maxHorizon < 1 || !(tickSeconds > 0) || !Double.isFinite(originEpochSeconds)
            || fitter == null || fitWindow < ProphetFitter.MIN_LENGTH || fitWindow > fitter.maxLength()
            || minFitTicks < ProphetFitter.MIN_LENGTH || minFitTicks > fitWindow || refitTicks < 1
            || refitBudgetNs < 0) {
            throw new IllegalArgumentException("invalid Prophet forecaster [slotCapacity=" + slotCapacity
                + ", maxHorizon=" + maxHorizon + ", tickSeconds=" + tickSeconds + ", originEpochSeconds="
                + originEpochSeconds + ", fitWindow=" + fitWindow + ", minFitTicks=" + minFitTicks + ", refitTicks="
                + refitTicks + ", refitBudgetNs=" + refitBudgetNs + "]");
        }
        this.fitter = fitter;
        this.graphChangepoints = Math.max(1, fitter.maxChangepoints());
        this.batch = new ProphetBatch(new ProphetGraph(fitter.seasonalities(), graphChangepoints));
        this.calibrator = calibrator;
        this.maxHorizon = maxHorizon;
        this.tickSeconds = tickSeconds;
        this.originEpochSeconds = originEpochSeconds;
        this.fitWindow = fitWindow;
        this.minFitTicks = minFitTicks;
        this.refitTicks = refitTicks;
        this.refitBudgetNs = refitBudgetNs;
        this.seasonTicks = Math.max(1, (int) Math.round(ProphetModel.SECONDS_PER_DAY / tickSeconds));
        this.packedLength = batch.packedLength();
        this.parameters = new double[Math.multiplyExact(slotCapacity, packedLength)];
        this.version = new long[slotCapacity];
        this.fittedAt = new long[slotCapacity];
        Arrays.fill(fittedAt, LONG_AGO);
        this.isFitted = new boolean[slotCapacity];
        this.isPinned = new boolean[slotCapacity];
        this.seenTick = new long[slotCapacity];
        Arrays.fill(seenTick, NEVER);
        this.series = new double[fitWindow];
        this.times = new double[fitWindow];
    }

    /**
     * Defaults for hourly-or-finer ticks: Prophet's default layout (weekly order 3, daily order 4, 25
     * changepoints), a fit window of fifteen days (at least 64 ticks: the weekly seasonality needs a span of 14 days
     * to take part, as in Prophet), first fit after two days, refit once a day, 20 ms of refits per tick (a fit of
     * 360 hourly values takes about 14 ms).
     */
    public static ProphetForecaster defaults(final int slotCapacity, final int maxHorizon, final double tickSeconds,
        final double originEpochSeconds, final IntervalCalibrator calibrator) {
        final int day = Math.max(1, (int) Math.round(ProphetModel.SECONDS_PER_DAY / tickSeconds));
        final int window = Math.max(64, 15 * day);
        return new ProphetForecaster(slotCapacity, maxHorizon, tickSeconds, originEpochSeconds,
            ProphetFitter.defaults(window), window, Math.min(window, Math.max(ProphetFitter.MIN_LENGTH, 2 * day)),
            day, 20_000_000L, calibrator);
    }

    /** {@code prophet}. */
    @Override
    public String name() {
        return "prophet";
    }

    /**
     * Serves {@code slot} with {@code model} from now on and never refits it (an imported Prophet model). The model
     * must fit the layout (same seasonalities, at most S changepoints). Cold path.
     */
    public void pin(final int slot, final ProphetModel model) {
        batch.pack(model, parameters, slot * packedLength);
        isPinned[slot] = true;
        isFitted[slot] = true;
        version[slot]++;
    }

    @Override
    public void forecast(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final ForecastTable table) {
        if (isClosed) {
            throw new IllegalStateException("forecaster is closed [name=prophet]");
        }
        table.requireTickSteps("prophet");
        final long tick = history.tickCount();
        final int horizon = Math.min(table.horizon(), maxHorizon);

        // 1-2: learn the newest loads; give each fitted slot a row, copying parameters only when the row changed
        ensureRows(count, horizon);
        int rows = 0;
        for (int i = 0; i < count; i++) {
            final int slot = slots[i];
            if (calibrator != null && seenTick[slot] != tick && tick > 0) {
                calibrator.observe(slot, tick - 1, history.value(resource, slot, 0));
            }
            seenTick[slot] = tick;
            if (isFitted[slot]) {
                if (rowSlot[rows] != slot || rowVersion[rows] != version[slot]) {
                    batch.setRow(rows, parameters, slot * packedLength);
                    rowSlot[rows] = slot;
                    rowVersion[rows] = version[slot];
                    parameterCopies++;
                }
                rows++;
            } else {
                fallback(history, resource, slot, horizon, table);
            }
        }

        // 3-4: one call for every fitted slot
        if (rows > 0) {
            for (int h = 0; h < horizon; h++) {
                batch.time(h, originEpochSeconds + (tick + h) * tickSeconds);
            }
            try {
                batch.run(rows, horizon);
            } catch (final PresplitException ex) {
                inferenceFailures++;
                for (int r = 0; r < rows; r++) {
                    fallback(history, resource, rowSlot[r], horizon, table);
                }
                calibrateAll(slots, count, tick, table);
                throw ex;
            }
            for (int r = 0; r < rows; r++) {
                final int slot = rowSlot[r];
                for (int h = 0; h < horizon; h++) {
                    table.mean(slot, h, Math.max(0.0, batch.yhat(r, h)));
                }
            }
        }
        // 5: intervals
        calibrateAll(slots, count, tick, table);
        // 6: refits under the budget, measured from here: the forecast itself never starves them
        refit(history, resource, slots, count, tick, System.nanoTime());
    }

    /** A new partition in {@code slot}: forget its fit and calibration; the next refit fits the seeded history. */
    @Override
    public void onNewPartition(final int slot) {
        isFitted[slot] = false;
        isPinned[slot] = false;
        fittedAt[slot] = LONG_AGO;
        seenTick[slot] = NEVER;
        version[slot]++;
        if (calibrator != null) {
            calibrator.clear(slot);
        }
    }

    /** Whether {@code slot} has a model (fitted or pinned). */
    public boolean isFitted(final int slot) {
        return isFitted[slot];
    }

    /** Refits done so far (successful or not). */
    public long refits() {
        return refits;
    }

    /** Refits that found no finite model (the slot keeps its previous model, or the fallback). */
    public long fitFailures() {
        return fitFailures;
    }

    /** Slot forecasts written by the seasonal-naive fallback (no model yet, or inference failed). */
    public long fallbackForecasts() {
        return fallbackForecasts;
    }

    /** ONNX Runtime calls that failed. */
    public long inferenceFailures() {
        return inferenceFailures;
    }

    /** Parameter rows copied into the batch (a refit, a pin, or a slot moving to another row). */
    public long parameterCopies() {
        return parameterCopies;
    }

    /** The model of {@code slot} now. Allocates; cold path (tests, admin views). */
    public ProphetModel model(final int slot) {
        if (!isFitted[slot]) {
            throw new IllegalStateException("slot has no model [slot=" + slot + "]");
        }
        final int base = slot * packedLength;
        final int s = graphChangepoints;
        final double[] delta = Arrays.copyOfRange(parameters, base + 6, base + 6 + s);
        final double[] changepoints = Arrays.copyOfRange(parameters, base + 6 + s, base + 6 + 2 * s);
        final double[] beta = Arrays.copyOfRange(parameters, base + 6 + 2 * s, base + packedLength);
        return new ProphetModel(parameters[base], parameters[base + 1], parameters[base + 2], parameters[base + 3],
            parameters[base + 4], parameters[base + 5], delta, changepoints, beta, 0, fitter.seasonalities());
    }

    /** Releases the ONNX Runtime session and tensors. Safe to call twice. */
    @Override
    public void close() {
        if (isClosed) {
            return;
        }
        isClosed = true;
        batch.close();
    }

    private void calibrateAll(final int[] slots, final int count, final long tick, final ForecastTable table) {
        if (calibrator == null) {
            return;
        }
        for (int i = 0; i < count; i++) {
            calibrator.calibrate(slots[i], tick, table);
        }
    }

    private void fallback(final LoadHistory history, final Resource resource, final int slot, final int horizon,
        final ForecastTable table) {
        fallbackForecasts++;
        final int m = history.length(slot) >= seasonTicks ? seasonTicks : 1;
        for (int h = 0; h < horizon; h++) {
            final int ahead = h + 1;
            final int seasonsBack = (ahead + m - 1) / m;
            table.mean(slot, h, Math.max(0.0, history.value(resource, slot, seasonsBack * m - ahead)));
        }
    }

    private void ensureRows(final int count, final int horizon) {
        batch.ensureCapacity(Math.max(1, count), horizon);
        if (rowSlot.length < batch.capacityRows()) {
            final int old = rowSlot.length;
            rowSlot = Arrays.copyOf(rowSlot, batch.capacityRows());
            rowVersion = Arrays.copyOf(rowVersion, batch.capacityRows());
            Arrays.fill(rowSlot, old, rowSlot.length, -1);
        }
    }

    private void refit(final LoadHistory history, final Resource resource, final int[] slots, final int count,
        final long tick, final long startNs) {
        for (int visited = 0; visited < count; visited++) {
            if (System.nanoTime() - startNs >= refitBudgetNs) {
                return;
            }
            if (cursor >= count) {
                cursor = 0;
            }
            final int slot = slots[cursor++];
            final int length = history.length(slot);
            if (isPinned[slot] || length < minFitTicks || tick - fittedAt[slot] < refitTicks) {
                continue;
            }
            final int n = Math.min(length, fitWindow);
            history.copySeries(resource, slot, n, series);
            // the slot's newest value is tick index tick - 1
            final double first = originEpochSeconds + (tick - n) * tickSeconds;
            refits++;
            fittedAt[slot] = tick;
            if (fitter.fit(first, tickSeconds, series, n, times)) {
                fitter.pack(parameters, slot * packedLength, graphChangepoints);
                isFitted[slot] = true;
                version[slot]++;
            } else {
                fitFailures++;
            }
        }
    }
}
