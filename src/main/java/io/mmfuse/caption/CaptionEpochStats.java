package io.mmfuse.caption;

import java.time.Duration;

/**
 * What one captioner epoch did.
 *
 * @param epoch 1-based
 * @param steps optimizer steps taken
 * @param examples captions seen
 * @param loss mean teacher-forced cross-entropy per target token over the epoch's steps
 * @param validationLoss the same on the validation captions after the epoch (eval mode), NaN when
 *     there is no validation data
 * @param examplesPerSecond training throughput (steps only)
 * @param trainingTime wall time of the steps
 */
public record CaptionEpochStats(int epoch, int steps, long examples, double loss, double validationLoss,
        double examplesPerSecond, Duration trainingTime) {
}
