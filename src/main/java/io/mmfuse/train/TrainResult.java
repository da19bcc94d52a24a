package io.mmfuse.train;

import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.model.DeviceChoice;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of {@link Trainer#train}. After training the model holds the weights of
 * {@code bestEpoch}.
 *
 * @param history one entry per epoch run (the last may be partial if the time budget hit)
 * @param bestEpoch 1-based epoch whose weights the model now holds: the best validated epoch by
 *     mean recall, or the last epoch when nothing was validated
 * @param bestValidation validation report of bestEpoch, null if none
 * @param totalTime wall time of the whole call, validation included
 * @param stoppedByTimeBudget true if the time budget ended training early
 * @param device where it ran
 */
public record TrainResult(List<EpochStats> history, int bestEpoch, RetrievalReport bestValidation,
                          Duration totalTime, boolean stoppedByTimeBudget, DeviceChoice device) {
    public TrainResult {
        history = List.copyOf(history);
    }

    public EpochStats last() {
        return history.get(history.size() - 1);
    }
}
