package io.mmfuse.train;

import io.mmfuse.eval.RetrievalReport;
import java.time.Duration;

/**
 * What one epoch did. Loss terms are means over the epoch's steps; reconstruction terms are NaN
 * when reconstruction is off; validation is null when the epoch was not validated.
 *
 * @param epoch 1-based
 * @param steps optimizer steps taken
 * @param examples captions seen
 * @param loss mean total loss
 * @param alignment mean alignment term (seed or contrastive)
 * @param imageReconstruction mean image MSE, NaN if off
 * @param textReconstruction mean bag-of-words MSE, NaN if off
 * @param logitScale learned 1/temperature at the end of the epoch
 * @param examplesPerSecond training throughput (steps only, validation excluded)
 * @param trainingTime wall time of the steps
 * @param validation retrieval on the validation data, or null
 */
public record EpochStats(int epoch, int steps, long examples, double loss, double alignment,
                         double imageReconstruction, double textReconstruction, double logitScale,
                         double examplesPerSecond, Duration trainingTime, RetrievalReport validation) {
}
