package io.mmfuse.gan;

import java.nio.file.Path;
import java.util.List;

/**
 * What a training run did.
 *
 * @param steps the step count reached (including steps before a resume)
 * @param stepsThisRun steps taken by this call
 * @param seconds wall time of this call
 * @param outOfTime whether the time budget ended the run before maxSteps
 * @param last the numbers of the final step, null when no step ran
 * @param history averages over consecutive windows of historyEvery steps (the last one may be shorter)
 * @param grids the sample grids written, in order
 * @param checkpoint the checkpoint directory written last, null when none
 */
public record GanTrainResult(long steps, long stepsThisRun, double seconds, boolean outOfTime,
                             GanProgressSink.Step last, List<Window> history, List<Path> grids, Path checkpoint) {
    public GanTrainResult {
        history = List.copyOf(history);
        grids = List.copyOf(grids);
    }

    /** Mean values over steps [firstStep, lastStep]; matching and dWrong are NaN when off. */
    public record Window(long firstStep, long lastStep, double dLoss, double gLoss, double kl, double matching,
                         double dReal, double dFake, double dWrong, double examplesPerSecond) {
    }
}
