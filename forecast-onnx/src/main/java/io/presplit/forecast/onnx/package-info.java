/** Forecasters served by ONNX Runtime: checked model loading and a batched LSTM load forecaster. */
package io.presplit.forecast.onnx;
