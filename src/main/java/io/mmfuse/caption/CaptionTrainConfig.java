package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;
import java.time.Duration;

/**
 * How to train a {@link CaptionDecoder}. Immutable; start from {@link #defaults()} and use
 * {@link #toBuilder()}.
 *
 * @param epochs passes over the training captions (every caption of every image, so five per
 *     image on Flickr8k)
 * @param batchSize captions per optimizer step
 * @param learningRate AdamW learning rate
 * @param weightDecay AdamW decoupled weight decay on weight matrices and the embedding table only
 * @param gradientClip clip the global gradient norm to this value (recurrent nets occasionally
 *     produce gradient spikes); 0 = off
 * @param seed seeds LibTorch (initialisation, dropout) and the Java RNG (shuffling); same seed and
 *     thread count = same run on the CPU
 * @param timeBudget stop after this much wall time (checked after every step; the partial epoch is
 *     still validated), null = no limit
 * @param threads LibTorch intra-op threads
 * @param patience stop after this many epochs in a row without a lower validation loss (0 = never;
 *     ignored without validation data). On Flickr8k the validation loss bottoms out after about
 *     four epochs and then climbs while the training loss keeps falling, so longer runs only
 *     spend time
 */
public record CaptionTrainConfig(int epochs, int batchSize, double learningRate, double weightDecay,
        double gradientClip, long seed, Duration timeBudget, int threads, int patience) {
    public CaptionTrainConfig {
        if (epochs <= 0) {
            throw new InvalidInputException("epochs", "must be > 0, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new InvalidInputException("batchSize", "must be > 0, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new InvalidInputException("learningRate", "must be finite and > 0, got " + learningRate);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InvalidInputException("weightDecay", "must be finite and >= 0, got " + weightDecay);
        }
        if (!(gradientClip >= 0) || Double.isInfinite(gradientClip)) {
            throw new InvalidInputException("gradientClip", "must be finite and >= 0, got " + gradientClip);
        }
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new InvalidInputException("timeBudget", "must be positive, got " + timeBudget);
        }
        if (threads <= 0) {
            throw new InvalidInputException("threads", "must be > 0, got " + threads);
        }
        if (patience < 0) {
            throw new InvalidInputException("patience", "must be >= 0, got " + patience);
        }
    }

    /**
     * 20 epochs, batch 128, lr 2e-3, weight decay 1e-4, clip 5, seed 42, no time limit, all cores,
     * patience 3.
     */
    public static CaptionTrainConfig defaults() {
        return new CaptionTrainConfig(20, 128, 2e-3, 1e-4, 5.0, 42L, null,
                Math.max(1, Runtime.getRuntime().availableProcessors()), 3);
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
        private double gradientClip;
        private long seed;
        private Duration timeBudget;
        private int threads;
        private int patience;

        private Builder(CaptionTrainConfig c) {
            epochs = c.epochs;
            batchSize = c.batchSize;
            learningRate = c.learningRate;
            weightDecay = c.weightDecay;
            gradientClip = c.gradientClip;
            seed = c.seed;
            timeBudget = c.timeBudget;
            threads = c.threads;
            patience = c.patience;
        }

        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(double v) { learningRate = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder gradientClip(double v) { gradientClip = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder timeBudget(Duration v) { timeBudget = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder patience(int v) { patience = v; return this; }

        public CaptionTrainConfig build() {
            return new CaptionTrainConfig(epochs, batchSize, learningRate, weightDecay, gradientClip, seed, timeBudget,
                    threads, patience);
        }
    }
}
