package io.mmfuse.caption;

import java.time.Duration;
import java.util.List;

/**
 * Outcome of {@link CaptionerTrainer#train}.
 *
 * @param bestEpoch the epoch whose weights the decoder holds now (lowest validation loss; the last
 *     epoch without validation data)
 * @param bestValidationLoss its validation loss, NaN without validation data
 * @param outOfTime the time budget ended the run before the last epoch
 * @param stoppedEarly the validation loss stopped improving ({@link CaptionTrainConfig#patience()})
 *     and the run ended before the last epoch
 */
public record CaptionTrainResult(List<CaptionEpochStats> history, int bestEpoch, double bestValidationLoss,
        Duration totalTime, boolean outOfTime,
        boolean stoppedEarly) {
    public CaptionTrainResult {
        history = List.copyOf(history);
    }

    public CaptionEpochStats last() {
        return history.get(history.size() - 1);
    }
}
