package io.presplit.forecast.onnx.prophet;

import ai.onnxruntime.OnnxTensor;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.presplit.PresplitException;
import io.presplit.forecast.onnx.OnnxModel;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Import of a model fitted by the real Prophet (R, {@code model_to_json} layout): the Java reference and the ONNX
 * graph must reproduce Prophet's own {@code predict()} output for the 168 hours after the training data.
 */
class ProphetImportTest {
    /** The bound for the ONNX graph. */
    private static final double ONNX_RELATIVE = 1e-6;
    /** The Java reference follows Prophet's arithmetic step by step: rounding only (the README says 1e-9). */
    private static final double JAVA_RELATIVE = 1e-9;

    private final ProphetModel model = ProphetFixture.model();
    private final ProphetFixture.Table forecast = ProphetFixture.table("forecast.csv");

    /** The parameters are read from the right fields (parsed twice where pandas wrote JSON in a string). */
    @Test
    void shouldReadParametersWhenGivenPythonModelToJsonLayout() {
        assertThat(model.k()).isEqualTo(-0.052504133332093944);
        assertThat(model.m()).isEqualTo(0.1105504501287642);
        assertThat(model.sigmaObs()).isEqualTo(0.057693073080257652);
        assertThat(model.start()).isEqualTo(1424988000.0);
        assertThat(model.tScale()).isEqualTo(4140000.0);
        assertThat(model.yScale()).isEqualTo(202.5);
        assertThat(model.changepointCount()).isEqualTo(25);
        assertThat(model.columns()).isEqualTo(14);
        assertThat(model.seasonalities()).containsExactly(
            Seasonality.additive("weekly", 7, 3, 10), Seasonality.additive("daily", 1, 4, 10));
    }

    /** Guards the recipe itself: scaled time, the {@code >=} at changepoints, absolute Fourier time, y scaling. */
    @Test
    void shouldReproduceProphetPredictWhenEvaluatedInJava() {
        final double[] times = forecast.times();
        final ProphetModel.Components out = new ProphetModel.Components(times.length, 2);
        model.predict(times, times.length, out);
        for (int row = 0; row < times.length; row++) {
            assertClose("trend", row, out.trend(row), forecast.column("trend")[row], JAVA_RELATIVE);
            assertClose("weekly", row, out.seasonal(0, row), forecast.column("weekly")[row], JAVA_RELATIVE);
            assertClose("daily", row, out.seasonal(1, row), forecast.column("daily")[row], JAVA_RELATIVE);
            assertClose("additive_terms", row, out.additiveTerms(row), forecast.column("additive_terms")[row],
                JAVA_RELATIVE);
            assertClose("yhat", row, out.yhat(row), forecast.column("yhat")[row], JAVA_RELATIVE);
            assertThat(out.multiplicativeTerms(row)).isZero();
        }
    }

    /** The served path: the batched graph, parameters as inputs, reproduces Prophet within 1e-6 relative. */
    @Test
    void shouldReproduceProphetPredictWhenServedByOnnxRuntime() {
        final double[] times = forecast.times();
        final int h = times.length;
        try (ProphetBatch batch = new ProphetBatch(ProphetGraph.of(model))) {
            batch.ensureCapacity(1, h);
            batch.setRow(0, model);
            for (int step = 0; step < h; step++) {
                batch.time(step, times[step]);
            }
            batch.run(1, h);
            for (int row = 0; row < h; row++) {
                assertClose("trend", row, batch.trend(0, row), forecast.column("trend")[row], ONNX_RELATIVE);
                assertClose("weekly", row, batch.seasonal(0, row, 0), forecast.column("weekly")[row], ONNX_RELATIVE);
                assertClose("daily", row, batch.seasonal(0, row, 1), forecast.column("daily")[row], ONNX_RELATIVE);
                assertClose("additive_terms", row, batch.additiveTerms(0, row), forecast.column("additive_terms")[row],
                    ONNX_RELATIVE);
                assertClose("multiplicative_terms", row, batch.multiplicativeTerms(0, row), 0, ONNX_RELATIVE);
                assertClose("yhat", row, batch.yhat(0, row), forecast.column("yhat")[row], ONNX_RELATIVE);
            }
        }
    }

