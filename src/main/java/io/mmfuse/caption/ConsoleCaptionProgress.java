package io.mmfuse.caption;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** A progress bar per epoch (loss, examples/s) and one summary line per epoch, on stderr by default. */
public final class ConsoleCaptionProgress implements CaptionProgress {
    private final PrintStream out;
    private ProgressBar bar;

    public ConsoleCaptionProgress() {
        this(System.err);
    }

    public ConsoleCaptionProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void epochStarted(int epoch, int epochs, int steps) {
        closeBar();
        bar = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "captioner %d/%d", epoch, epochs))
                .setInitialMax(steps)
                .setUpdateIntervalMillis(500)
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build();
    }

    @Override
    public void step(Step s) {
        if (bar == null) {
            return;
        }
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f %.0f ex/s", s.loss(), s.examplesPerSecond()));
        bar.stepTo(s.step());
    }

    @Override
    public void epochFinished(CaptionEpochStats e) {
        closeBar();
        String val = Double.isNaN(e.validationLoss()) ? ""
                : String.format(Locale.ROOT, ", val loss %.4f (ppl %.1f)", e.validationLoss(), Math.exp(e.validationLoss()));
        out.println(String.format(Locale.ROOT, "captioner epoch %d: loss %.4f%s, %.0f ex/s", e.epoch(), e.loss(), val,
                e.examplesPerSecond()));
    }

    @Override
    public void close() {
        closeBar();
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
