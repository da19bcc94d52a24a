package io.mmfuse.train;

import io.mmfuse.InvalidInputException;
import java.time.Duration;

/**
 * How to train. Immutable; start from {@link #defaults()} and use {@link #toBuilder()}.
 *
 * @param epochs passes over the training captions
 * @param batchSize captions (each with its image) per step
 * @param learningRate AdamW learning rate
 * @param weightDecay AdamW decoupled weight decay, applied to weight matrices and conv kernels
 *     only (not to biases, norm parameters or the temperature)
 * @param seed seeds LibTorch's generator (initialisation, dropout) and the Java RNG (shuffling,
 *     augmentation); same seed + same thread count = same run on the CPU
 * @param timeBudget stop after this much wall time (checked after every step; the partial
 *     epoch is still validated), null = no limit
 * @param augment random horizontal flips and shifts of up to S/16 pixels (edge-replicated)
 * @param threads LibTorch intra-op threads (the trainer also pins OpenBLAS to one thread, see
 *     {@link io.mmfuse.model.NativeThreads#blasThreads})
 * @param validateEveryEpoch evaluate on the validation data after every epoch (else only after
 *     the last); the best epoch by mean recall is kept
 * @param cosineDecay decay the learning rate along a half cosine to 1 % of its start over the run,
 *     whose length is the time budget or the epoch count, whichever ends first; validation recall
 *     on Flickr8k flattens after a few epochs at a constant rate while the training loss keeps
 *     falling, which is where a decaying rate helps
 * @param orderNegatives add one word-order hard negative per caption (its last two noun phrases
 *     swapped, see {@link CaptionEdits}) to the contrastive loss, so that the text tower learns
 *     "a red circle above a blue square" from "a blue square above a red circle"; contrastive
 *     objective only
 * @param degradeRate share of training images shown degraded ({@link ImageDegradation#degrade}: a 2x2
 *     low-pass or Gaussian noise), so that the image tower reads outlines rather than pixel-exact
 *     edges; for a model that will score a generator's images as a GAN's matching critic. 0 = off
 */
public record TrainConfig(int epochs, int batchSize, double learningRate, double weightDecay, long seed,
                          Duration timeBudget, boolean augment, int threads, boolean validateEveryEpoch,
                          boolean cosineDecay, boolean orderNegatives, double degradeRate) {
    public TrainConfig {
        if (epochs <= 0) {
            throw new InvalidInputException("epochs", "must be > 0, got " + epochs);
        }
        if (batchSize < 2) {
            throw new InvalidInputException("batchSize", "must be >= 2 (in-batch negatives), got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new InvalidInputException("learningRate", "must be finite and > 0, got " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InvalidInputException("weightDecay", "must be finite and >= 0, got " + weightDecay);
        }
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new InvalidInputException("timeBudget", "must be positive, got " + timeBudget);
        }
        if (threads <= 0) {
            throw new InvalidInputException("threads", "must be > 0, got " + threads);
        }
        if (!(degradeRate >= 0 && degradeRate <= 1)) {
            throw new InvalidInputException("degradeRate", "must be in [0, 1], got " + degradeRate);
        }
    }

    /**
     * 10 epochs, batch 128, constant lr 1e-3, weight decay 0.01, seed 42, augmentation on, all
     * cores. Cosine decay stays off by default: on Flickr8k a 20-minute cosine run did not beat the
     * 30-minute constant-rate run (bench/results/flickr8k-*.md).
     */
    public static TrainConfig defaults() {
        return new TrainConfig(10, 128, 1e-3, 0.01, 42L, null, true,
                Math.max(1, Runtime.getRuntime().availableProcessors()), true, false, false, 0);
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
        private boolean augment;
        private int threads;
        private boolean validateEveryEpoch;
        private boolean cosineDecay;
        private boolean orderNegatives;
        private double degradeRate;

        private Builder(TrainConfig c) {
            epochs = c.epochs;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            weightDecay = c.weightDecay;
            seed = c.seed;
            timeBudget = c.timeBudget;
            augment = c.augment;
            threads = c.threads;
            validateEveryEpoch = c.validateEveryEpoch;
            cosineDecay = c.cosineDecay;
            orderNegatives = c.orderNegatives;
            degradeRate = c.degradeRate;
        }

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder timeBudget(Duration v) { timeBudget = v; return this; }
        public Builder augment(boolean v) { augment = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder validateEveryEpoch(boolean v) { validateEveryEpoch = v; return this; }
        public Builder cosineDecay(boolean v) { cosineDecay = v; return this; }
        public Builder orderNegatives(boolean v) { orderNegatives = v; return this; }
        public Builder degradeRate(double v) { degradeRate = v; return this; }

        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, learningRate, weightDecay, seed, timeBudget, augment, threads,
                    validateEveryEpoch, cosineDecay, orderNegatives, degradeRate);
        }
    }
}