    /**
     * One graph, one call, partitions with different parameters (growth, changepoints, seasonality weights, scales,
     * fewer changepoints padded): each row equals its own model's Java evaluation.
     */
    @Test
    void shouldServeDifferentParametersPerRowWhenBatched() {
        final ProphetModel[] models = {model, scaled(model, 3.0, 0.5), fewerChangepoints(model, 7)};
        final double[] times = forecast.times();
        final int h = times.length;
        try (ProphetBatch batch = new ProphetBatch(ProphetGraph.of(model))) {
            batch.ensureCapacity(models.length, h);
            for (int r = 0; r < models.length; r++) {
                batch.setRow(r, models[r]);
            }
            for (int step = 0; step < h; step++) {
                batch.time(step, times[step]);
            }
            batch.run(models.length, h);
            final ProphetModel.Components expected = new ProphetModel.Components(h, 2);
            for (int r = 0; r < models.length; r++) {
                models[r].predict(times, h, expected);
                for (int step = 0; step < h; step++) {
                    assertClose("trend[" + r + "]", step, batch.trend(r, step), expected.trend(step), ONNX_RELATIVE);
                    assertClose("weekly[" + r + "]", step, batch.seasonal(r, step, 0), expected.seasonal(0, step),
                        ONNX_RELATIVE);
                    assertClose("yhat[" + r + "]", step, batch.yhat(r, step), expected.yhat(step), ONNX_RELATIVE);
                }
            }
        }
    }

    /**
     * Times inside the history, across the changepoints: the graph's general hinge branch (a forecast takes the
     * branch for times past every changepoint). Both must equal the Java reference, or in-sample fits and
     * backtests would be served wrong while forecasts look right.
     */
    @Test
    void shouldEvaluateTrendAcrossChangepointsWhenTimesLieInHistory() {
        final double[] trainTimes = ProphetFixture.table("train.csv").times();
        final int h = 160;
        final double[] times = new double[h];
        for (int i = 0; i < h; i++) {
            times[i] = trainTimes[i * 7];
        }
        final ProphetModel.Components expected = new ProphetModel.Components(h, 2);
        model.predict(times, h, expected);
        try (ProphetBatch batch = new ProphetBatch(ProphetGraph.of(model))) {
            batch.ensureCapacity(2, h);
            batch.setRow(0, model);
            batch.setRow(1, model);
            for (int step = 0; step < h; step++) {
                batch.time(step, times[step]);
            }
            batch.run(2, h);
            for (int step = 0; step < h; step++) {
                assertClose("trend", step, batch.trend(1, step), expected.trend(step), 1e-9);
                assertClose("yhat", step, batch.yhat(1, step), expected.yhat(step), 1e-9);
            }
        }
    }

    /** The self-contained export (parameters as initializers) serves the same values and reads back the model. */
    @Test
    void shouldServeAndReadBackWhenExportedAsSingleGraph() throws Exception {
        final ProphetGraph graph = ProphetGraph.of(model);
        final byte[] onnx = graph.single(model);
        final ProphetModel back = ProphetGraph.readModel("single", onnx);
        assertThat(back.delta()).containsExactly(model.delta());
        assertThat(back.beta()).containsExactly(model.beta());
        assertThat(back.seasonalities()).isEqualTo(model.seasonalities());
        assertThat(back.sigmaObs()).isEqualTo(model.sigmaObs());

        final double[] times = forecast.times();
        final DoubleBuffer[] out = new DoubleBuffer[ProphetGraph.OUTPUTS.size()];
        try (OnnxModel session = OnnxModel.fromBytes("single", onnx, 1, ProphetGraph.singleInputs(),
            graph.singleOutputs());
             OnnxTensor time = OnnxTensor.createTensor(session.environment(), DoubleBuffer.wrap(times),
                 new long[] {1, times.length});
             OnnxTensor trend = pinned(session, out, 0, times.length, 1);
             OnnxTensor seasonal = pinned(session, out, 1, times.length, 2);
             OnnxTensor additive = pinned(session, out, 2, times.length, 1);
             OnnxTensor multiplicative = pinned(session, out, 3, times.length, 1);
             OnnxTensor yhat = pinned(session, out, 4, times.length, 1)) {
            session.run(Map.of(ProphetGraph.TIME, time), Map.of(ProphetGraph.TREND, trend, ProphetGraph.SEASONAL,
                seasonal, ProphetGraph.ADDITIVE_TERMS, additive, ProphetGraph.MULTIPLICATIVE_TERMS, multiplicative,
                ProphetGraph.YHAT, yhat)).close();
            for (int row = 0; row < times.length; row++) {
                assertClose("trend", row, out[0].get(row), forecast.column("trend")[row], ONNX_RELATIVE);
                assertClose("daily", row, out[1].get(2 * row + 1), forecast.column("daily")[row], ONNX_RELATIVE);
                assertClose("yhat", row, out[4].get(row), forecast.column("yhat")[row], ONNX_RELATIVE);
            }
        }
    }

