/** Saved models: one versioned, checksummed file holding a model's metadata and its ONNX graph. */
package io.presplit.forecast.onnx.model;
