package io.presplit.forecast.onnx;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The test vectors of the LSTM fixture ({@code vectors.json}, copied from {@code shared/fixtures/lstm}): inputs and
 * PyTorch's own outputs for the bundled model.
 * <p>
 * Numbers are read as exact decimals and then parsed by {@link Float#parseFloat} or {@link Double#parseDouble},
 * so a float32 written as its shortest decimal comes back bit for bit (decimal to double to float could round
 * twice).
 */
final class LstmVectors {
    /** One window: its raw history, the normalization constants, the model's input and PyTorch's outputs. */
    record Case(
        String name, double[] rawWindow, double mu, double s, float[] input, float[] output, float[] outputSingle,
        double[] forecast) {
    }

    private LstmVectors() {
    }

    /** The 10 cases, in file order. */
    static List<Case> load() {
        final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        try (InputStream in = LstmVectors.class.getResourceAsStream("vectors.json")) {
            if (in == null) {
                throw new IllegalStateException("vectors.json not on the test classpath");
            }
            final JsonNode root = mapper.readTree(in);
            final List<Case> cases = new ArrayList<>();
            for (final JsonNode c : root.get("cases")) {
                cases.add(new Case(
                    c.get("name").asText(),
                    doubles(c.get("raw_window")),
                    Double.parseDouble(c.get("mu").asText()),
                    Double.parseDouble(c.get("s").asText()),
                    floats(c.get("input")),
                    floats(c.get("output")),
                    floats(c.get("output_single")),
                    doubles(c.get("forecast"))));
            }
            return cases;
        } catch (final IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static float[] floats(final JsonNode array) {
        final float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Float.parseFloat(array.get(i).asText());
        }
        return values;
    }

    private static double[] doubles(final JsonNode array) {
        final double[] values = new double[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Double.parseDouble(array.get(i).asText());
        }
        return values;
    }
}
