package io.presplit;

/**
 * A domain failure: something the system could not do, with a category that says how bad it is and a code
 * that says what it was. Storage failures carry the operating-system error as the cause.
 */
public final class PresplitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** How bad a failure is. */
    public enum Category {
        /** The process cannot go on safely. */
        FATAL,
        /** The operation failed; the system goes on. */
        ERROR,
        /** Degraded but handled. */
        WARN
    }

    private final Category category;
    private final String code;

    /**
     * @param category how bad it is.
     * @param code     a stable identifier, e.g. {@code SEGMENT_FULL}.
     * @param message  {@code what [key=value, ...]}.
     */
    public PresplitException(final Category category, final String code, final String message) {
        super(code + ": " + message);
        this.category = category;
        this.code = code;
    }

    /** Same, with the underlying cause (for instance an {@link java.io.IOException}). */
    public PresplitException(final Category category, final String code, final String message, final Throwable cause) {
        super(code + ": " + message, cause);
        this.category = category;
        this.code = code;
    }

    /** How bad the failure is. */
    public Category category() {
        return category;
    }

    /** The stable identifier of the failure. */
    public String code() {
        return code;
    }
}
