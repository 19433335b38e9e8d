package io.presplit.storage.log;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The named float64 fields every point of a store carries, in record order: value {@code i} of a record is field
 * {@code i} (see {@link SegmentDescriptor}). Chosen when a store is created and recorded in its format file (spec
 * 005); a store refuses to open with another schema. A store from before multi-field points has one field,
 * {@value #DEFAULT_FIELD_NAME}.
 * <p>
 * Names: 1 to {@link #MAX_NAME_LENGTH_BYTES} UTF-8 bytes, no control characters, unique; at most
 * {@link SegmentDescriptor#MAX_FIELD_COUNT} fields. Callers resolve a name to its index once
 * ({@link #indexOf}) and use the index on hot paths.
 *
 * @param names the field names, in record order (copied).
 */
public record FieldSchema(List<String> names) {
    /** The name of the only field of a one-field store (and of every store from before multi-field points). */
    public static final String DEFAULT_FIELD_NAME = "value";
    /** Longest field name, in UTF-8 bytes. */
    public static final int MAX_NAME_LENGTH_BYTES = 128;
    /** One field named {@value #DEFAULT_FIELD_NAME}: the default schema. */
    public static final FieldSchema SINGLE = of(DEFAULT_FIELD_NAME);

    /**
     * Checks and copies the names.
     *
     * @throws IllegalArgumentException naming the offending name: none or too many, empty, too long, a control
     *                                  character, a duplicate.
     */
    public FieldSchema {
        Objects.requireNonNull(names, "names");
        names = List.copyOf(names);
        if (names.isEmpty() || names.size() > SegmentDescriptor.MAX_FIELD_COUNT) {
            throw new IllegalArgumentException("invalid number of fields [fieldCount=" + names.size()
                + ", min=1, max=" + SegmentDescriptor.MAX_FIELD_COUNT + "]");
        }
        final Set<String> seen = new HashSet<>();
        for (final String name : names) {
            final int lengthBytes = name.getBytes(StandardCharsets.UTF_8).length;
            if (lengthBytes == 0 || lengthBytes > MAX_NAME_LENGTH_BYTES) {
                throw new IllegalArgumentException("invalid field name length [field=" + name + ", lengthBytes="
                    + lengthBytes + ", min=1, max=" + MAX_NAME_LENGTH_BYTES + "]");
            }
            for (int i = 0; i < name.length(); i++) {
                if (Character.isISOControl(name.charAt(i))) {
                    throw new IllegalArgumentException("field name holds a control character [field="
                        + name.replaceAll("\\p{Cntrl}", "?") + ", index=" + i + "]");
                }
            }
            if (!seen.add(name)) {
                throw new IllegalArgumentException("duplicate field name [field=" + name + ", fields=" + names
                    + "]");
            }
        }
    }

    /** A schema of these names, in this order. */
    public static FieldSchema of(final String... names) {
        return new FieldSchema(List.of(names));
    }

    /** Number of fields: values per record. */
    public int count() {
        return names.size();
    }

    /** The name of field {@code index}. */
    public String name(final int index) {
        return names.get(index);
    }

    /**
     * The index of the field called {@code name}. Cold path: resolve once, then use the index.
     *
     * @throws IllegalArgumentException when no field has that name; the message names it and the known fields.
     */
    public int indexOf(final String name) {
        final int index = names.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException("unknown field [field=" + name + ", fields=" + names + "]");
        }
        return index;
    }

    /**
     * Checks a field index.
     *
     * @throws IllegalArgumentException when it is not in {@code [0, count())}.
     */
    public int checkIndex(final int index) {
        if (index < 0 || index >= names.size()) {
            throw new IllegalArgumentException("field index out of range [fieldIndex=" + index + ", fields="
                + names + "]");
        }
        return index;
    }

    @Override
    public String toString() {
        return names.toString();
    }
}
