package io.mmfuse.train;

import io.mmfuse.model.ModuleSnapshot;
import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Optimizers;
import io.mmfuse.MmfuseException;
import io.mmfuse.eval.RetrievalMetrics;
import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.model.Tensors;
import io.mmfuse.model.TrainingLoss;
import io.mmfuse.search.FloatMatrix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mini-batch AdamW training of a {@link MultimodalAutoencoder} on paired captions and images.
 *
 * <p>Each epoch shuffles the captions (seeded), batches them so that an image rarely appears twice
 * in a batch, and takes one optimizer step per batch inside its own PointerScope, so native memory
 * stays flat however long it runs. After each epoch (or only the last, see
 * {@link TrainConfig#validateEveryEpoch()}) it measures validation retrieval and keeps the best
 * weights in memory; when it returns, the model holds the best epoch's weights and is in eval mode.
 *
 * <p>Resuming: pass a model loaded with {@link Checkpoint#load}; training continues from its
 * weights. The optimizer state (Adam moments) is not checkpointed and restarts from zero, which
 * costs a few hundred steps of slightly noisier updates. With TF-IDF weighting the IDF table is
 * recomputed from the training data passed to each call.
 *
 * <p>Seeding: {@code torch.manual_seed(seed)} and a {@code java.util.Random(seed)} at the start of
 * every call, so the same model, data, config and thread count give the same run on the CPU.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TrainConfig config;
    private final ProgressSink progress;
    private final CaptionEdits edits;

    /** A trainer that reports to a progress bar on stderr. */
    public Trainer(TrainConfig config) {
        this(config, new ConsoleProgress());
    }

    public Trainer(TrainConfig config, ProgressSink progress) {
        this(config, progress, CaptionEdits.NONE);
    }

    /**
     * @param edits word edits for the training captions' vocabulary: "left"/"right" swapped on
     *     flipped images, and the order negatives when {@link TrainConfig#orderNegatives()}
     */
    public Trainer(TrainConfig config, ProgressSink progress, CaptionEdits edits) {
        if (config == null) {
            throw new InvalidInputException("trainConfig", "is required");
        }
        if (edits == null) {
            throw new InvalidInputException("edits", "is required (CaptionEdits.NONE for none)");
        }
        this.config = config;
        this.progress = progress == null ? ProgressSink.NONE : progress;
        this.edits = edits;
    }

    /**
     * Trains {@code model} in place.
     *
     * @param train training captions and images
     * @param validation held-out data for recall and best-epoch selection, or null
     */
    public TrainResult train(MultimodalAutoencoder model, TrainingData train, TrainingData validation) {
        if (model == null) {
            throw new InvalidInputException("model", "is required");
        }
        ModelConfig mc = model.config();
        requireCompatible("train", train, mc);
        if (validation != null) {
            requireCompatible("validation", validation, mc);
        }
        long start = System.nanoTime();
        NativeThreads.intraOp(config.threads());
        NativeThreads.blasThreads(1);
        torch.manual_seed(config.seed());
        Random rng = new Random(config.seed());
        if (mc.tfidfWeighting()) {
            model.setIdf(InverseDocumentFrequency.of(train, mc.vocabSize()));
        }
        TrainingLoss loss = new TrainingLoss(mc);
        if (config.orderNegatives() && !loss.alignment().takesHardNegatives()) {
            throw new InvalidInputException("orderNegatives", "needs the contrastive objective, the model uses "
                    + loss.alignment().name());
        }
        BatchAssembler assembler = new BatchAssembler(train, mc, config.batchSize(), config.augment(), rng, edits,
                config.orderNegatives(), config.degradeRate());
        LOG.info("Training {} objective on {}: {} captions / {} images, {} parameters, batch {}, {} epochs",
                loss.alignment().name(), model.deviceChoice(), train.captionCount(), train.imageCount(),
                model.parameterCount(), config.batchSize(), config.epochs());

        List<EpochStats> history = new ArrayList<>();
        int bestEpoch = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        RetrievalReport bestReport = null;
        ModuleSnapshot best = null;
        boolean outOfTime = false;
        try (AdamW optimizer = Optimizers.adamWDecayingMatrices(model, config.learningRate(), config.weightDecay())) {
            for (int epoch = 1; epoch <= config.epochs() && !outOfTime; epoch++) {
                EpochRun run = runEpoch(epoch, model, loss, optimizer, assembler, train, rng, start);
                outOfTime = run.outOfTime;
                boolean lastEpoch = epoch == config.epochs() || outOfTime;
                RetrievalReport report = null;
                if (validation != null && (config.validateEveryEpoch() || lastEpoch)) {
                    report = validate(model, validation);
                }
                EpochStats stats = run.stats(report, logitScale(model));
                history.add(stats);
                progress.epochFinished(stats);
                LOG.info("epoch {}: loss {} align {} {} ex/s{}", epoch, stats.loss(), stats.alignment(),
                        Math.round(stats.examplesPerSecond()), report == null ? "" : ", val mean recall " + report.meanRecall());
                if (report != null && report.meanRecall() > bestScore) {
                    bestScore = report.meanRecall();
                    bestEpoch = epoch;
                    bestReport = report;
                    if (best != null) {
                        best.close();
                    }
                    best = lastEpoch ? null : ModuleSnapshot.capture(model);
                } else if (report == null && validation == null) {
                    bestEpoch = epoch;
                }
            }
            if (best != null && bestEpoch != history.size()) {
                LOG.info("Restoring the weights of epoch {} (best validation mean recall {})", bestEpoch, bestScore);
                best.restoreInto(model);
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("training", e);
        } finally {
            if (best != null) {
                best.close();
            }
            progress.close();
            model.eval();
        }
        if (outOfTime) {
            LOG.info("Time budget {} reached after {} epoch(s)", config.timeBudget(), history.size());
        }
        return new TrainResult(history, bestEpoch, bestReport, Duration.ofNanos(System.nanoTime() - start), outOfTime,
                model.deviceChoice());
    }

    /** Retrieval of {@code data}'s captions and images with the model in eval mode; restores train mode. */
    public static RetrievalReport validate(MultimodalAutoencoder model, TrainingData data) {
        boolean wasTraining = model.is_training();
        model.eval();
        try {
            FloatMatrix images = BatchedInference.images(model, data.images(), data.imageCount(), BatchedInference.DEFAULT_BATCH);
            FloatMatrix captions = BatchedInference.texts(model, data.captionTokens(), BatchedInference.DEFAULT_BATCH);
            return RetrievalMetrics.evaluate(images, captions, data.captionImage());
        } finally {
            model.train(wasTraining);
        }
    }

    private EpochRun runEpoch(int epoch, MultimodalAutoencoder model, TrainingLoss loss, AdamW optimizer,
                              BatchAssembler assembler, TrainingData train, Random rng, long trainStart) {
        List<int[]> batches = EpochPlan.batches(train.captionImage(), config.batchSize(), rng);
        model.train(true);
        progress.epochStarted(epoch, config.epochs(), batches.size());
        EpochRun run = new EpochRun(epoch);
        long epochStart = System.nanoTime();
        int side = train.imageSize();
        for (int step = 0; step < batches.size(); step++) {
            if (config.cosineDecay()) {
                setLearningRate(optimizer, scheduledRate(epoch, step, batches.size(), System.nanoTime() - trainStart));
            }
            try (PointerScope scope = new PointerScope()) {
                BatchAssembler.Batch b = assembler.assemble(batches.get(step));
                Tensor images = Tensors.floats(b.images(), 0, b.size() * train.imageFloats(), model.device(),
                        b.size(), 3, side, side);
                Tensor tokens = Tensors.longs(b.tokens(), model.device(), b.size(), b.tokenWidth());
                MultimodalAutoencoder.Outputs out = model.forward(images, tokens, loss.reconstructs());
                Tensor negatives = b.negatives() == null ? null
                        : model.embedTexts(Tensors.longs(b.negatives(), model.device(), b.size(), b.negativeWidth()));
                TrainingLoss.Terms terms = loss.compute(out, model.logitScale(), images, tokens, b.imageIds(),
                        negatives, b.hasNegative());
                optimizer.zero_grad();
                terms.total().backward();
                optimizer.step();
                run.add(b.size(), terms);
                if (!Double.isFinite(run.lastLoss)) {
                    throw new MmfuseException("training diverged: loss " + run.lastLoss + " at epoch " + epoch
                            + ", step " + (step + 1) + " (lower the learning rate)");
                }
            }
            run.elapsedNanos = System.nanoTime() - epochStart;
            progress.step(new ProgressSink.Step(epoch, config.epochs(), step + 1, batches.size(), run.lastLoss,
                    run.lastAlignment, run.lastImage, run.lastText, run.examplesPerSecond()));
            if (config.timeBudget() != null
                    && System.nanoTime() - trainStart >= config.timeBudget().toNanos()
                    && !(epoch == config.epochs() && step == batches.size() - 1)) {
                run.outOfTime = true;
                break;
            }
        }
        return run;
    }

    /** Learning rate at this point of the run: a half cosine from the start rate down to 1 % of it. */
    double scheduledRate(int epoch, int step, int stepsPerEpoch, long elapsedNanos) {
        double byEpochs = ((epoch - 1) + step / (double) stepsPerEpoch) / config.epochs();
        double byTime = config.timeBudget() == null ? 0 : elapsedNanos / (double) config.timeBudget().toNanos();
        double progress = Math.min(1.0, Math.max(byEpochs, byTime));
        double floor = 0.01;
        return config.learningRate() * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    static void setLearningRate(AdamW optimizer, double lr) {
        try (PointerScope scope = new PointerScope()) {
            var groups = optimizer.param_groups();
            for (long g = 0; g < groups.size(); g++) {
                groups.get(g).options().set_lr(lr);
            }
        }
    }

    private static double logitScale(MultimodalAutoencoder model) {
        try (PointerScope scope = new PointerScope()) {
            return model.logitScale().item_float();
        }
    }

    private static void requireCompatible(String name, TrainingData data, ModelConfig mc) {
        if (data == null) {
            throw new InvalidInputException(name, "is required");
        }
        if (data.imageSize() != mc.imageSize()) {
            throw new InvalidInputException(name + ".imageSize",
                    data.imageSize() + " differs from the model's imageSize " + mc.imageSize());
        }
        data.requireTokensBelow(mc.vocabSize());
    }

    /** Running sums of one epoch. */
    private static final class EpochRun {
        final int epoch;
        int steps;
        long examples;
        double sumLoss;
        double sumAlignment;
        double sumImage;
        double sumText;
        double lastLoss;
        double lastAlignment;
        double lastImage = Double.NaN;
        double lastText = Double.NaN;
        long elapsedNanos;
        boolean outOfTime;

        EpochRun(int epoch) {
            this.epoch = epoch;
        }

        void add(int batch, TrainingLoss.Terms t) {
            lastLoss = t.total().item_float();
            lastAlignment = t.alignment().item_float();
            if (t.imageReconstruction() != null) {
                lastImage = t.imageReconstruction().item_float();
                lastText = t.textReconstruction().item_float();
            }
            steps++;
            examples += batch;
            sumLoss += lastLoss;
            sumAlignment += lastAlignment;
            sumImage += lastImage;
            sumText += lastText;
        }

        double examplesPerSecond() {
            return elapsedNanos == 0 ? 0 : examples / (elapsedNanos / 1e9);
        }

        EpochStats stats(RetrievalReport validation, double logitScale) {
            int n = Math.max(1, steps);
            return new EpochStats(epoch, steps, examples, sumLoss / n, sumAlignment / n, sumImage / n, sumText / n,
                    logitScale, examplesPerSecond(), Duration.ofNanos(elapsedNanos), validation);
        }
    }
}
