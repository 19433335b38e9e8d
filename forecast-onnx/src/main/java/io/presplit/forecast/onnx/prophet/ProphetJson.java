package io.presplit.forecast.onnx.prophet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.presplit.PresplitException;
import io.presplit.PresplitException.Category;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads a fitted Prophet model from the JSON layout of Python Prophet's {@code serialize.model_to_json} (also what
 * the R fixture in {@code shared/fixtures/prophet} writes).
 * <p>
 * Fields read: {@code growth} ({@code linear} or {@code flat}), {@code start} (epoch seconds), {@code t_scale}
 * (seconds), {@code y_scale}, {@code scaling} and {@code y_min} (minmax scaling adds {@code y_min} to the trend as
 * Prophet's floor), {@code changepoints_t}, {@code seasonalities} ({@code [order, {name: {period, fourier_order,
 * prior_scale, mode, condition_name}}]}; the order is the feature-column order), {@code params} (row 0 of
 * {@code k, m, delta, beta, sigma_obs}: the MAP estimate, or the first sample of an MCMC fit) and, when present,
 * {@code train_component_cols}, a JSON string holding a pandas table, which is parsed a second time and checked
 * against the seasonalities' columns. Other keys are ignored.
 * <p>
 * Refused, each with a {@link PresplitException} (category ERROR) naming the source and the field:
 * {@link #UNSUPPORTED} for logistic growth, holidays, extra regressors, conditional seasonalities or no seasonality;
 * {@link #INVALID} for missing or malformed fields or sizes that disagree; {@link #MISSING} for no such file.
 * Cold path.
 */
public final class ProphetJson {
    /** Code of the failure: the file does not exist or cannot be read. */
    public static final String MISSING = "PROPHET_JSON_MISSING";
    /** Code of the failure: the JSON is malformed, a field is missing or sizes disagree. */
    public static final String INVALID = "PROPHET_JSON_INVALID";
    /** Code of the failure: the model uses a Prophet feature this importer does not evaluate. */
    public static final String UNSUPPORTED = "PROPHET_UNSUPPORTED";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ProphetJson() {
    }

    /** Reads {@code file}; see the class comment. */
    public static ProphetModel read(final Path file) {
        final String source = file.toAbsolutePath().toString();
        final String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (final NoSuchFileException ex) {
            throw new PresplitException(Category.ERROR, MISSING, "Prophet model file not found [source=" + source
                + "]", ex);
        } catch (final IOException ex) {
            throw new PresplitException(Category.ERROR, MISSING, "Prophet model file could not be read [source="
                + source + ", reason=" + ex.getMessage() + "]", ex);
        }
        return parse(source, text);
    }

    /**
     * Parses {@code json}; see the class comment.
     *
     * @param source what the text is, for error messages.
     */
    public static ProphetModel parse(final String source, final String json) {
        final JsonNode root = tree(source, "(model)", json);
        if (!root.isObject()) {
            throw invalid(source, "(model)", "not a JSON object");
        }
        final String growth = text(source, root, "growth");
        if ("logistic".equals(growth)) {
            throw unsupported(source, "growth", "logistic growth (capacities) is not supported");
        }
        if (!"linear".equals(growth) && !"flat".equals(growth)) {
            throw invalid(source, "growth", "unknown growth '" + growth + "'");
        }
        requireNone(source, root, "holidays", "holidays are not supported");
        requireNone(source, root, "country_holidays", "country holidays are not supported");
        if (hasContent(root.path("extra_regressors"))) {
            throw unsupported(source, "extra_regressors", "extra regressors are not supported");
        }
        final double start = number(source, root, "start");
        final double tScale = number(source, root, "t_scale");
        final double yScale = number(source, root, "y_scale");
        final boolean isMinMax = "minmax".equals(root.path("scaling").asText("absmax"));
        final double floor = isMinMax ? number(source, root, "y_min") : 0;
        final List<Seasonality> seasonalities = seasonalities(source, root);

        final JsonNode params = root.path("params");
        if (!params.isObject()) {
            throw invalid(source, "params", "missing or not an object");
        }
        final boolean isFlat = "flat".equals(growth);
        final double k = isFlat ? 0 : firstRow(source, params, "k")[0];
        final double m = firstRow(source, params, "m")[0];
        final double[] changepointsT = isFlat ? new double[0] : doubles(source, root.path("changepoints_t"),
            "changepoints_t");
        final double[] delta = isFlat ? new double[0] : firstRow(source, params, "delta");
        final double[] beta = firstRow(source, params, "beta");
        final double sigmaObs = params.has("sigma_obs") ? firstRow(source, params, "sigma_obs")[0] : 0;
        if (delta.length != changepointsT.length) {
            throw invalid(source, "params.delta", "has " + delta.length + " values for " + changepointsT.length
                + " changepoints");
        }
        int columns = 0;
        for (final Seasonality seasonality : seasonalities) {
            columns += seasonality.columns();
        }
        if (beta.length != columns) {
            throw invalid(source, "params.beta", "has " + beta.length + " values for " + columns
                + " seasonal feature columns");
        }
        checkComponentColumns(source, root, seasonalities, columns);
        try {
            return new ProphetModel(start, tScale, yScale, floor, k, m, delta, changepointsT, beta, sigmaObs,
                seasonalities);
        } catch (final IllegalArgumentException ex) {
            throw invalid(source, "(model)", ex.getMessage());
        }
    }

    private static List<Seasonality> seasonalities(final String source, final JsonNode root) {
        final JsonNode node = root.path("seasonalities");
        if (!node.isArray() || node.size() != 2 || !node.get(0).isArray() || !node.get(1).isObject()) {
            throw invalid(source, "seasonalities", "expected [order, {name: properties}]");
        }
        final List<Seasonality> out = new ArrayList<>();
        for (final JsonNode nameNode : node.get(0)) {
            final String name = nameNode.asText();
            final JsonNode properties = node.get(1).path(name);
            final String field = "seasonalities." + name;
            if (!properties.isObject()) {
                throw invalid(source, field, "listed in the order but not described");
            }
            if (!properties.path("condition_name").isMissingNode() && !properties.path("condition_name").isNull()) {
                throw unsupported(source, field, "conditional seasonalities are not supported");
            }
            final String mode = properties.path("mode").asText("additive").toLowerCase(Locale.ROOT);
            if (!"additive".equals(mode) && !"multiplicative".equals(mode)) {
                throw invalid(source, field + ".mode", "unknown mode '" + mode + "'");
            }
            try {
                out.add(new Seasonality(name, number(source, properties, "period"),
                    Math.toIntExact(Math.round(number(source, properties, "fourier_order"))),
                    properties.has("prior_scale") ? number(source, properties, "prior_scale") : 10.0,
                    "multiplicative".equals(mode)));
            } catch (final IllegalArgumentException | ArithmeticException ex) {
                throw invalid(source, field, ex.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw unsupported(source, "seasonalities", "a model without seasonality is not supported");
        }
        return out;
    }

    /**
     * {@code train_component_cols}: a pandas table (orient 'table') inside a JSON string, one row per feature
     * column; each seasonality's column must be 1 exactly on its own feature columns.
     */
    private static void checkComponentColumns(final String source, final JsonNode root,
        final List<Seasonality> seasonalities, final int columns) {
        final JsonNode outer = root.path("train_component_cols");
        if (outer.isMissingNode() || outer.isNull()) {
            return;
        }
        final JsonNode table = outer.isTextual() ? tree(source, "train_component_cols", outer.asText()) : outer;
        final JsonNode data = table.path("data");
        if (!data.isArray() || data.size() != columns) {
            throw invalid(source, "train_component_cols", "expected " + columns + " rows, found "
                + (data.isArray() ? data.size() : "none"));
        }
        int column = 0;
        for (final Seasonality seasonality : seasonalities) {
            for (int row = 0; row < columns; row++) {
                final boolean isOwn = row >= column && row < column + seasonality.columns();
                final JsonNode cell = data.get(row).path(seasonality.name());
                if (cell.isMissingNode() || (cell.asInt() == 1) != isOwn) {
                    throw invalid(source, "train_component_cols", "column " + seasonality.name()
                        + " does not match the seasonality order at feature row " + row);
                }
            }
            column += seasonality.columns();
        }
    }

    /** Whether a node holds anything but nulls and empty arrays or objects (Python writes {@code [[], {}]}). */
    private static boolean hasContent(final JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return false;
        }
        if (node.isContainerNode()) {
            for (final JsonNode child : node) {
                if (hasContent(child)) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }

    private static JsonNode tree(final String source, final String field, final String json) {
        try {
            return MAPPER.readTree(json);
        } catch (final JsonProcessingException ex) {
            throw invalid(source, field, "malformed JSON: " + ex.getOriginalMessage());
        }
    }

    private static void requireNone(final String source, final JsonNode root, final String field,
        final String reason) {
        final JsonNode node = root.path(field);
        if (!node.isMissingNode() && !node.isNull()) {
            throw unsupported(source, field, reason);
        }
    }

    private static String text(final String source, final JsonNode node, final String field) {
        final JsonNode value = node.path(field);
        if (!value.isTextual()) {
            throw invalid(source, field, "missing or not a string");
        }
        return value.asText();
    }

    private static double number(final String source, final JsonNode node, final String field) {
        final JsonNode value = node.path(field);
        if (!value.isNumber()) {
            throw invalid(source, field, "missing or not a number");
        }
        return value.asDouble();
    }

    /** Row 0 of a {@code params} entry: {@code [[v...]]} (Python, R) or a plain list {@code [v...]}. */
    private static double[] firstRow(final String source, final JsonNode params, final String name) {
        final JsonNode value = params.path(name);
        final String field = "params." + name;
        if (!value.isArray() || value.isEmpty()) {
            throw invalid(source, field, "missing or empty");
        }
        return value.get(0).isArray() ? doubles(source, value.get(0), field) : doubles(source, value, field);
    }

    private static double[] doubles(final String source, final JsonNode array, final String field) {
        if (!array.isArray()) {
            throw invalid(source, field, "missing or not an array");
        }
        final double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            if (!array.get(i).isNumber()) {
                throw invalid(source, field, "entry " + i + " is not a number");
            }
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static PresplitException invalid(final String source, final String field, final String reason) {
        return new PresplitException(Category.ERROR, INVALID, "Prophet model is invalid [source=" + source
            + ", field=" + field + ", reason=" + reason + "]");
    }

    private static PresplitException unsupported(final String source, final String field, final String reason) {
        return new PresplitException(Category.ERROR, UNSUPPORTED, "Prophet model uses an unsupported feature [source="
            + source + ", field=" + field + ", reason=" + reason + "]");
    }
}
