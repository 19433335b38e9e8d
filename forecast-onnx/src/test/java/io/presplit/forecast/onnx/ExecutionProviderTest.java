package io.presplit.forecast.onnx;

import ai.onnxruntime.OrtProvider;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which execution provider a model is put on, without needing a GPU. */
class ExecutionProviderTest {
    /** Guards GPU use: a GPU build of ONNX Runtime must be used by default. */
    @Test
    void shouldChooseCudaWhenBuildHasCudaAndSettingIsAuto() {
        assertThat(ExecutionProvider.choose(EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA), null))
            .isEqualTo(ExecutionProvider.CUDA);
        assertThat(ExecutionProvider.choose(EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA), " AUTO "))
            .isEqualTo(ExecutionProvider.CUDA);
    }

    /** Guards the CPU build (the default artifact): no CUDA provider, CPU. */
    @Test
    void shouldChooseCpuWhenBuildHasNoCuda() {
        assertThat(ExecutionProvider.choose(EnumSet.of(OrtProvider.CPU), "auto")).isEqualTo(ExecutionProvider.CPU);
    }

    /** Guards the operator's override: a shared GPU can be kept free with {@code -Dpresplit.onnx.device=cpu}. */
    @Test
    void shouldChooseCpuWhenSettingIsCpuEvenWithCuda() {
        assertThat(ExecutionProvider.choose(EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA), "cpu"))
            .isEqualTo(ExecutionProvider.CPU);
    }

    /** Guards typos in the setting: a clear error, not a silent CPU. */
    @Test
    void shouldRejectUnknownSetting() {
        assertThatThrownBy(() -> ExecutionProvider.choose(EnumSet.of(OrtProvider.CPU), "gpu"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("presplit.onnx.device");
    }

    /** Guards the real session on this CPU-only build: the model reports where it runs. */
    @Test
    void shouldRunOnCpuWhenOnnxRuntimeIsTheCpuBuild() {
        try (LstmForecaster lstm = LstmForecaster.openBundled()) {
            assertThat(lstm.executionProvider()).isEqualTo(ExecutionProvider.CPU);
        }
    }
}
