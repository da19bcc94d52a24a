package io.mmfuse.eval.generation;

import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** Where {@link AttributeClassifierTrainer} reports progress: {@link #NONE}, or {@link #console()} on stderr. */
public interface ClassifierProgress extends AutoCloseable {
    void epochStarted(int epoch, int epochs, int steps);

    void step(int step, double loss, double examplesPerSecond);

    void epochFinished(int epoch, double meanLoss, double examplesPerSecond);

    @Override
    default void close() {
    }

    ClassifierProgress NONE = new ClassifierProgress() {
        @Override
        public void epochStarted(int epoch, int epochs, int steps) {
        }

        @Override
        public void step(int step, double loss, double examplesPerSecond) {
        }

        @Override
        public void epochFinished(int epoch, double meanLoss, double examplesPerSecond) {
        }
    };

    /** A progress bar per epoch (loss, images/s) and one line per finished epoch, on stderr. */
    static ClassifierProgress console() {
        return console(System.err);
    }

    static ClassifierProgress console(PrintStream out) {
        return new ClassifierProgress() {
            private ProgressBar bar;

            @Override
            public void epochStarted(int epoch, int epochs, int steps) {
                closeBar();
                bar = new ProgressBarBuilder()
                        .setTaskName(String.format(Locale.ROOT, "classifier epoch %d/%d", epoch, epochs))
                        .setInitialMax(steps)
                        .setUpdateIntervalMillis(500)
                        .setConsumer(new ConsoleProgressBarConsumer(out))
                        .build();
            }

            @Override
            public void step(int step, double loss, double examplesPerSecond) {
                if (bar != null) {
                    bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f %.0f img/s", loss, examplesPerSecond));
                    bar.stepTo(step);
                }
            }

            @Override
            public void epochFinished(int epoch, double meanLoss, double examplesPerSecond) {
                closeBar();
                out.println(String.format(Locale.ROOT, "classifier epoch %d: loss %.4f, %.0f img/s",
                        epoch, meanLoss, examplesPerSecond));
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
        };
    }
}
