package io.presplit.forecast.onnx.lstm;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains one global {@link LstmNetwork} on many load series: every window of {@code W + H} consecutive values is a
 * sample, normalized by its first {@code W} values ({@link WindowNormalization}); the target is the next {@code H}
 * values in the same units, clipped to {@code ±targetClip} so that a near-flat window followed by a jump does not
 * dominate the loss.
 * <p>
 * Each epoch visits {@code windowsPerEpoch} windows drawn without replacement (all of them if there are fewer),
 * in mini-batches; each batch's gradient is clipped to a global norm of {@code clipNorm} (Pascanu et al. 2013) and
 * applied by {@link Adam}, with a learning rate that decays by a cosine from {@code learningRate} to a tenth of it
 * over the run. With {@link Options#isPersistenceStart()} the network starts as the naive forecast
 * ({@link LstmNetwork#startFromPersistence()}) and learns a correction to it. Everything random comes from
 * {@code seed}: the same series, shape and options give the same network, bit for bit. Single-threaded. Cold path:
 * allocates its sample buffers once per run.
 */
public final class LstmTrainer {
    /** How to train. */
    public record Options(int epochs, int batchSize, double learningRate, int windowsPerEpoch, double clipNorm,
        double targetClip, long seed, boolean isPersistenceStart) {
        /** Checks the options. */
        public Options {
            if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || windowsPerEpoch < 1 || !(clipNorm > 0)
                || !(targetClip > 0)) {
                throw new IllegalArgumentException("invalid training options [epochs=" + epochs + ", batchSize="
                    + batchSize + ", learningRate=" + learningRate + ", windowsPerEpoch=" + windowsPerEpoch
                    + ", clipNorm=" + clipNorm + ", targetClip=" + targetClip + "]");
            }
        }

        /** Options started from random weights (no {@link LstmNetwork#startFromPersistence() persistence start}). */
        public Options(final int epochs, final int batchSize, final double learningRate, final int windowsPerEpoch,
            final double clipNorm, final double targetClip, final long seed) {
            this(epochs, batchSize, learningRate, windowsPerEpoch, clipNorm, targetClip, seed, false);
        }

        /** Defaults that trained well on M4 Hourly: batch 64, rate 3e-3, clip norm 1, targets clipped at ±8. */
        public static Options defaults(final int epochs, final int windowsPerEpoch, final long seed) {
            return new Options(epochs, 64, 3e-3, windowsPerEpoch, 1.0, 8.0, seed);
        }

        /** The same options with the persistence start on or off. */
        public Options withPersistenceStart(final boolean isOn) {
            return new Options(epochs, batchSize, learningRate, windowsPerEpoch, clipNorm, targetClip, seed, isOn);
        }
    }

    /**
     * What a run produced.
     *
     * @param network     the trained network.
     * @param epochLoss   mean training pinball loss per epoch, in normalized units.
     * @param windows     windows available for sampling.
     * @param steps       optimizer steps taken.
     * @param trainNanos  wall time of the run.
     */
    public record Result(LstmNetwork network, double[] epochLoss, int windows, long steps, long trainNanos) {
    }

    /** Told after each epoch, for progress output; may be {@code null}. */
    @FunctionalInterface
    public interface EpochListener {
        /** Epoch {@code epoch} (0-based) ended with mean loss {@code loss}, {@code elapsedNanos} into the run. */
        void onEpoch(int epoch, double loss, long elapsedNanos);
    }

    private LstmTrainer() {
    }

    /** {@link #train(List, LstmConfig, Options, EpochListener)} without a listener. */
    public static Result train(final List<double[]> series, final LstmConfig config, final Options options) {
        return train(series, config, options, null);
    }

    /**
     * Trains a network of shape {@code config} from scratch on {@code series} (each oldest first; series shorter
     * than {@code W + H} and windows holding a non-finite value are skipped).
     *
     * @throws IllegalArgumentException if no series holds a usable window, or {@code config} has more than one
     *                                  feature (the load series are univariate).
     */
    public static Result train(
        final List<double[]> series, final LstmConfig config, final Options options, final EpochListener listener) {
        if (config.features() != 1) {
            throw new IllegalArgumentException("load series train single-feature networks [config=" + config + "]");
        }
        final long start = System.nanoTime();
        final int w = config.window();
        final int horizon = config.horizon();
        final long[] windows = windows(series, w + horizon);
        if (windows.length == 0) {
            throw new IllegalArgumentException("no series holds a full window [series=" + series.size()
                + ", windowPlusHorizon=" + (w + horizon) + "]");
        }
        final LstmNetwork net = new LstmNetwork(config);
        net.initialize(options.seed());
        if (options.isPersistenceStart()) {
            net.startFromPersistence();
        }
        final SplittableRandom random = new SplittableRandom(options.seed() ^ 0x9E3779B97F4A7C15L);
        final Adam adam = new Adam(net.parameters().length);
        final int batchSize = options.batchSize();
        final double[] x = new double[batchSize * w];
        final double[] y = new double[batchSize * horizon];
        final double[] gradient = new double[net.parameters().length];
        final int perEpoch = Math.min(options.windowsPerEpoch(), windows.length);
        final int batchesPerEpoch = (perEpoch + batchSize - 1) / batchSize;
        final long totalSteps = (long) batchesPerEpoch * options.epochs();
        final double[] epochLoss = new double[options.epochs()];
        long step = 0;
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            // partial Fisher-Yates: the first perEpoch entries become this epoch's sample
            for (int i = 0; i < perEpoch; i++) {
                final int j = i + random.nextInt(windows.length - i);
                final long swap = windows[i];
                windows[i] = windows[j];
                windows[j] = swap;
            }
            double lossSum = 0;
            for (int from = 0; from < perEpoch; from += batchSize) {
                final int batch = Math.min(batchSize, perEpoch - from);
                for (int b = 0; b < batch; b++) {
                    final long window = windows[from + b];
                    sample(series.get((int) (window >>> 32)), (int) window, w, horizon, options.targetClip(),
                        x, b * w, y, b * horizon);
                }
                Arrays.fill(gradient, 0.0);
                lossSum += net.lossAndGradient(x, y, batch, gradient) * batch;
                clip(gradient, options.clipNorm());
                final double progress = (double) step / Math.max(1, totalSteps - 1);
                final double rate = options.learningRate() * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
                adam.step(net.parameters(), gradient, rate);
                step++;
            }
            epochLoss[epoch] = lossSum / perEpoch;
            if (listener != null) {
                listener.onEpoch(epoch, epochLoss[epoch], System.nanoTime() - start);
            }
        }
        return new Result(net, epochLoss, windows.length, step, System.nanoTime() - start);
    }

    /**
     * Mean pinball loss of {@code net} over every window of {@code series}, normalized and clipped as in training.
     */
    public static double loss(final LstmNetwork net, final List<double[]> series, final double targetClip) {
        final LstmConfig config = net.config();
        final int w = config.window();
        final int horizon = config.horizon();
        final long[] windows = windows(series, w + horizon);
        final int batchSize = 256;
        final double[] x = new double[batchSize * w];
        final double[] y = new double[batchSize * horizon];
        double sum = 0;
        for (int from = 0; from < windows.length; from += batchSize) {
            final int batch = Math.min(batchSize, windows.length - from);
            for (int b = 0; b < batch; b++) {
                final long window = windows[from + b];
                sample(series.get((int) (window >>> 32)), (int) window, w, horizon, targetClip, x, b * w, y,
                    b * horizon);
            }
            sum += net.lossAndGradient(x, y, batch, null) * batch;
        }
        return sum / windows.length;
    }

    /**
     * Point forecast of the {@code H} values after {@code y[0..n)} with the network's first head, from the last
     * {@code W} values, in load units: {@code out[h] = y_net[h] * s + mu}. Returns {@code false} (and writes
     * nothing) when {@code n < W}. Allocates its scratch.
     */
    public static boolean forecast(final LstmNetwork net, final double[] y, final int n, final double[] out) {
        final LstmConfig config = net.config();
        final int w = config.window();
        if (n < w) {
            return false;
        }
        final double mean = WindowNormalization.mean(y, n - w, w);
        final double scale = WindowNormalization.scale(y, n - w, w, mean);
        final double[] x = new double[w];
        for (int i = 0; i < w; i++) {
            x[i] = (float) ((y[n - w + i] - mean) / scale);
        }
        final double[] result = new double[config.quantileCount() * config.horizon()];
        net.forward(x, 1, result);
        for (int h = 0; h < config.horizon(); h++) {
            out[h] = result[h] * scale + mean;
        }
        return true;
    }

    /** Every (series, start) with {@code length} finite values from {@code start}, as {@code series << 32 | start}. */
    static long[] windows(final List<double[]> series, final int length) {
        int count = 0;
        for (final double[] values : series) {
            count += Math.max(0, values.length - length + 1);
        }
        final long[] windows = new long[count];
        int found = 0;
        for (int s = 0; s < series.size(); s++) {
            final double[] values = series.get(s);
            // lastBad: the latest non-finite index seen; a window is usable when it starts after it
            int lastBad = -1;
            for (int t = 0; t < values.length; t++) {
                if (!Double.isFinite(values[t])) {
                    lastBad = t;
                }
                final int startAt = t - length + 1;
                if (startAt >= 0 && startAt > lastBad) {
                    windows[found++] = (long) s << 32 | startAt;
                }
            }
        }
        return Arrays.copyOf(windows, found);
    }

    /** Normalizes one sample: {@code W} input values into {@code x}, {@code H} clipped targets into {@code y}. */
    private static void sample(
        final double[] values, final int start, final int w, final int horizon, final double targetClip,
        final double[] x, final int xAt, final double[] y, final int yAt) {
        final double mean = WindowNormalization.mean(values, start, w);
        final double scale = WindowNormalization.scale(values, start, w, mean);
        for (int i = 0; i < w; i++) {
            // rounded to float32 as served, so training sees what ONNX Runtime will see
            x[xAt + i] = (float) ((values[start + i] - mean) / scale);
        }
        for (int h = 0; h < horizon; h++) {
            final double target = (values[start + w + h] - mean) / scale;
            y[yAt + h] = Math.max(-targetClip, Math.min(targetClip, target));
        }
    }

    private static void clip(final double[] gradient, final double maxNorm) {
        double sumSquares = 0;
        for (final double g : gradient) {
            sumSquares += g * g;
        }
        final double norm = Math.sqrt(sumSquares);
        if (norm > maxNorm) {
            final double factor = maxNorm / norm;
            for (int i = 0; i < gradient.length; i++) {
                gradient[i] *= factor;
            }
        }
    }
}
