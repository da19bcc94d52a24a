package io.mmfuse.caption;

/**
 * Receives captioner training progress, from the trainer's thread after every step; must be cheap.
 * {@link #NONE} keeps tests quiet; {@link ConsoleCaptionProgress} draws a bar on stderr.
 */
public interface CaptionProgress extends AutoCloseable {
    /** Snapshot after one optimizer step. */
    record Step(int epoch, int epochs, int step, int steps, double loss, double examplesPerSecond) {
    }

    void epochStarted(int epoch, int epochs, int steps);

    void step(Step step);

    void epochFinished(CaptionEpochStats stats);

    @Override
    default void close() {
    }

    CaptionProgress NONE = new CaptionProgress() {
        @Override
        public void epochStarted(int epoch, int epochs, int steps) {
        }

        @Override
        public void step(Step step) {
        }

        @Override
        public void epochFinished(CaptionEpochStats stats) {
        }
    };
}
