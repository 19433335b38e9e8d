/**
 * Prophet-style load models: piecewise-linear trend plus Fourier seasonalities, imported from Prophet's
 * {@code model_to_json} or fitted here (MAP by L-BFGS), evaluated for a batch of partitions by one ONNX graph.
 */
package io.presplit.forecast.onnx.prophet;
