package io.mmfuse.cli;

import io.mmfuse.train.TrainConfig;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Optimisation options shared by the training commands. */
final class TrainOptions {
    @Option(names = "--epochs", description = "Maximum passes over the training captions (default: ${DEFAULT-VALUE}).", defaultValue = "30")
    int epochs;

    @Option(names = "--minutes", description = "Time budget for training; stops after the epoch step that crosses it.")
    Double minutes;

    @Option(names = "--batch-size", defaultValue = "128", description = "Captions per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "LibTorch intra-op threads (default: all cores).")
    Integer threads;

    @Option(names = "--cosine-lr", description = "Decay the learning rate along a half cosine over the run (default: constant).")
    boolean cosineLr;

    @Option(names = "--no-augment", description = "Turn off random flips and shifts of training images.")
    boolean noAugment;

    @Option(names = "--order-negatives", description = "Add a word-order hard negative per caption (its last two noun phrases swapped) to the contrastive loss, so that word order counts (\"a red circle above a blue square\").")
    boolean orderNegatives;

    @Option(names = "--degrade", defaultValue = "0", description = "Share of training images shown degraded (a 2x2 low-pass or Gaussian noise), so that the image tower reads outlines rather than pixel-exact edges: for a model that scores a GAN's images (train-gan --matching-weight) (default: ${DEFAULT-VALUE}).")
    double degrade;

    TrainConfig toConfig() {
        TrainConfig.Builder b = TrainConfig.builder().epochs(epochs).batchSize(batchSize).learningRate(learningRate)
                .seed(seed).augment(!noAugment).cosineDecay(cosineLr)
                .orderNegatives(orderNegatives).degradeRate(degrade);
        if (minutes != null) {
            b.timeBudget(Duration.ofMillis(Math.round(minutes * 60_000)));
        }
        if (threads != null) {
            b.threads(threads);
        }
        return b.build();
    }
}
