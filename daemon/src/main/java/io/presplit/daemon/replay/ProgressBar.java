package io.presplit.daemon.replay;

import io.presplit.daemon.Engine;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for one replay, redrawn in place at each whole percent of the trace's ticks. Drawn only
 * on an interactive terminal: redirected output (logs, CI, JSON runs) gets the one line per finished replay that
 * {@link PolicyComparison} prints, not a stream of carriage returns. Replay thread only.
 */
final class ProgressBar implements TraceReplay.TickObserver {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final int ticks;
    private int shownPercent = -1;

    /**
     * @param out   where the bar goes.
     * @param label what is replaying (policy and threshold).
     * @param ticks the trace's tick count.
     */
    ProgressBar(final PrintStream out, final String label, final int ticks) {
        this.out = out;
        this.label = label;
        this.ticks = ticks;
    }

    /** Whether this process writes to an interactive terminal, where a bar redrawn in place is readable. */
    static boolean isTerminal() {
        final java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void onTick(final int tick, final Engine engine) {
        final int percent = (int) (100L * (tick + 1) / ticks);
        if (percent != shownPercent) {
            shownPercent = percent;
            out.print(line(percent));
            out.flush();
        }
    }

    /** Erases the bar, so that the next line starts clean. */
    void clear() {
        if (shownPercent >= 0) {
            out.print("\r" + " ".repeat(line(100).length()) + "\r");
            out.flush();
        }
    }

    /** The bar at {@code percent}, starting with a carriage return. */
    String line(final int percent) {
        final int filled = percent * WIDTH / 100;
        return String.format(Locale.ROOT, "\r  %s [%s%s] %3d%%", label, "#".repeat(filled),
            ".".repeat(WIDTH - filled), percent);
    }
}
