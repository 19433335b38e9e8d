package io.presplit.daemon.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws replays as one SVG: a panel per policy, with the total measured load (grey area), the total the forecasts
 * predicted one tick ahead (green line), total capacity (blue steps: live partitions times capacity), saturated
 * partitions (red bars under the axis) and the splits (orange marks above) and merges (purple marks) committed.
 */
public final class ReplayChart {
    private static final int WIDTH = 1200;
    private static final int PANEL_HEIGHT = 220;
    private static final int MARGIN_LEFT = 70;
    private static final int MARGIN_RIGHT = 20;
    private static final int PANEL_GAP = 60;

    private ReplayChart() {
    }

    /** A labelled timeline. */
    public record Panel(String title, ReplayTimeline timeline) {
    }

    /** Writes the panels to {@code file} as SVG. */
    public static void write(final Path file, final String title, final List<Panel> panels) throws IOException {
        double max = 1;
        for (final Panel panel : panels) {
            final ReplayTimeline t = panel.timeline();
            for (int i = 0; i < t.ticks(); i++) {
                max = Math.max(max, Math.max(t.load(i), t.capacity(i)));
                if (!Double.isNaN(t.predicted(i))) {
                    max = Math.max(max, t.predicted(i));
                }
            }
        }
        final int height = 40 + panels.size() * (PANEL_HEIGHT + PANEL_GAP);
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
            + "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", WIDTH, height, MARGIN_LEFT, escape(title)));
        int top = 40;
        for (final Panel panel : panels) {
            drawPanel(svg, panel, top, max);
            top += PANEL_HEIGHT + PANEL_GAP;
        }
        svg.append("</svg>\n");
        Files.writeString(file, svg, StandardCharsets.UTF_8);
    }

    private static void drawPanel(final StringBuilder svg, final Panel panel, final int top, final double max) {
        final ReplayTimeline t = panel.timeline();
        final int ticks = t.ticks();
        final double plotWidth = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
        final double dx = plotWidth / Math.max(1, ticks - 1);
        final int bottom = top + PANEL_HEIGHT;
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>%n",
            MARGIN_LEFT, top - 6, escape(panel.title())));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>%n",
            MARGIN_LEFT, bottom, WIDTH - MARGIN_RIGHT, bottom));
        svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\">%.0f</text><text x=\"4\" y=\"%d\">0</text>%n",
            top + 10, max, bottom));
        final StringBuilder area = new StringBuilder();
        area.append(String.format(Locale.ROOT, "M%.1f,%d", (double) MARGIN_LEFT, bottom));
        final StringBuilder capacity = new StringBuilder();
        final StringBuilder predicted = new StringBuilder();
        for (int i = 0; i < ticks; i++) {
            final double x = MARGIN_LEFT + i * dx;
            area.append(String.format(Locale.ROOT, " L%.1f,%.1f", x, y(t.load(i), top, max)));
            capacity.append(String.format(Locale.ROOT, "%s%.1f,%.1f L%.1f,%.1f", i == 0 ? "M" : " L", x,
                y(t.capacity(i), top, max), x + dx, y(t.capacity(i), top, max)));
            if (!Double.isNaN(t.predicted(i))) {
                predicted.append(String.format(Locale.ROOT, "%s%.1f,%.1f", predicted.isEmpty() ? "M" : " L", x,
                    y(t.predicted(i), top, max)));
            }
            if (t.saturated(i) > 0) {
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                    + "fill=\"#d62728\"/>%n", x, bottom + 2, Math.max(1, dx), Math.min(20, 4 * t.saturated(i))));
            }
            if (t.splits(i) > 0) {
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"6\" "
                    + "fill=\"#ff7f0e\"/>%n", x, top - 2, Math.max(1.5, dx)));
            }
            if (t.merges(i) > 0) {
                svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"6\" "
                    + "fill=\"#9467bd\"/>%n", x, top + 5, Math.max(1.5, dx)));
            }
        }
        area.append(String.format(Locale.ROOT, " L%.1f,%d Z", MARGIN_LEFT + (ticks - 1) * dx, bottom));
        svg.append("<path d=\"").append(area).append("\" fill=\"#bbbbbb\"/>\n");
        svg.append("<path d=\"").append(capacity)
            .append("\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\"/>\n");
        if (!predicted.isEmpty()) {
            svg.append("<path d=\"").append(predicted)
                .append("\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"1\"/>\n");
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"#555\">grey: load, green: predicted, "
            + "blue: capacity, red: saturated partitions, orange/purple: splits/merges</text>%n", MARGIN_LEFT,
            bottom + 38));
    }

    private static double y(final double value, final int top, final double max) {
        return top + PANEL_HEIGHT * (1 - Math.min(value, max) / max);
    }

    private static String escape(final String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
