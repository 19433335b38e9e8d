package io.presplit.forecast.onnx;

import ai.onnxruntime.OrtProvider;

import java.util.Locale;
import java.util.Set;

/**
 * Where ONNX Runtime runs a model: the CUDA execution provider on a GPU, or the CPU.
 * <p>
 * Choice ({@link #choose}): CUDA when the ONNX Runtime build on the classpath has the CUDA provider (the
 * {@code onnxruntime_gpu} artifact instead of {@code onnxruntime}) and the system property
 * {@value #PROPERTY} is {@code auto} (the default); the CPU otherwise. Whether a device exists is only known when
 * a session is created on it: {@link OnnxModel} then falls back to the CPU, logs why, and reports
 * {@link OnnxModel#executionProvider()} as CPU. No test needs a GPU: the choice is a pure function of the
 * providers and the setting.
 */
public enum ExecutionProvider {
    /** ONNX Runtime's default CPU provider. */
    CPU,
    /** The CUDA provider, device 0. */
    CUDA;

    /** System property: {@code auto} (CUDA if the build has it) or {@code cpu} (never a GPU). */
    public static final String PROPERTY = "presplit.onnx.device";

    /**
     * The provider to try first.
     *
     * @param available the providers of the ONNX Runtime build ({@code OrtEnvironment.getAvailableProviders()}).
     * @param setting   {@code auto} or {@code cpu}, any case; {@code null} means {@code auto}.
     * @throws IllegalArgumentException for any other setting.
     */
    public static ExecutionProvider choose(final Set<OrtProvider> available, final String setting) {
        final String mode = setting == null ? "auto" : setting.strip().toLowerCase(Locale.ROOT);
        return switch (mode) {
            case "auto" -> available.contains(OrtProvider.CUDA) ? CUDA : CPU;
            case "cpu" -> CPU;
            default -> throw new IllegalArgumentException("unknown ONNX device setting [property=" + PROPERTY
                + ", value=" + setting + ", known=auto,cpu]");
        };
    }
}
