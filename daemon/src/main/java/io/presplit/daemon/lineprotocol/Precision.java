package io.presplit.daemon.lineprotocol;

/** The unit of line-protocol timestamps: InfluxDB's {@code precision} query parameter. */
public enum Precision {
    /** Nanoseconds (InfluxDB's default). */
    NANOSECONDS("ns", 1L),
    /** Microseconds. */
    MICROSECONDS("us", 1_000L),
    /** Milliseconds. */
    MILLISECONDS("ms", 1_000_000L),
    /** Seconds. */
    SECONDS("s", 1_000_000_000L);

    private final String label;
    private final long nanosPerUnit;

    Precision(final String label, final long nanosPerUnit) {
        this.label = label;
        this.nanosPerUnit = nanosPerUnit;
    }

    /** The query-parameter spelling: {@code ns}, {@code us}, {@code ms} or {@code s}. */
    public String label() {
        return label;
    }

    /** Nanoseconds in one unit. */
    public long nanosPerUnit() {
        return nanosPerUnit;
    }

    /**
     * The precision spelled {@code label}; {@code null} or empty means nanoseconds. InfluxDB 1.x's {@code n},
     * {@code u} and {@code µ} spellings are accepted too.
     *
     * @return the precision, or {@code null} when {@code label} names none.
     */
    public static Precision byLabel(final String label) {
        if (label == null || label.isEmpty()) {
            return NANOSECONDS;
        }
        return switch (label) {
            case "ns", "n" -> NANOSECONDS;
            case "us", "u", "µ" -> MICROSECONDS;
            case "ms" -> MILLISECONDS;
            case "s" -> SECONDS;
            default -> null;
        };
    }
}
