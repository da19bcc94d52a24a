package io.mmfuse.eval.generation;

import java.time.Duration;

/**
 * What one {@link AttributeClassifierTrainer#train} call did.
 *
 * @param epochs epochs started (the last may be partial when the time budget ran out)
 * @param steps optimizer steps
 * @param images training images seen, counting repeats
 * @param lastEpochLoss mean summed-head loss of the last epoch
 * @param imagesPerSecond training throughput over the whole call
 * @param outOfTime whether the time budget stopped training before the last epoch ended
 */
public record ClassifierTrainingSummary(int epochs, long steps, long images, double lastEpochLoss,
                                        double imagesPerSecond, Duration duration, boolean outOfTime) {
}
