package io.mmfuse.gan;

/**
 * Receives GAN training progress after every step, from the trainer's thread; implementations
 * must be cheap. {@link #NONE} keeps tests and services quiet; {@link ConsoleGanProgress} draws a
 * progress bar on stderr.
 */
public interface GanProgressSink extends AutoCloseable {
    /**
     * One step's numbers.
     *
     * @param step steps done so far, counting those before a resume
     * @param maxSteps the step the run stops at (unless the time budget ends it first)
     * @param dLoss discriminator loss
     * @param gLoss generator loss (adversarial + weighted KL + weighted matching)
     * @param kl conditioning-augmentation KL term (unweighted)
     * @param matching matching term (unweighted), NaN when off
     * @param dReal mean D logit of real images with their captions
     * @param dFake mean D logit of generated images
     * @param dWrong mean D logit of real images with mismatched captions, NaN for an unconditional D
     * @param examplesPerSecond captions per second over this run so far
     */
    record Step(long step, long maxSteps, double dLoss, double gLoss, double kl, double matching, double dReal,
                double dFake, double dWrong, double examplesPerSecond) {
    }

    /** Called once before the first step; {@code firstStep} is above 0 when resuming. */
    void started(long firstStep, long maxSteps);

    void step(Step step);

    @Override
    default void close() {
    }

    GanProgressSink NONE = new GanProgressSink() {
        @Override
        public void started(long firstStep, long maxSteps) {
        }

        @Override
        public void step(Step step) {
        }
    };
}
