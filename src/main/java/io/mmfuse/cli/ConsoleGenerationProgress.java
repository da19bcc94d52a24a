package io.mmfuse.cli;

import io.mmfuse.gan.GenerationProgress;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** A progress bar on stderr over a generate call's units of work (chunks of images, ranking passes, refinement steps). */
final class ConsoleGenerationProgress implements GenerationProgress, AutoCloseable {
    private final PrintStream out;
    private ProgressBar bar;

    ConsoleGenerationProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void advanced(long done, long total) {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName("generate").setInitialMax(total).setUpdateIntervalMillis(500)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }
        bar.stepTo(done);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
