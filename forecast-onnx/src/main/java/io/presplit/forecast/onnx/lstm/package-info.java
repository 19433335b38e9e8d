/**
 * The global LSTM load forecaster: a Java LSTM with ONNX's LSTM semantics, trained by backpropagation through time
 * with Adam, and exported as an ONNX graph that ONNX Runtime serves.
 */
package io.presplit.forecast.onnx.lstm;
