package io.mmfuse.api;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.Dataset;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.train.TrainConfig;
import java.nio.file.Path;

/**
 * Everything a training run needs. {@code model.vocabSize()} is ignored: it is set from the
 * vocabulary built on the training captions ({@code minTokenCount}, {@code maxVocabulary}).
 * With {@code resumeFrom} set, the model and vocabulary come from that checkpoint instead.
 */
public record TrainingRequest(Dataset dataset, ModelConfig model, TrainConfig train, int minTokenCount,
        int maxVocabulary, Path outputDir, Path resumeFrom) {

    public TrainingRequest {
        if (dataset == null || model == null || train == null || outputDir == null) {
            throw new InvalidInputException("trainingRequest", "dataset, model, train and outputDir are required");
        }
        if (minTokenCount < 1) {
            throw new InvalidInputException("minTokenCount", "must be >= 1, got " + minTokenCount);
        }
        if (maxVocabulary < 3) {
            throw new InvalidInputException("maxVocabulary", "must be >= 3, got " + maxVocabulary);
        }
    }

    public Path checkpointDir() {
        return outputDir.resolve("checkpoint");
    }

    public Path reportFile() {
        return outputDir.resolve("train-report.json");
    }
}
