package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;
import java.time.Duration;

/**
 * How {@link AttributeClassifierTrainer} trains. Immutable; start from {@link #defaults()} and use
 * {@link #toBuilder()}. There is deliberately no augmentation: flips and shifts would change the
 * very positions and regions the classifier must report.
 *
 * @param epochs passes over the training images
 * @param batchSize images per step
 * @param learningRate AdamW learning rate at the start
 * @param weightDecay AdamW decoupled weight decay on weight matrices and conv kernels only
 * @param seed seeds LibTorch (initialisation, dropout) and the Java RNG (shuffling); same seed
 *     and thread count, same run on the CPU
 * @param timeBudget stop after this much wall time (checked after every step), null = no limit
 * @param threads LibTorch intra-op threads
 * @param cosineDecay decay the learning rate along a half cosine to 1 % of its start over the
 *     run, whose length is the time budget or the epoch count, whichever ends first (with a
 *     time budget the schedule follows the clock, so such runs are not bit-for-bit repeatable)
 */
public record ClassifierTrainConfig(int epochs, int batchSize, double learningRate, double weightDecay, long seed,
                                    Duration timeBudget, int threads, boolean cosineDecay) {
    public ClassifierTrainConfig {
        if (epochs <= 0) {
            throw new InvalidInputException("epochs", "must be > 0, was " + epochs);
        }
        if (batchSize < 2) {
            throw new InvalidInputException("batchSize", "must be >= 2 (BatchNorm), was " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new InvalidInputException("learningRate", "must be finite and > 0, was " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InvalidInputException("weightDecay", "must be finite and >= 0, was " + weightDecay);
        }
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new InvalidInputException("timeBudget", "must be positive, was " + timeBudget);
        }
        if (threads <= 0) {
            throw new InvalidInputException("threads", "must be > 0, was " + threads);
        }
    }

    /** 30 epochs, batch 32, lr 2e-3 with cosine decay, weight decay 1e-4, seed 42, no time limit, all cores. */
    public static ClassifierTrainConfig defaults() {
        return new ClassifierTrainConfig(30, 32, 2e-3, 1e-4, 42L, null,
                Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    public static final class Builder {
        private int epochs;
        private int batchSize;
        private double learningRate;
        private double weightDecay;
        private long seed;
        private Duration timeBudget;
        private int threads;
        private boolean cosineDecay;

        private Builder(ClassifierTrainConfig c) {
            epochs = c.epochs;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            weightDecay = c.weightDecay;
            seed = c.seed;
            timeBudget = c.timeBudget;
            threads = c.threads;
            cosineDecay = c.cosineDecay;
        }

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder timeBudget(Duration v) { timeBudget = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder cosineDecay(boolean v) { cosineDecay = v; return this; }

        public ClassifierTrainConfig build() {
            return new ClassifierTrainConfig(epochs, batchSize, learningRate, weightDecay, seed, timeBudget, threads, cosineDecay);
        }
    }
}
