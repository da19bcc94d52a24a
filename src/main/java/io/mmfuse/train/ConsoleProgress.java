package io.mmfuse.train;

import io.mmfuse.eval.RetrievalReport;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A progress bar per epoch (step x/y, loss terms, examples/s, ETA from the bar's rate) and one
 * summary line per finished epoch, on the given stream (stderr by default, so stdout stays
 * parseable).
 */
public final class ConsoleProgress implements ProgressSink {
    private final PrintStream out;
    private ProgressBar bar;

    public ConsoleProgress() {
        this(System.err);
    }

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void epochStarted(int epoch, int epochs, int steps) {
        closeBar();
        bar = new ProgressBarBuilder()
                .setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs))
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
        StringBuilder msg = new StringBuilder(String.format(Locale.ROOT, "loss %.4f align %.4f", s.loss(), s.alignment()));
        if (!Double.isNaN(s.imageReconstruction())) {
            msg.append(String.format(Locale.ROOT, " img %.4f txt %.5f", s.imageReconstruction(), s.textReconstruction()));
        }
        msg.append(String.format(Locale.ROOT, " %.0f ex/s", s.examplesPerSecond()));
        bar.setExtraMessage(msg.toString());
        bar.stepTo(s.step());
    }

    @Override
    public void epochFinished(EpochStats e) {
        closeBar();
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "epoch %d: loss %.4f (align %.4f) scale %.1f, %.0f ex/s", e.epoch(), e.loss(), e.alignment(),
                e.logitScale(), e.examplesPerSecond()));
        RetrievalReport v = e.validation();
        if (v != null) {
            line.append(String.format(Locale.ROOT, " | val t2i R@1/5/10 %.3f/%.3f/%.3f i2t %.3f/%.3f/%.3f",
                    v.textToImage().recallAt1(), v.textToImage().recallAt5(), v.textToImage().recallAt10(),
                    v.imageToText().recallAt1(), v.imageToText().recallAt5(), v.imageToText().recallAt10()));
        }
        out.println(line);
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
