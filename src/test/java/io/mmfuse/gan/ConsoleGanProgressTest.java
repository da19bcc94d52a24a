package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConsoleGanProgressTest {
    @Test
    void aRedirectedLogKeepsEveryValueOfTheLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ConsoleGanProgress progress = new ConsoleGanProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
            progress.started(0, 1_000_000);
            progress.step(new GanProgressSink.Step(6702, 1_000_000, 0.876, 1.06, 0.32, 2.345, 0.51, -0.42, -0.37, 246.0));
        }
        String log = bytes.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("M 2.345").contains("/wrong -0.37").contains("246 ex/s");
    }
}
