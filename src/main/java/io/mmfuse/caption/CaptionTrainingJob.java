package io.mmfuse.caption;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.PreparedSplit;
import io.mmfuse.api.Skipped;
import io.mmfuse.api.SplitPreparer;
import io.mmfuse.data.Sample;
import io.mmfuse.io.AtomicFiles;
import io.mmfuse.model.Devices;
import io.mmfuse.search.FloatMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Dataset + retrieval checkpoint in, captioner checkpoint out: builds the caption vocabulary on the
 * training captions, decodes the train and val images and embeds them once with the frozen
 * retrieval model, trains the decoder on those embeddings (every caption of every image), and
 * writes a self-contained {@link CaptionerCheckpoint} whose retrieval corpus is the deduplicated
 * training captions, plus a JSON report. Each stage's outcome goes to {@code status}.
 */
public final class CaptionTrainingJob {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .enable(SerializationFeature.INDENT_OUTPUT);

    private CaptionTrainingJob() {
    }

    /** What a run produced. */
    public record Outcome(Path checkpoint, CaptionTrainResult result, int vocabularySize, int corpusSize,
            List<Skipped> skipped) {
        public Outcome {
            skipped = List.copyOf(skipped);
        }
    }

    public static Outcome run(CaptionTrainingRequest request, CaptionProgress progress, Consumer<String> status) {
        Consumer<String> log = status == null ? s -> { } : status;
        if (request.dataset().train().isEmpty()) {
            throw new InvalidInputException("dataset", request.dataset().name() + " has no training images");
        }
        try (MmfuseModel model = MmfuseModel.load(request.retrievalCheckpoint(), Devices.auto())) {
            List<String> trainCaptions = captionsOf(request.dataset().train());
            CaptionVocabulary vocabulary = CaptionVocabulary.build(trainCaptions, request.minWordCount(),
                    request.maxVocabulary());
            log.accept("caption vocabulary: " + vocabulary.size() + " ids (words seen at least " + request.minWordCount()
                    + " times)");
            CaptionDecoderConfig config = request.decoder().toBuilder().imageDim(model.dimension())
                    .vocabSize(vocabulary.size()).build();
            List<Skipped> skipped = new ArrayList<>();
            long t0 = System.nanoTime();
            CaptionTrainingData train = embed(model, "train", request.dataset().train(), vocabulary, config, request,
                    skipped);
            CaptionTrainingData val = request.dataset().val().isEmpty() ? null
                    : embed(model, "val", request.dataset().val(), vocabulary, config, request, skipped);
            log.accept(String.format(java.util.Locale.ROOT,
                    "embedded %d train / %d val images (%d / %d captions) in %.1f s", train.imageCount(),
                    val == null ? 0 : val.imageCount(), train.captionCount(), val == null ? 0 : val.captionCount(),
                    (System.nanoTime() - t0) / 1e9));

            CaptionTrainResult result;
            List<String> corpus = RetrievalCaptioner.deduplicate(trainCaptions);
            try (CaptionDecoder decoder = CaptionDecoder.create(config, Devices.auto(), request.train().seed())) {
                result = new CaptionerTrainer(request.train(), progress).train(decoder, train, val);
                CaptionerCheckpoint.save(request.checkpointDir(), decoder, vocabulary, corpus,
                        request.retrievalCheckpoint());
            }
            log.accept("captioner checkpoint written to " + request.checkpointDir() + " (best epoch "
                    + result.bestEpoch() + ", validation loss " + result.bestValidationLoss() + ")");
            writeReport(request, config, vocabulary, corpus.size(), result, skipped);
            return new Outcome(request.checkpointDir(), result, vocabulary.size(), corpus.size(), skipped);
        }
    }

    private static CaptionTrainingData embed(MmfuseModel model, String name, List<Sample> samples,
            CaptionVocabulary vocabulary, CaptionDecoderConfig config, CaptionTrainingRequest request,
            List<Skipped> skipped) {
        PreparedSplit split = new SplitPreparer(model.imageDecoder(), model.vocabulary(), model.config().maxTokens(),
                request.threads()).prepare(name, samples, null);
        skipped.addAll(split.skipped());
        if (split.imageCount() == 0) {
            throw new InvalidInputException(name, "no usable image in the split");
        }
        FloatMatrix embeddings = model.embedDecoded(split.images(), split.imageCount());
        return CaptionTrainingData.encode(embeddings, split.captions(), split.captionImage(), vocabulary,
                config.maxLength());
    }

    static List<String> captionsOf(List<Sample> samples) {
        List<String> out = new ArrayList<>();
        for (Sample s : samples) {
            out.addAll(s.captions());
        }
        return out;
    }

    private static void writeReport(CaptionTrainingRequest request, CaptionDecoderConfig config,
            CaptionVocabulary vocabulary, int corpusSize, CaptionTrainResult result, List<Skipped> skipped) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("dataset", request.dataset().name());
        report.put("retrieval_checkpoint", request.retrievalCheckpoint().toString());
        report.put("decoder", config);
        report.put("train", request.train());
        report.put("vocabulary_size", vocabulary.size());
        report.put("corpus_size", corpusSize);
        report.put("history", result.history());
        report.put("best_epoch", result.bestEpoch());
        report.put("best_validation_loss", Double.isNaN(result.bestValidationLoss()) ? null : result.bestValidationLoss());
        report.put("seconds", result.totalTime().toMillis() / 1000.0);
        report.put("out_of_time", result.outOfTime());
        report.put("stopped_early", result.stoppedEarly());
        report.put("skipped", skipped);
        try {
            AtomicFiles.write(request.reportFile(), JSON.writeValueAsBytes(report));
        } catch (IOException e) {
            throw new MmfuseException("cannot write " + request.reportFile() + ": " + e.getMessage(), e);
        }
    }
}
