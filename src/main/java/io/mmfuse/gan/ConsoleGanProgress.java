package io.mmfuse.gan;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A progress bar over the steps with D and G losses, KL, the matching term when on, the mean D
 * logits of real, fake and mismatched pairs, and examples/s; on stderr by default.
 */
public final class ConsoleGanProgress implements GanProgressSink {
    private static final int LOG_LINE_LENGTH = 200;

    private final PrintStream out;
    private ProgressBar bar;

    public ConsoleGanProgress() {
        this(System.err);
    }

    public ConsoleGanProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void started(long firstStep, long maxSteps) {
        close();
        bar = new ProgressBarBuilder()
                .setTaskName("gan")
                .setInitialMax(maxSteps)
                .startsFrom(firstStep, java.time.Duration.ZERO)
                .setUpdateIntervalMillis(500)
                .setConsumer(System.console() == null
                        // Not a terminal (a log file, a pipe): the bar would assume 80 columns and cut
                        // off the matching term, D's logits and examples/s.
                        ? new ConsoleProgressBarConsumer(out, LOG_LINE_LENGTH)
                        : new ConsoleProgressBarConsumer(out))
                .build();
    }

    @Override
    public void step(Step s) {
        if (bar == null) {
            return;
        }
        bar.setExtraMessage(format(s));
        bar.stepTo(s.step());
    }

    static String format(Step s) {
        // compact: the bar cuts its message at the terminal width
        StringBuilder m = new StringBuilder(String.format(Locale.ROOT, "D %.3f G %.3f KL %.3f", s.dLoss(), s.gLoss(), s.kl()));
        if (!Double.isNaN(s.matching())) {
            m.append(String.format(Locale.ROOT, " M %.3f", s.matching()));
        }
        m.append(String.format(Locale.ROOT, " real/fake %.2f/%.2f", s.dReal(), s.dFake()));
        if (!Double.isNaN(s.dWrong())) {
            m.append(String.format(Locale.ROOT, "/wrong %.2f", s.dWrong()));
        }
        m.append(String.format(Locale.ROOT, " %.0f ex/s", s.examplesPerSecond()));
        return m.toString();
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
