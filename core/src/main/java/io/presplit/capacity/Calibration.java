package io.presplit.capacity;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What a calibration run measured on a machine's real store, and how the planner turns it into capacity.
 * <p>
 * {@code ingestPointsPerSecond} is the highest offered rate at which one partition's writes met the ingest-latency
 * SLO (p99 of the latency from each write's scheduled time, so that a stall counts for every write it delays);
 * {@code scanPointsPerSecond} is the rate at which a scan reads points back. The plan keeps a headroom: capacity is
 * {@code headroom} times the calibrated rate, because the calibrated rate is the edge of the SLO, not a place to
 * run.
 *
 * @param ingestPointsPerSecond highest rate meeting the SLO, one partition.
 * @param scanPointsPerSecond   scan rate, points per second.
 * @param sloP99Micros          the ingest-latency SLO the rate was measured against (p99, microseconds).
 * @param measuredOn            where and when (host, JDK, date), for the record.
 */
public record Calibration(
    double ingestPointsPerSecond, double scanPointsPerSecond, double sloP99Micros, String measuredOn) {

    /** Checks the figures. */
    public Calibration {
        if (!(ingestPointsPerSecond > 0) || !(scanPointsPerSecond > 0) || !(sloP99Micros > 0)) {
            throw new IllegalArgumentException("calibration figures must be positive [ingestPointsPerSecond="
                + ingestPointsPerSecond + ", scanPointsPerSecond=" + scanPointsPerSecond + ", sloP99Micros="
                + sloP99Micros + "]");
        }
    }

    /**
     * The capacity plan for ticks of {@code tickNs}: {@code headroom} of the calibrated ingest rate.
     *
     * @param headroom share of the calibrated rate to plan with, in (0, 1].
     */
    public CapacityPlan plan(final long tickNs, final double headroom) {
        if (!(headroom > 0 && headroom <= 1)) {
            throw new IllegalArgumentException("headroom must lie in (0, 1] [headroom=" + headroom + "]");
        }
        return CapacityPlan.fromRate(ingestPointsPerSecond * headroom, tickNs);
    }

    /** Writes the figures as a properties file. */
    public void write(final Path file) throws IOException {
        final Properties properties = new Properties();
        properties.setProperty("ingestPointsPerSecond", Double.toString(ingestPointsPerSecond));
        properties.setProperty("scanPointsPerSecond", Double.toString(scanPointsPerSecond));
        properties.setProperty("sloP99Micros", Double.toString(sloP99Micros));
        properties.setProperty("measuredOn", measuredOn);
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(writer, "presplit calibrate: capacity of one partition on this machine");
        }
    }

    /**
     * Reads figures written by {@link #write}.
     *
     * @throws IllegalArgumentException naming the file and the missing or bad figure.
     */
    public static Calibration read(final Path file) throws IOException {
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return new Calibration(number(properties, "ingestPointsPerSecond", file),
            number(properties, "scanPointsPerSecond", file), number(properties, "sloP99Micros", file),
            properties.getProperty("measuredOn", ""));
    }

    private static double number(final Properties properties, final String name, final Path file) {
        final String text = properties.getProperty(name);
        if (text == null) {
            throw new IllegalArgumentException("calibration figure missing [file=" + file + ", figure=" + name + "]");
        }
        try {
            return Double.parseDouble(text);
        } catch (final NumberFormatException ex) {
            throw new IllegalArgumentException("calibration figure is not a number [file=" + file + ", figure="
                + name + ", value=" + text + "]", ex);
        }
    }
}
