package io.mmfuse.api;

import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.train.TrainResult;
import java.nio.file.Path;

/** What a training run produced: the checkpoint, the history, test recall and the run report. */
public record TrainingOutcome(Path checkpoint, TrainResult result, RetrievalReport test, RunReport report) {
}
