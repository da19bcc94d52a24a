package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.model.ImageEncoder;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.model.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the text-to-image GAN (GAN-INT-CLS with conditioning augmentation) on real images and
 * the caption embeddings of a frozen retrieval model.
 *
 * <p>Each step draws a batch of captions with their images (shuffled passes over the captions),
 * updates D once and G once (see {@link AdversarialStep}), each iteration inside its own
 * PointerScope so native memory stays flat. Every {@code sampleEvery} steps it writes a sample
 * grid of the preview captions from fixed noise, every {@code checkpointEvery} steps a
 * self-contained checkpoint; both again after the last step.
 *
 * <p>Seeding: {@code torch.manual_seed(seed)} before the networks are built (and noise drawn), a
 * {@code java.util.Random(seed)} for the batches: the same data, config and thread count give the
 * same run on the CPU. A resumed run restores weights, moving average and Adam moments exactly but
 * re-seeds both generators from (seed, step), so it does not repeat the batches and noise the
 * uninterrupted run would have drawn.
 */
public final class GanTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(GanTrainer.class);

    private final GanConfig config;
    private final GanTrainOptions options;
    private final GanProgressSink progress;

    public GanTrainer(GanConfig config, GanTrainOptions options, GanProgressSink progress) {
        if (config == null) {
            throw new InvalidInputException("ganConfig", "is required");
        }
        if (options == null) {
            throw new InvalidInputException("options", "is required");
        }
        this.config = config;
        this.options = options;
        this.progress = progress == null ? GanProgressSink.NONE : progress;
    }

    /** Trains without the matching loss (config.matchingWeight() must be 0). */
    public GanTrainResult train(GanTrainingData data) {
        return train(data, null);
    }

    /**
     * @param matchingModel the retrieval model that produced the caption embeddings, for the
     *     matching loss when config.matchingWeight() > 0 and for the feature discriminator's
     *     encoder when config.featureWeight() > 0 (it is frozen: eval mode, requires_grad off on its
     *     parameters, and stays so); null otherwise
     */
    public GanTrainResult train(GanTrainingData data, MultimodalAutoencoder matchingModel) {
        validate(data, matchingModel);
        long start = System.nanoTime();
        NativeThreads.intraOp(config.threads());
        NativeThreads.blasThreads(1);
        DeviceChoice device = options.device() != null ? options.device() : Devices.auto();
        try (GanNetworks nets = GanNetworks.create(config, device)) {
            long step = 0;
            if (options.resumeFrom() != null) {
                step = GanCheckpoint.restore(options.resumeFrom(), nets);
                GanOptimizers.setLearningRate(nets.optimizerG, config.lrG());
                GanOptimizers.setLearningRate(nets.optimizerD, config.lrD());
                torch.manual_seed(config.seed() + step);
                LOG.info("Resuming GAN training from {} at step {}", options.resumeFrom(), step);
            }
            Random rng = new Random(step == 0 ? config.seed() : config.seed() * 31 + step);
            MatchingLoss matching = config.matchingWeight() > 0 ? new MatchingLoss(matchingModel, config) : null;
            ImageEncoder featureEncoder = null;
            if (config.featureWeight() > 0) {
                MatchingLoss.freeze(matchingModel);
                featureEncoder = matchingModel.imageEncoder();
            }
            LOG.info("Training the {} GAN ({} loss, spectral norm {}) on {}: {} captions / {} images, batch {}, "
                            + "steps up to {}, time budget {}", config.discriminator(), config.loss(), config.spectralNorm(),
                    device, data.captionCount(), data.imageCount(), config.batchSize(), options.maxSteps(),
                    options.timeBudget());
            return run(nets, new AdversarialStep(nets, data, matching, featureEncoder), new CaptionBatches(data, config.batchSize(), rng, config.orderNegativeRate()),
                    step, start);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("GAN training", e);
        } finally {
            progress.close();
        }
    }

    private GanTrainResult run(GanNetworks nets, AdversarialStep adversarial, CaptionBatches batches, long firstStep,
                               long start) {
        List<GanTrainResult.Window> history = new ArrayList<>();
        List<Path> grids = new ArrayList<>();
        Path checkpoint = null;
        Window window = new Window(firstStep + 1);
        GanProgressSink.Step last = null;
        long step = firstStep;
        long examples = 0;
        long lastGrid = -1;
        long lastCheckpoint = -1;
        boolean outOfTime = false;
        progress.started(firstStep, options.maxSteps());
        long loopStart = System.nanoTime(); // throughput excludes building and restoring the networks
        while (step < options.maxSteps()) {
            step++;
            AdversarialStep.Values v = adversarial.run(batches.next(), step);
            examples += config.batchSize();
            double seconds = (System.nanoTime() - loopStart) / 1e9;
            last = new GanProgressSink.Step(step, options.maxSteps(), v.dLoss(), v.gLoss(), v.kl(), v.matching(),
                    v.dReal(), v.dFake(), v.dWrong(), examples / Math.max(seconds, 1e-9));
            progress.step(last);
            window.add(last);
            if (step % options.historyEvery() == 0) {
                history.add(window.close(step));
                window = new Window(step + 1);
            }
            if (options.sampleEvery() > 0 && step % options.sampleEvery() == 0) {
                grids.add(writeGrid(nets, step));
                lastGrid = step;
            }
            if (options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0) {
                checkpoint = writeCheckpoint(nets, step);
                lastCheckpoint = step;
            }
            if (options.timeBudget() != null && System.nanoTime() - start >= options.timeBudget().toNanos()
                    && step < options.maxSteps()) {
                outOfTime = true;
                LOG.info("Time budget {} reached at step {}", options.timeBudget(), step);
                break;
            }
        }
        if (window.steps > 0) {
            history.add(window.close(step));
        }
        if (step > firstStep) {
            if (options.sampleEvery() > 0 && lastGrid != step) {
                grids.add(writeGrid(nets, step));
            }
            if (options.checkpointEvery() > 0 && lastCheckpoint != step) {
                checkpoint = writeCheckpoint(nets, step);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new GanTrainResult(step, step - firstStep, seconds, outOfTime, last, history, grids, checkpoint);
    }

    private void requireTokens(GanTrainingData data) {
        CaptionTokens tokens = data.tokens();
        if (tokens == null || tokens.vocabulary() != config.captionVocabulary()) {
            throw new InvalidInputException("data.tokens", tokens == null
                    ? "are required with learned caption encoding (GanTrainingData.withTokens)"
                    : "come from a vocabulary of " + tokens.vocabulary() + " words, the config's captionVocabulary is "
                            + config.captionVocabulary());
        }
        boolean[] has = data.hasHardNegative();
        for (int c = 0; has != null && c < has.length; c++) {
            if (has[c] && (tokens.hardNegatives() == null || tokens.hardNegatives()[c] == null)) {
                throw new InvalidInputException("data.tokens", "caption " + c + " has a hard negative but no tokens for it "
                        + "(call withTokens before withHardNegatives)");
            }
        }
        if (options.sampleEvery() > 0 && options.previewTokens() == null) {
            throw new InvalidInputException("previewTokens", "are required with learned caption encoding when sampleEvery > 0");
        }
    }

    private Path writeGrid(GanNetworks nets, long step) {
        Path file = options.outputDir().resolve(String.format(Locale.ROOT, "grid-%06d.png", step));
        int rows = options.previewCaptions().size();
        float[] text = config.learnedCaptions()
                ? Sampler.captionCodes(nets.sampler(), nets.device, options.previewTokens()) : options.previewEmbeddings();
        float[] images = Sampler.sample(nets.sampler(), nets.device, text, rows,
                options.previewSamples(), options.previewSeed(), 1f);
        try {
            SampleGrid.write(file, images, rows, options.previewSamples(), options.previewCaptions());
        } catch (IOException e) {
            throw new MmfuseException("cannot write sample grid " + file + ": " + e, e);
        }
        return file;
    }

    private Path writeCheckpoint(GanNetworks nets, long step) {
        Path dir = options.outputDir().resolve(GanTrainOptions.CHECKPOINT_DIR);
        GanCheckpoint.save(dir, nets, step, options.effectiveTextModelDir());
        LOG.info("GAN checkpoint at step {} written to {}", step, dir);
        return dir;
    }

    private void validate(GanTrainingData data, MultimodalAutoencoder matchingModel) {
        if (data == null) {
            throw new InvalidInputException("data", "is required");
        }
        if (data.textDim() != config.textDim()) {
            throw new InvalidInputException("data.captionEmbeddings", "have " + data.textDim()
                    + " dimensions, the config's textDim is " + config.textDim());
        }
        if (config.discriminator() == GanConfig.DiscriminatorMode.MATCHING_AWARE && !data.hasTwoImages()) {
            throw new InvalidInputException("data.captionImage",
                    "all captions show one image; a matching-aware discriminator needs captions of at least two");
        }
        if (config.wordWeight() > 0 && (data.words() == null || data.words().classes() != config.wordClasses())) {
            throw new InvalidInputException("data.words", data.words() == null
                    ? "are required when wordWeight > 0 (GanTrainingData.withWords)"
                    : "come from a vocabulary of " + data.words().classes() + " words, the config's wordClasses is "
                            + config.wordClasses());
        }
        if (config.learnedCaptions()) {
            requireTokens(data);
        }
        if ((config.matchingWeight() > 0 || config.featureWeight() > 0) && matchingModel == null) {
            throw new InvalidInputException("matchingModel", "is required when matchingWeight > 0 or featureWeight > 0");
        }
        if (config.featureWeight() > 0 && (matchingModel.config().cnnWidth() != config.featureWidth()
                || matchingModel.config().imageSize() != config.imageSize())) {
            throw new InvalidInputException("matchingModel", "has a " + matchingModel.config().imageSize() + " px image encoder of width "
                    + matchingModel.config().cnnWidth() + "; the feature heads were built for " + config.imageSize()
                    + " px and featureWidth " + config.featureWidth());
        }
        if (options.sampleEvery() > 0
                && options.previewEmbeddings().length != options.previewCaptions().size() * config.textDim()) {
            throw new InvalidInputException("previewEmbeddings", "need " + options.previewCaptions().size() + " x "
                    + config.textDim() + " floats, got " + options.previewEmbeddings().length);
        }
        if (options.sampleEvery() > 0) {
            GanTrainingData.requireFinite("previewEmbeddings", options.previewEmbeddings());
        }
        Path textModel = options.effectiveTextModelDir();
        if (options.checkpointEvery() > 0 && !Files.isRegularFile(textModel.resolve("config.json"))) {
            throw new InvalidInputException("textModelDir", textModel + " is not a retrieval-model checkpoint (no config.json)");
        }
        if (options.resumeFrom() != null) {
            GanCheckpoint.Info info = GanCheckpoint.info(options.resumeFrom());
            if (!info.config().sameArchitecture(config)) {
                throw new InvalidInputException("resumeFrom", "the checkpoint's networks differ from the config: "
                        + info.config());
            }
        }
        if (options.outputDir() != null && (options.sampleEvery() > 0 || options.checkpointEvery() > 0)) {
            try {
                Files.createDirectories(options.outputDir());
            } catch (IOException e) {
                throw new MmfuseException("cannot create " + options.outputDir() + ": " + e, e);
            }
        }
    }

    /** Running sums of one history window. */
    private static final class Window {
        final long first;
        int steps;
        double dLoss;
        double gLoss;
        double kl;
        double matching;
        double dReal;
        double dFake;
        double dWrong;
        double examplesPerSecond;

        Window(long first) {
            this.first = first;
        }

        void add(GanProgressSink.Step s) {
            steps++;
            dLoss += s.dLoss();
            gLoss += s.gLoss();
            kl += s.kl();
            matching += s.matching();
            dReal += s.dReal();
            dFake += s.dFake();
            dWrong += s.dWrong();
            examplesPerSecond = s.examplesPerSecond();
        }

        GanTrainResult.Window close(long lastStep) {
            int n = Math.max(1, steps);
            return new GanTrainResult.Window(first, lastStep, dLoss / n, gLoss / n, kl / n, matching / n, dReal / n,
                    dFake / n, dWrong / n, examplesPerSecond);
        }
    }
}
