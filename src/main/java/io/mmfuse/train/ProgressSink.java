package io.mmfuse.train;

/**
 * Receives training progress. The trainer calls it from its own thread; implementations must be
 * cheap (it is called after every step). {@link #NONE} keeps tests and services quiet;
 * {@link ConsoleProgress} draws a progress bar on stderr.
 */
public interface ProgressSink extends AutoCloseable {
    /** Snapshot after one optimizer step. Reconstruction terms are NaN when off. */
    record Step(int epoch, int epochs, int step, int steps, double loss, double alignment,
                double imageReconstruction, double textReconstruction, double examplesPerSecond) {
    }

    void epochStarted(int epoch, int epochs, int steps);

    void step(Step step);

    void epochFinished(EpochStats stats);

    @Override
    default void close() {
    }

    ProgressSink NONE = new ProgressSink() {
        @Override
        public void epochStarted(int epoch, int epochs, int steps) {
        }

        @Override
        public void step(Step step) {
        }

        @Override
        public void epochFinished(EpochStats stats) {
        }
    };
}
