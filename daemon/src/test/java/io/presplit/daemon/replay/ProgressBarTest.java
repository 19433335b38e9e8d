package io.presplit.daemon.replay;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

class ProgressBarTest {
    /** Guards long replays' feedback: the bar is redrawn once per whole percent, not once per tick, and erased. */
    @Test
    void shouldRedrawOncePerPercentAndEraseItself() {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "reactive", 400);

        for (int tick = 0; tick < 400; tick++) {
            bar.onTick(tick, null);
        }
        bar.clear();

        final String drawn = bytes.toString(StandardCharsets.UTF_8);
        assertThat(drawn.split("\r  reactive \\[", -1)).as("one redraw per percent, 0..100").hasSize(102);
        assertThat(drawn).contains("[" + "#".repeat(15) + ".".repeat(15) + "]  50%")
            .contains("[" + "#".repeat(30) + "] 100%").endsWith("\r");
    }
}
