package io.presplit.forecast.onnx.lstm;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A one-layer LSTM over a window followed by linear quantile heads, with ONNX's LSTM operator semantics, its forward
 * pass, and its gradient by backpropagation through time.
 * <p>
 * Per time step {@code t} and sample (ONNX LSTM, default activations, forward direction, zero initial state;
 * onnx.ai/onnx/operators/onnx__LSTM.html):
 * <pre>
 *   z  = W x_t + R h_{t-1} + Wb + Rb                    // 4 hidden pre-activations, gate blocks in order i, o, f, c
 *   i = σ(z_i)   o = σ(z_o)   f = σ(z_f)   g = tanh(z_c)
 *   c_t = f ⊙ c_{t-1} + i ⊙ g
 *   h_t = o ⊙ tanh(c_t)
 * </pre>
 * and after the last step, for each quantile head {@code q} and step {@code k < H}:
 * {@code y[q][k] = V_q[k] · [h_T, x_0 .. x_{W-1}] + v_q[k]} (the window part only with {@link LstmConfig#hasSkip()};
 * the skip is LSTNet's autoregressive highway, Lai et al. 2018, which lets the net copy the seasonal lag and spend
 * its hidden state on corrections).
 * <p>
 * Loss: the pinball loss of each head at its level, averaged over samples, heads and steps,
 * {@code ρ_q(e) = max(q e, (q - 1) e)} with {@code e = target - y} (Koenker &amp; Bassett 1978; at {@code q = 0.5}
 * it is half the absolute error).
 * <p>
 * Parameter layout, one flat {@code double[]} in ONNX's order so that export copies slices:
 * <pre>
 *   offset            length          what (row-major)
 *   0                 4h × F          W  [4h, F]      gate rows i, o, f, c
 *   wOffset+4hF       4h × h          R  [4h, h]
 *   rOffset+4h²       4h              Wb
 *   +4h               4h              Rb              (ONNX B = [Wb, Rb])
 *   +4h               Q·H × D         V  [Q·H, D]     D = h (+ W·F with the skip); row q·H + k
 *   +Q·H·D            Q·H             v
 * </pre>
 * Inputs are {@code [batch, W, F]} row-major doubles, outputs {@code [batch, Q·H]} (head-major per sample).
 * <p>
 * Threading: one thread; scratch is owned by the instance and grows (never shrinks) with the batch. The forward and
 * backward passes allocate nothing once the scratch fits the batch. The inner loops are the Vector API's
 * {@code y += a x} and dot product over the 4h gate rows; the gate nonlinearities are scalar.
 */
public final class LstmNetwork {
    private final LstmConfig config;
    private final int window;
    private final int features;
    private final int hidden;
    private final int gates;
    private final int outputs;
    private final int headInputs;
    private final int wOffset;
    private final int rOffset;
    private final int wbOffset;
    private final int rbOffset;
    private final int headOffset;
    private final int headBiasOffset;
    private final double[] parameters;

    // Transposed copies of W and R ([F, 4h] and [h, 4h]) so that a gate row update is one contiguous axpy.
    private final double[] wT;
    private final double[] rT;
    private final double[] biasSum;
    private final double[] dz;
    private final double[] dwT;
    private final double[] drT;
    private final double[] headIn;
    private final double[] dHeadIn;

    // Activations of the last forward pass, for backpropagation: [t][b][4h] post-activation gates, and
    // [t + 1][b][h] cell and hidden states (t = 0 holds the zero initial state).
    private int capacity;
    private double[] gateActs;
    private double[] cells;
    private double[] hiddens;
    private double[] dh;
    private double[] dc;
    private double[] outScratch;

    /** A network with all parameters zero. */
    public LstmNetwork(final LstmConfig config) {
        this.config = config;
        this.window = config.window();
        this.features = config.features();
        this.hidden = config.hidden();
        this.gates = 4 * hidden;
        this.outputs = config.quantileCount() * config.horizon();
        this.headInputs = config.headInputs();
        this.wOffset = 0;
        this.rOffset = wOffset + gates * features;
        this.wbOffset = rOffset + gates * hidden;
        this.rbOffset = wbOffset + gates;
        this.headOffset = rbOffset + gates;
        this.headBiasOffset = headOffset + outputs * headInputs;
        this.parameters = new double[headBiasOffset + outputs];
        if (parameters.length != config.parameterCount()) {
            throw new IllegalStateException("parameter layout disagrees with the config [layout=" + parameters.length
                + ", config=" + config.parameterCount() + "]");
        }
        this.wT = new double[features * gates];
        this.rT = new double[hidden * gates];
        this.biasSum = new double[gates];
        this.dz = new double[gates];
        this.dwT = new double[features * gates];
        this.drT = new double[hidden * gates];
        this.headIn = new double[headInputs];
        this.dHeadIn = new double[headInputs];
    }

    /**
     * Initializes the parameters as PyTorch does for {@code nn.LSTM} and {@code nn.Linear}: uniform in
     * {@code ±1/sqrt(fan)}, with fan the hidden size for the LSTM and the head's input count for the heads; the
     * forget gate's bias starts at 1 (Jozefowicz et al. 2015) and the skip weights at 0.
     */
    public void initialize(final long seed) {
        final SplittableRandom random = new SplittableRandom(seed);
        final double lstmBound = 1 / Math.sqrt(hidden);
        for (int p = wOffset; p < headOffset; p++) {
            parameters[p] = (2 * random.nextDouble() - 1) * lstmBound;
        }
        for (int j = 0; j < hidden; j++) {
            parameters[wbOffset + 2 * hidden + j] = 1.0;
            parameters[rbOffset + 2 * hidden + j] = 0.0;
        }
        final double headBound = 1 / Math.sqrt(hidden);
        for (int o = 0; o < outputs; o++) {
            for (int d = 0; d < headInputs; d++) {
                parameters[headOffset + o * headInputs + d] = d < hidden ? (2 * random.nextDouble() - 1) * headBound
                    : 0.0;
            }
            parameters[headBiasOffset + o] = 0.0;
        }
    }

    /**
     * Sets the skip weight of the window's last value to 1 in every head row (the other weights unchanged), so that
     * the skip path forecasts the last value at every step and every quantile: the naive forecast, plus the small
     * random term of the hidden state's head weights. Training from here learns a correction to persistence.
     * Because the heads are linear in the skip inputs, this is exactly training on a residual target (target minus
     * the last value) with the skip weight started at 0: same gradients, same Adam steps. Load traces at short
     * ticks are dominated by persistence (a burst outlasts a tick), and a network started at zero must first learn
     * to copy the last value before it can do better.
     *
     * @throws IllegalStateException if the network has no skip path.
     */
    public void startFromPersistence() {
        if (!config.hasSkip()) {
            throw new IllegalStateException("a persistence start needs the skip path [config=" + config + "]");
        }
        // head input layout: [h_T (hidden), x_0 .. x_{W-1} (W × F)]; feature 0 of the last step is the load
        final int lastValue = hidden + (window - 1) * features;
        for (int o = 0; o < outputs; o++) {
            parameters[headOffset + o * headInputs + lastValue] = 1.0;
        }
    }

    /** The shape. */
    public LstmConfig config() {
        return config;
    }

    /** The parameters, live: the layout is in the class comment. */
    public double[] parameters() {
        return parameters;
    }

    /** Offset of W {@code [4h, F]} in {@link #parameters()}. */
    public int wOffset() {
        return wOffset;
    }

    /** Offset of R {@code [4h, h]}. */
    public int rOffset() {
        return rOffset;
    }

    /** Offset of Wb {@code [4h]}, followed by Rb {@code [4h]}: ONNX's B. */
    public int biasOffset() {
        return wbOffset;
    }

    /** Offset of the head weights {@code [Q·H, D]}. */
    public int headOffset() {
        return headOffset;
    }

    /** Offset of the head biases {@code [Q·H]}. */
    public int headBiasOffset() {
        return headBiasOffset;
    }

    /**
     * Runs the network on {@code batch} windows {@code x} ({@code [batch, W, F]}) and writes {@code [batch, Q·H]}
     * into {@code out}. Keeps the activations for {@link #backward}.
     */
    public void forward(final double[] x, final int batch, final double[] out) {
        ensureCapacity(batch);
        prepareWeights();
        final int h = hidden;
        final int g = gates;
        final double[] acts = gateActs;
        final double[] cs = cells;
        final double[] hs = hiddens;
        Arrays.fill(cs, 0, batch * h, 0.0);
        Arrays.fill(hs, 0, batch * h, 0.0);
        for (int t = 0; t < window; t++) {
            final int prevState = t * batch * h;
            final int nextState = (t + 1) * batch * h;
            for (int b = 0; b < batch; b++) {
                final int z = (t * batch + b) * g;
                System.arraycopy(biasSum, 0, acts, z, g);
                final int xBase = (b * window + t) * features;
                for (int f = 0; f < features; f++) {
                    VectorMath.axpy(x[xBase + f], wT, f * g, acts, z, g);
                }
                final int hPrev = prevState + b * h;
                for (int k = 0; k < h; k++) {
                    VectorMath.axpy(hs[hPrev + k], rT, k * g, acts, z, g);
                }
                final int hNext = nextState + b * h;
                for (int j = 0; j < h; j++) {
                    final double i = sigmoid(acts[z + j]);
                    final double o = sigmoid(acts[z + h + j]);
                    final double fg = sigmoid(acts[z + 2 * h + j]);
                    final double c = Math.tanh(acts[z + 3 * h + j]);
                    acts[z + j] = i;
                    acts[z + h + j] = o;
                    acts[z + 2 * h + j] = fg;
                    acts[z + 3 * h + j] = c;
                    final double cell = fg * cs[hPrev + j] + i * c;
                    cs[hNext + j] = cell;
                    hs[hNext + j] = o * Math.tanh(cell);
                }
            }
        }
        final int last = window * batch * h;
        for (int b = 0; b < batch; b++) {
            fillHeadInputs(x, b, hs, last + b * h);
            for (int o = 0; o < outputs; o++) {
                out[b * outputs + o] = parameters[headBiasOffset + o]
                    + VectorMath.dot(parameters, headOffset + o * headInputs, headIn, 0, headInputs);
            }
        }
    }

    /**
     * Forward pass, pinball loss against {@code targets} ({@code [batch, H]}, every head aims at the same target),
     * and, if {@code gradient} is not null, the loss's gradient with respect to the parameters <em>added</em> to it.
     *
     * @return the mean pinball loss over samples, heads and steps.
     */
    public double lossAndGradient(final double[] x, final double[] targets, final int batch, final double[] gradient) {
        ensureCapacity(batch);
        final double[] out = outScratch;
        forward(x, batch, out);
        final int horizon = config.horizon();
        final double norm = 1.0 / ((double) batch * outputs);
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            for (int q = 0; q < config.quantileCount(); q++) {
                final double level = config.quantile(q);
                for (int k = 0; k < horizon; k++) {
                    final int o = b * outputs + q * horizon + k;
                    final double e = targets[b * horizon + k] - out[o];
                    loss += e >= 0 ? level * e : (level - 1) * e;
                    // d loss / d y: the output's upstream gradient, stored in place of the output
                    out[o] = (e >= 0 ? -level : 1 - level) * norm;
                }
            }
        }
        if (gradient != null) {
            backward(x, batch, out, gradient);
        }
        return loss * norm;
    }

    /**
     * Backpropagation through time from {@code dOut} ({@code [batch, Q·H]}, the loss's gradient with respect to the
     * outputs of the last {@link #forward} on the same {@code x}); adds the parameter gradient to {@code gradient}.
     */
    public void backward(final double[] x, final int batch, final double[] dOut, final double[] gradient) {
        final int h = hidden;
        final int g = gates;
        final double[] acts = gateActs;
        final double[] cs = cells;
        final double[] hs = hiddens;
        final double[] dhs = dh;
        final double[] dcs = dc;
        Arrays.fill(dwT, 0.0);
        Arrays.fill(drT, 0.0);
        Arrays.fill(dcs, 0, batch * h, 0.0);

        // Heads: weights, biases, and the gradient reaching h_T (the window part of the input needs none).
        final int last = window * batch * h;
        for (int b = 0; b < batch; b++) {
            fillHeadInputs(x, b, hs, last + b * h);
            Arrays.fill(dHeadIn, 0.0);
            for (int o = 0; o < outputs; o++) {
                final double d = dOut[b * outputs + o];
                gradient[headBiasOffset + o] += d;
                VectorMath.axpy(d, headIn, 0, gradient, headOffset + o * headInputs, headInputs);
                VectorMath.axpy(d, parameters, headOffset + o * headInputs, dHeadIn, 0, h);
            }
            System.arraycopy(dHeadIn, 0, dhs, b * h, h);
        }

        for (int t = window - 1; t >= 0; t--) {
            final int prevState = t * batch * h;
            final int nextState = (t + 1) * batch * h;
            for (int b = 0; b < batch; b++) {
                final int z = (t * batch + b) * g;
                final int hPrev = prevState + b * h;
                final int hNext = nextState + b * h;
                final int d = b * h;
                for (int j = 0; j < h; j++) {
                    final double i = acts[z + j];
                    final double o = acts[z + h + j];
                    final double fg = acts[z + 2 * h + j];
                    final double c = acts[z + 3 * h + j];
                    final double tanhCell = Math.tanh(cs[hNext + j]);
                    final double dhj = dhs[d + j];
                    final double dcell = dcs[d + j] + dhj * o * (1 - tanhCell * tanhCell);
                    dz[j] = dcell * c * i * (1 - i);
                    dz[h + j] = dhj * tanhCell * o * (1 - o);
                    dz[2 * h + j] = dcell * cs[hPrev + j] * fg * (1 - fg);
                    dz[3 * h + j] = dcell * i * (1 - c * c);
                    dcs[d + j] = dcell * fg;
                }
                VectorMath.axpy(1.0, dz, 0, gradient, wbOffset, g);
                VectorMath.axpy(1.0, dz, 0, gradient, rbOffset, g);
                final int xBase = (b * window + t) * features;
                for (int f = 0; f < features; f++) {
                    VectorMath.axpy(x[xBase + f], dz, 0, dwT, f * g, g);
                }
                for (int k = 0; k < h; k++) {
                    VectorMath.axpy(hs[hPrev + k], dz, 0, drT, k * g, g);
                    dhs[d + k] = VectorMath.dot(dz, 0, rT, k * g, g);
                }
            }
        }
        for (int r = 0; r < g; r++) {
            for (int f = 0; f < features; f++) {
                gradient[wOffset + r * features + f] += dwT[f * g + r];
            }
            for (int k = 0; k < h; k++) {
                gradient[rOffset + r * h + k] += drT[k * g + r];
            }
        }
    }

    /** Samples the scratch currently holds room for. */
    int capacity() {
        return capacity;
    }

    private void fillHeadInputs(final double[] x, final int b, final double[] hs, final int hAt) {
        System.arraycopy(hs, hAt, headIn, 0, hidden);
        if (config.hasSkip()) {
            System.arraycopy(x, b * window * features, headIn, hidden, window * features);
        }
    }

    private void prepareWeights() {
        final int g = gates;
        for (int r = 0; r < g; r++) {
            for (int f = 0; f < features; f++) {
                wT[f * g + r] = parameters[wOffset + r * features + f];
            }
            for (int k = 0; k < hidden; k++) {
                rT[k * g + r] = parameters[rOffset + r * hidden + k];
            }
            biasSum[r] = parameters[wbOffset + r] + parameters[rbOffset + r];
        }
    }

    private void ensureCapacity(final int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be positive [batch=" + batch + "]");
        }
        if (batch <= capacity) {
            return;
        }
        gateActs = new double[Math.multiplyExact(window * batch, gates)];
        cells = new double[Math.multiplyExact((window + 1) * batch, hidden)];
        hiddens = new double[Math.multiplyExact((window + 1) * batch, hidden)];
        dh = new double[batch * hidden];
        dc = new double[batch * hidden];
        outScratch = new double[batch * outputs];
        capacity = batch;
    }

    private static double sigmoid(final double v) {
        return 1 / (1 + Math.exp(-v));
    }
}
