package io.presplit.forecast.onnx.model;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a saved model is, stored beside its ONNX bytes in a {@link ModelFile}.
 *
 * @param kind          the model family, which says how to serve it: {@code lstm}, {@code prophet}, ...
 * @param modelVersion  the version of this model within its family, chosen by whoever trains it (≥ 1).
 * @param description   one line for people: what the model forecasts.
 * @param trainedOn     what data it was fitted to, e.g. {@code M4 Hourly train, 414 series}.
 * @param trainedAt     when the fit finished.
 * @param windowTicks   the input window in ticks that the model reads (0 if it reads none, e.g. a Prophet
 *                      model that reads only time).
 * @param horizonTicks  the steps it forecasts.
 * @param normalization how inputs are scaled before the graph and outputs after it, e.g.
 *                      {@code per-window z-score, population std, floor 1e-6}; {@code none} if the graph takes raw
 *                      values.
 * @param properties    family-specific facts (tensor names, seasonal periods, ...), sorted by key so that the
 *                      stored form is deterministic.
 */
public record ModelMetadata(
    String kind, int modelVersion, String description, String trainedOn, Instant trainedAt, int windowTicks,
    int horizonTicks, String normalization, Map<String, String> properties) {

    /** Checks every field; an invalid value names the field and the value. */
    public ModelMetadata {
        requireText("kind", kind);
        if (!kind.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("kind must be lower-case letters, digits and '-' [kind=" + kind + "]");
        }
        if (modelVersion < 1) {
            throw new IllegalArgumentException("modelVersion must be at least 1 [modelVersion=" + modelVersion + "]");
        }
        requireText("description", description);
        requireText("trainedOn", trainedOn);
        Objects.requireNonNull(trainedAt, "trainedAt");
        if (windowTicks < 0) {
            throw new IllegalArgumentException("windowTicks must be at least 0 [windowTicks=" + windowTicks + "]");
        }
        if (horizonTicks < 1) {
            throw new IllegalArgumentException("horizonTicks must be at least 1 [horizonTicks=" + horizonTicks + "]");
        }
        requireText("normalization", normalization);
        properties = properties == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(properties));
    }

    private static void requireText(final String field, final String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
    }
}