    private static OnnxTensor pinned(final OnnxModel session, final DoubleBuffer[] out, final int index,
        final int h, final int perStep) throws Exception {
        out[index] = ByteBuffer.allocateDirect(h * perStep * Double.BYTES).order(ByteOrder.nativeOrder())
            .asDoubleBuffer();
        final long[] shape = perStep == 1 ? new long[] {1, h} : new long[] {1, h, perStep};
        return OnnxTensor.createTensor(session.environment(), out[index], shape);
    }

    /**
     * Python Prophet 1.1.5's minmax scaling: {@code y_min} is the floor added to the trend. Guards the one scaling
     * difference between the R and the Python files.
     */
    @Test
    void shouldAddMinimumToTrendWhenScalingIsMinMax() {
        final String json = ProphetFixture.text("model.json").replace("\"y_min\": 0,", "\"y_min\": 5,")
            .replace("\"scaling\": \"absmax\"", "\"scaling\": \"minmax\"");
        final ProphetModel minMax = ProphetJson.parse("minmax", json);
        assertThat(minMax.floor()).isEqualTo(5.0);
        final double[] times = forecast.times();
        assertThat(minMax.trend(times[0])).isEqualTo(model.trend(times[0]) + 5.0);
    }

    /** A model the importer cannot evaluate is refused with a code and a message naming the field. */
    @Test
    void shouldRefuseWhenModelUsesUnsupportedFeatures() throws Exception {
        final String json = ProphetFixture.text("model.json");
        assertThatThrownBy(() -> ProphetJson.parse("logistic", json.replace("\"growth\": \"linear\"",
            "\"growth\": \"logistic\"").replace("\"growth\":\"linear\"", "\"growth\":\"logistic\"")))
            .isInstanceOf(PresplitException.class)
            .hasMessageContaining(ProphetJson.UNSUPPORTED).hasMessageContaining("field=growth");
        final ObjectMapper mapper = new ObjectMapper();
        final ObjectNode withRegressor = (ObjectNode) mapper.readTree(json);
        withRegressor.set("extra_regressors", mapper.readTree("[[\"price\"], {\"price\": {\"prior_scale\": 10}}]"));
        assertThatThrownBy(() -> ProphetJson.parse("regressor", withRegressor.toString()))
            .isInstanceOf(PresplitException.class).hasMessageContaining("field=extra_regressors");
        assertThatThrownBy(() -> ProphetJson.parse("truncated", json.substring(0, json.length() / 2)))
            .isInstanceOf(PresplitException.class).hasMessageContaining(ProphetJson.INVALID);
        assertThatThrownBy(() -> ProphetJson.parse("no-params", "{\"growth\":\"linear\",\"start\":0,\"t_scale\":1,"
            + "\"y_scale\":1,\"seasonalities\":[[\"daily\"],{\"daily\":{\"period\":1,\"fourier_order\":1}}]}"))
            .isInstanceOf(PresplitException.class).hasMessageContaining("field=params");
        assertThatThrownBy(() -> ProphetJson.read(java.nio.file.Path.of("/nonexistent/model.json")))
            .isInstanceOf(PresplitException.class).hasMessageContaining(ProphetJson.MISSING);
    }

    private static ProphetModel scaled(final ProphetModel base, final double yFactor, final double betaFactor) {
        final double[] beta = base.beta();
        for (int j = 0; j < beta.length; j++) {
            beta[j] *= betaFactor * (j % 3 == 0 ? -1 : 1);
        }
        final double[] delta = base.delta();
        delta[delta.length - 1] += 0.05;
        return new ProphetModel(base.start() + 3600, base.tScale() * 1.1, base.yScale() * yFactor, 0, base.k() + 0.01,
            base.m() * 0.9, delta, base.changepointsT(), beta, base.sigmaObs(), base.seasonalities());
    }

    private static ProphetModel fewerChangepoints(final ProphetModel base, final int count) {
        final double[] delta = new double[count];
        final double[] changepoints = new double[count];
        for (int s = 0; s < count; s++) {
            delta[s] = 0.02 * (s % 2 == 0 ? 1 : -1);
            changepoints[s] = 0.1 * (s + 1);
        }
        return new ProphetModel(base.start(), base.tScale(), base.yScale(), 1.5, base.k(), base.m(), delta,
            changepoints, base.beta(), base.sigmaObs(), List.copyOf(base.seasonalities()));
    }

    private static void assertClose(final String what, final int row, final double actual, final double expected,
        final double relative) {
        final double bound = relative * Math.max(Math.abs(expected), 1e-12);
        assertThat(Math.abs(actual - expected)).as("%s at row %d: %s vs %s", what, row, actual, expected)
            .isLessThanOrEqualTo(bound);
    }
}
