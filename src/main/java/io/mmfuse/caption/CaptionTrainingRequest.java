package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.Dataset;
import java.nio.file.Path;

/**
 * Everything a captioner training run needs. {@code decoder.imageDim()} and
 * {@code decoder.vocabSize()} are ignored: they are set from the retrieval model and from the
 * caption vocabulary built on the training captions ({@code minWordCount}, {@code maxVocabulary}).
 *
 * @param retrievalCheckpoint the trained retrieval model (frozen; copied into the output)
 * @param threads image decoding threads
 */
public record CaptionTrainingRequest(Dataset dataset, Path retrievalCheckpoint, CaptionDecoderConfig decoder,
        CaptionTrainConfig train, int minWordCount, int maxVocabulary, int threads, Path outputDir) {
    public CaptionTrainingRequest {
        if (dataset == null || retrievalCheckpoint == null || decoder == null || train == null || outputDir == null) {
            throw new InvalidInputException("captionTrainingRequest",
                    "dataset, retrievalCheckpoint, decoder, train and outputDir are required");
        }
        if (minWordCount < 1) {
            throw new InvalidInputException("minWordCount", "must be >= 1, got " + minWordCount);
        }
        if (maxVocabulary <= CaptionVocabulary.FIRST_WORD) {
            throw new InvalidInputException("maxVocabulary", "must be > " + CaptionVocabulary.FIRST_WORD + ", got "
                    + maxVocabulary);
        }
        if (threads <= 0) {
            throw new InvalidInputException("threads", "must be > 0, got " + threads);
        }
    }

    /** Words kept: at least 5 occurrences (the usual Flickr8k cut-off), at most 10,000 ids. */
    public static CaptionTrainingRequest of(Dataset dataset, Path retrievalCheckpoint, Path outputDir) {
        return new CaptionTrainingRequest(dataset, retrievalCheckpoint, CaptionDecoderConfig.defaults(),
                CaptionTrainConfig.defaults(), 5, 10_000, Math.max(1, Runtime.getRuntime().availableProcessors()),
                outputDir);
    }

    public Path checkpointDir() {
        return outputDir.resolve("captioner");
    }

    public Path reportFile() {
        return outputDir.resolve("caption-train-report.json");
    }
}
