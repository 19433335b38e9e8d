package io.presplit.forecast.onnx.lstm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.presplit.forecast.onnx.OnnxModel;
import io.presplit.forecast.onnx.TensorSpec;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The exported graph, run by ONNX Runtime, against the Java forward pass. */
class LstmOnnxExportTest {
    private static final double TOLERANCE = 1e-5;

    /**
     * Guards the export: weight layout (W, R, B in gate order i, o, f, c), the sequence-major transpose, the last
     * hidden state, the skip concatenation and each quantile head. Random weights and inputs; the Java pass runs on
     * the float32-rounded weights and inputs that ONNX Runtime sees, so the only difference left is float32
     * arithmetic.
     */
    @Test
    void shouldAgreeWithOnnxRuntimeWhenWeightsAndInputsAreRandom() throws OrtException {
        final long seed = 42L;
        System.out.println("export agreement seed=" + seed);
        for (final boolean hasSkip : new boolean[] {false, true}) {
            final LstmConfig config = new LstmConfig(24, 1, 16, 6, new double[] {0.5, 0.9}, hasSkip);
            final LstmNetwork net = new LstmNetwork(config);
            final SplittableRandom random = new SplittableRandom(seed);
            final double[] p = net.parameters();
            for (int i = 0; i < p.length; i++) {
                p[i] = (float) random.nextDouble(-0.5, 0.5);
            }
            final int batch = 7;
            final float[] input = new float[batch * config.window()];
            final double[] x = new double[input.length];
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) random.nextDouble(-3, 3);
                x[i] = input[i];
            }
            final double[] expected = new double[batch * 2 * config.horizon()];
            net.forward(x, batch, expected);

            final byte[] bytes = LstmOnnxExport.toBytes(net, "test");
            final List<TensorSpec> inputs = List.of(new TensorSpec("input", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC,
                config.window(), 1));
            final List<TensorSpec> outputs = List.of(
                new TensorSpec("output", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, config.horizon()),
                new TensorSpec("output_p90", OnnxJavaType.FLOAT, TensorSpec.DYNAMIC, config.horizon()));
            double worst = 0;
            try (OnnxModel model = OnnxModel.fromBytes("test", bytes, 1, inputs, outputs);
                 OnnxTensor tensor = OnnxTensor.createTensor(model.environment(), FloatBuffer.wrap(input),
                     new long[] {batch, config.window(), 1});
                 OrtSession.Result result = model.run(Map.of("input", tensor))) {
                for (int q = 0; q < 2; q++) {
                    final float[][] served = (float[][]) result.get(config.outputName(q)).orElseThrow().getValue();
                    for (int b = 0; b < batch; b++) {
                        for (int k = 0; k < config.horizon(); k++) {
                            final double want = expected[b * 2 * config.horizon() + q * config.horizon() + k];
                            worst = Math.max(worst, Math.abs(served[b][k] - want));
                        }
                    }
                }
            }
            System.out.printf("export skip=%s max |ORT - Java| %.3g%n", hasSkip, worst);
            assertThat(worst).isLessThan(TOLERANCE);
        }
    }
}
