package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.PreparedSplit;
import io.mmfuse.api.Skipped;
import io.mmfuse.api.SplitPreparer;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.train.Checkpoint;
import io.mmfuse.train.LoadedCheckpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Dataset + retrieval checkpoint in, GAN checkpoint out: decodes the training images at 64 x 64,
 * embeds every training caption with the frozen retrieval model, and trains the GAN on those pairs,
 * writing sample grids and the checkpoint into {@code options.outputDir()}. Unusable images are
 * skipped and returned, never dropped silently.
 */
public final class GanTrainingJob {
    /** Rows of the sample grid when the caller names no preview captions. */
    public static final int DEFAULT_PREVIEW_ROWS = 4;

    private GanTrainingJob() {
    }

    /** What a run produced. */
    public record Outcome(GanTrainResult result, int images, int captions, List<Skipped> skipped) {
        public Outcome {
            skipped = List.copyOf(skipped);
        }
    }

    /**
     * @param config the GAN; its textDim is replaced by the retrieval model's dimension
     * @param options steps, time budget, output, resume; the text model, device and preview are
     *     filled in here before it is built (and validated); the device is {@link Devices#auto()}
     * @param previewCaptions captions of the sample grid rows; empty = the first caption of the first
     *     {@value #DEFAULT_PREVIEW_ROWS} validation (else training) images
     * @param decodeThreads image decoding threads
     */
    public static Outcome run(Dataset dataset, Path textModel, GanConfig config, GanTrainOptions.Builder options,
                              List<String> previewCaptions, int decodeThreads, GanProgressSink progress,
                              Consumer<String> status) {
        Consumer<String> log = status == null ? s -> { } : status;
        if (dataset == null || textModel == null || config == null || options == null) {
            throw new InvalidInputException("ganTrainingJob", "dataset, textModel, config and options are required");
        }
        if (dataset.train().isEmpty()) {
            throw new InvalidInputException("dataset", dataset.name() + " has no training images");
        }
        if (decodeThreads <= 0) {
            throw new InvalidInputException("decodeThreads", "must be > 0, got " + decodeThreads);
        }
        DeviceChoice device = Devices.auto();
        try (MmfuseModel model = MmfuseModel.load(textModel, device)) {
            long t0 = System.nanoTime();
            PreparedSplit split = new SplitPreparer(new ImageDecoder(ImageOptions.defaults().withSize(GanConfig.SUPPORTED_IMAGE_SIZE)),
                    model.vocabulary(), model.config().maxTokens(), decodeThreads).prepare("train", dataset.train(), null);
            if (split.imageCount() == 0) {
                throw new InvalidInputException("dataset", dataset.name() + ": no usable training image");
            }
            GanTrainingData data = GanTrainingData.embed(model, split.images(), split.imageCount(), split.captions(),
                    split.captionImage());
            if (config.learnedCaptions()) {
                data = data.withTokens(model, split.captions());
                log.accept("caption encoding: the generator and the discriminator each train a GRU on the caption tokens ("
                        + model.vocabulary().size() + " words)");
            }
            if (config.orderNegativeRate() > 0) {
                data = data.withHardNegatives(model, split.captions(), config.objectNegatives(), config.seed());
                log.accept(data.hardNegativeCount() + " of " + data.captionCount() + " captions have a hard negative ("
                        + (config.objectNegatives() ? "objects swapped or one object replaced" : "two noun phrases to swap")
                        + ")");
            }
            if (config.wordWeight() > 0) {
                data = data.withWords(model, split.captions());
                log.accept("word head: the discriminator learns which of " + model.vocabulary().size()
                        + " vocabulary words each caption holds");
            }
            if (config.featureWeight() > 0) {
                log.accept("feature discriminator: heads on the frozen text model's image encoder (width "
                        + model.config().cnnWidth() + ", blocks 1-3), weight " + config.featureWeight());
            }
            log.accept(String.format(Locale.ROOT, "decoded %d images and embedded %d captions in %.1f s (%d skipped)",
                    split.imageCount(), split.captionCount(), (System.nanoTime() - t0) / 1e9, split.skipped().size()));
            List<String> preview = previewCaptions == null || previewCaptions.isEmpty()
                    ? defaultPreview(dataset) : List.copyOf(previewCaptions);
            if (config.learnedCaptions()) {
                int[][] previewTokens = new int[preview.size()][];
                for (int i = 0; i < previewTokens.length; i++) {
                    previewTokens[i] = model.tokenize(preview.get(i), "preview[" + i + "]");
                }
                options.previewTokens(previewTokens);
            }
            GanTrainOptions effective = options.textModelDir(textModel).device(device)
                    .preview(preview, model.embedTexts(preview).data()).build();
            GanConfig effectiveConfig = config.toBuilder().textDim(model.dimension())
                    .wordClasses(config.wordWeight() > 0 ? model.vocabulary().size() : 0)
                    .featureWidth(config.featureWeight() > 0 ? model.config().cnnWidth() : 0)
                    .captionVocabulary(config.learnedCaptions() ? model.vocabulary().size() : 0).build();
            GanTrainer trainer = new GanTrainer(effectiveConfig, effective, progress);
            GanTrainResult result;
            if (effectiveConfig.matchingWeight() > 0 || effectiveConfig.featureWeight() > 0) {
                try (LoadedCheckpoint matching = Checkpoint.load(textModel, device)) {
                    result = trainer.train(data, matching.model());
                }
            } else {
                result = trainer.train(data);
            }
            return new Outcome(result, split.imageCount(), split.captionCount(), split.skipped());
        }
    }

    static List<String> defaultPreview(Dataset dataset) {
        List<Sample> from = dataset.val().isEmpty() ? dataset.train() : dataset.val();
        List<String> out = new ArrayList<>();
        for (Sample s : from) {
            if (out.size() == DEFAULT_PREVIEW_ROWS) {
                break;
            }
            out.add(s.captions().get(0));
        }
        return out;
    }
}
