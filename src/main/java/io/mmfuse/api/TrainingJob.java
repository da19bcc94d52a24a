package io.mmfuse.api;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.DatasetValidator;
import io.mmfuse.data.Sample;
import io.mmfuse.data.ValidationReport;
import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.model.Devices;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.text.Tokenizer;
import io.mmfuse.text.Vocabulary;
import io.mmfuse.train.CaptionEdits;
import io.mmfuse.train.Checkpoint;
import io.mmfuse.train.LoadedCheckpoint;
import io.mmfuse.train.ProgressSink;
import io.mmfuse.train.TrainResult;
import io.mmfuse.train.Trainer;
import io.mmfuse.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dataset in, checkpoint out: validates the dataset, builds the vocabulary, decodes and tokenises
 * the splits (reporting bad items), trains, writes the best model with its vocabulary, and measures
 * test recall. Each step's outcome goes to {@code status} so a CLI can print it.
 */
public final class TrainingJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);

    private TrainingJob() {
    }

    public static TrainingOutcome run(TrainingRequest request, ProgressSink progress, Consumer<String> status) {
        Dataset dataset = request.dataset();
        ValidationReport validation = new DatasetValidator().validate(dataset);
        status.accept(validation.summary());
        if (dataset.train().isEmpty()) {
            throw new InvalidInputException("dataset", dataset.name() + " has no training images");
        }

        Vocabulary vocabulary;
        MultimodalAutoencoder model;
        LoadedCheckpoint resumed = null;
        if (request.resumeFrom() != null) {
            resumed = Checkpoint.load(request.resumeFrom(), Devices.auto());
            vocabulary = vocabularyOf(resumed, request.resumeFrom());
            model = resumed.model();
            status.accept("resuming from " + request.resumeFrom() + " (" + vocabulary.size() + " tokens)");
        } else {
            vocabulary = Vocabulary.build(captionsOf(dataset.train()), new Tokenizer(), request.minTokenCount(),
                    request.maxVocabulary());
            ModelConfig config = request.model().toBuilder().vocabSize(vocabulary.size()).build();
            model = MultimodalAutoencoder.create(config, Devices.auto(), request.train().seed());
            status.accept("vocabulary: " + vocabulary.size() + " tokens (min count " + request.minTokenCount() + ")");
        }
        try {
            ModelConfig config = model.config();
            SplitPreparer preparer = new SplitPreparer(new ImageDecoder(MmfuseModel.imageOptionsFor(config)), vocabulary,
                    config.maxTokens(), request.train().threads());
            long t0 = System.nanoTime();
            PreparedSplit train = preparer.prepare("train", dataset.train(), null);
            PreparedSplit val = dataset.val().isEmpty() ? null : preparer.prepare("val", dataset.val(), null);
            PreparedSplit test = dataset.test().isEmpty() ? null : preparer.prepare("test", dataset.test(), null);
            status.accept(String.format("decoded %d train / %d val / %d test images in %.1f s",
                    train.imageCount(), val == null ? 0 : val.imageCount(), test == null ? 0 : test.imageCount(),
                    (System.nanoTime() - t0) / 1e9));

            TrainResult result = new Trainer(request.train(), progress, CaptionEdits.of(vocabulary)).train(model, toTrainingData(train),
                    val == null ? null : toTrainingData(val));
            Checkpoint.save(request.checkpointDir(), config, model, Map.of(MmfuseModel.VOCABULARY_FILE,
                    vocabularyBytes(vocabulary)));
            status.accept("checkpoint written to " + request.checkpointDir() + " (best epoch " + result.bestEpoch() + ")");

            RetrievalReport testReport = test == null ? null : Trainer.validate(model, toTrainingData(test));
            List<Skipped> skipped = new ArrayList<>(train.skipped());
            if (val != null) {
                skipped.addAll(val.skipped());
            }
            if (test != null) {
                skipped.addAll(test.skipped());
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("dataset", dataset.name());
            details.put("model", config);
            details.put("train", request.train().toString());
            details.put("device", result.device().toString());
            details.put("history", result.history());
            details.put("best_epoch", result.bestEpoch());
            details.put("best_validation", result.bestValidation());
            details.put("test", testReport);
            details.put("seconds", result.totalTime().toMillis() / 1000.0);
            details.put("validation", validation);
            int processed = train.captionCount() + (val == null ? 0 : val.captionCount())
                    + (test == null ? 0 : test.captionCount());
            RunReport report = new RunReport("train", Instant.now(), processed, skipped, details);
            report.write(request.reportFile());
            return new TrainingOutcome(request.checkpointDir(), result, testReport, report);
        } finally {
            if (resumed != null) {
                resumed.close();
            } else {
                model.close();
            }
        }
    }

    public static TrainingData toTrainingData(PreparedSplit split) {
        return new TrainingData(split.images(), split.imageCount(), split.imageSize(), split.captionTokens(),
                split.captionImage());
    }

    static List<String> captionsOf(List<Sample> samples) {
        List<String> captions = new ArrayList<>();
        for (Sample s : samples) {
            captions.addAll(s.captions());
        }
        return captions;
    }

    private static Vocabulary vocabularyOf(LoadedCheckpoint checkpoint, Path dir) {
        byte[] bytes = checkpoint.extras().get(MmfuseModel.VOCABULARY_FILE);
        if (bytes == null) {
            throw new InvalidInputException(dir.toString(), "checkpoint has no " + MmfuseModel.VOCABULARY_FILE);
        }
        try {
            return MmfuseModel.readVocabulary(bytes);
        } catch (IOException e) {
            throw new InvalidInputException(dir.toString(), "unreadable vocabulary: " + e.getMessage(), e);
        }
    }

    static byte[] vocabularyBytes(Vocabulary vocabulary) {
        try {
            return vocabulary.toJson();
        } catch (IOException e) {
            throw new io.mmfuse.MmfuseException("cannot serialise the vocabulary: " + e.getMessage(), e);
        }
    }
}
