/**
 * Forecasters served by ONNX Runtime: checked model loading on the CPU or CUDA, the batched LSTM load forecaster,
 * and the fallback that keeps a native forecaster serving when a model is missing, corrupt or fails.
 */
package io.presplit.forecast.onnx;
