package io.presplit.forecast.onnx;

import io.presplit.forecast.onnx.lstm.LstmNetwork;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Baseline for {@link LstmForecasterBenchmark}: the plain-Java forward pass ({@link LstmNetwork}: doubles, Vector
 * API {@code y += a x} over the 4h gate rows, scalar gate functions) of the {@code m4}-shaped network over 1,000
 * normalized windows, against ONNX Runtime's {@code tick} at {@code model=m4, partitions=1000} (which also
 * normalizes and writes the table).
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LstmJavaForwardBenchmark {
    private static final int BATCH = 1000;

    private final LstmNetwork net = LstmForecasterBenchmark.m4Network();
    private final double[] x = new double[BATCH * LstmForecasterBenchmark.M4_SHAPE.window()];
    private final double[] out = new double[BATCH * 2 * LstmForecasterBenchmark.M4_SHAPE.horizon()];

    @Setup(Level.Trial)
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(20261124L);
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextGaussian();
        }
    }

    /** Forward pass, 1,000 windows of 168 steps. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public double forward1000() {
        net.forward(x, BATCH, out);
        return out[0];
    }
}
