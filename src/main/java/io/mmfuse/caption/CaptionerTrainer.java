package io.mmfuse.caption;

import static org.bytedeco.pytorch.global.torch.cross_entropy;

import io.mmfuse.model.ModuleSnapshot;
import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Optimizers;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.model.Tensors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.CrossEntropyLossOptions;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link CaptionDecoder} with teacher-forced cross-entropy (padding ignored) on
 * precomputed image embeddings, every caption of every image being one example.
 *
 * <p>Each epoch shuffles the captions (seeded) and takes one AdamW step per batch inside its own
 * PointerScope. After every epoch the validation loss is measured and the best epoch's weights
 * are kept in memory; training stops early when the validation loss has not improved for
 * {@link CaptionTrainConfig#patience()} epochs. When it returns the decoder holds the best
 * weights and is in eval mode.
 */
public final class CaptionerTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(CaptionerTrainer.class);
    private static final int EVAL_BATCH = 512;

    private final CaptionTrainConfig config;
    private final CaptionProgress progress;

    public CaptionerTrainer(CaptionTrainConfig config, CaptionProgress progress) {
        if (config == null) {
            throw new InvalidInputException("captionTrainConfig", "is required");
        }
        this.config = config;
        this.progress = progress == null ? CaptionProgress.NONE : progress;
    }

    /**
     * Trains {@code decoder} in place.
     *
     * @param validation held-out captions for best-epoch selection, or null (then the last epoch wins)
     */
    public CaptionTrainResult train(CaptionDecoder decoder, CaptionTrainingData train, CaptionTrainingData validation) {
        if (decoder == null) {
            throw new InvalidInputException("decoder", "is required");
        }
        requireCompatible("train", train, decoder.config());
        if (validation != null) {
            requireCompatible("validation", validation, decoder.config());
        }
        long start = System.nanoTime();
        NativeThreads.intraOp(config.threads());
        torch.manual_seed(config.seed());
        Random rng = new Random(config.seed());
        LOG.info("Training the caption decoder on {}: {} captions / {} images, {} parameters, batch {}, {} epochs",
                decoder.deviceChoice(), train.captionCount(), train.imageCount(), decoder.parameterCount(),
                config.batchSize(), config.epochs());
        List<CaptionEpochStats> history = new ArrayList<>();
        int bestEpoch = 0;
        double bestLoss = Double.POSITIVE_INFINITY;
        ModuleSnapshot best = null;
        boolean outOfTime = false;
        boolean stoppedEarly = false;
        try (AdamW optimizer = Optimizers.adamWDecayingMatrices(decoder, config.learningRate(), config.weightDecay()); CrossEntropyLossOptions ce = lossOptions()) {
            for (int epoch = 1; epoch <= config.epochs() && !outOfTime && !stoppedEarly; epoch++) {
                EpochRun run = runEpoch(epoch, decoder, optimizer, ce, train, rng, start);
                outOfTime = run.outOfTime;
                boolean lastEpoch = epoch == config.epochs() || outOfTime;
                double valLoss = validation == null ? Double.NaN : loss(decoder, validation, ce);
                CaptionEpochStats stats = run.stats(valLoss);
                history.add(stats);
                progress.epochFinished(stats);
                LOG.info("captioner epoch {}: loss {} val loss {} {} ex/s", epoch, stats.loss(), valLoss,
                        Math.round(stats.examplesPerSecond()));
                if (validation == null) {
                    bestEpoch = epoch;
                } else if (valLoss < bestLoss) {
                    bestLoss = valLoss;
                    bestEpoch = epoch;
                    if (best != null) {
                        best.close();
                    }
                    best = lastEpoch ? null : ModuleSnapshot.capture(decoder);
                } else if (config.patience() > 0 && epoch - bestEpoch >= config.patience() && !lastEpoch) {
                    stoppedEarly = true;
                    LOG.info("Validation loss has not improved for {} epochs: stopping", config.patience());
                }
            }
            if (best != null && bestEpoch != history.size()) {
                LOG.info("Restoring the caption decoder of epoch {} (validation loss {})", bestEpoch, bestLoss);
                best.restoreInto(decoder);
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("training the caption decoder", e);
        } finally {
            if (best != null) {
                best.close();
            }
            progress.close();
            decoder.eval();
        }
        return new CaptionTrainResult(history, bestEpoch, validation == null ? Double.NaN : bestLoss,
                Duration.ofNanos(System.nanoTime() - start), outOfTime, stoppedEarly);
    }

    /**
     * Mean teacher-forced cross-entropy per target token (words and {@code <eos>}) of {@code data},
     * in eval mode without gradients; restores the decoder's mode.
     */
    public static double loss(CaptionDecoder decoder, CaptionTrainingData data) {
        requireCompatible("data", data, decoder.config());
        try (CrossEntropyLossOptions ce = lossOptions()) {
            return loss(decoder, data, ce);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("caption loss", e);
        }
    }

    private static double loss(CaptionDecoder decoder, CaptionTrainingData data, CrossEntropyLossOptions ce) {
        boolean wasTraining = decoder.is_training();
        decoder.eval();
        int[] order = new int[data.captionCount()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        double sum = 0;
        long tokens = 0;
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int from = 0; from < order.length; from += EVAL_BATCH) {
                int to = Math.min(order.length, from + EVAL_BATCH);
                try (PointerScope scope = new PointerScope()) {
                    TeacherForcing.Batch b = TeacherForcing.build(data.captions(), order, from, to,
                            decoder.config().maxLength());
                    sum += batchLoss(decoder, data, order, from, to, b, ce).item_float() * (double) b.targetTokens();
                    tokens += b.targetTokens();
                }
            }
        } finally {
            decoder.train(wasTraining);
        }
        return sum / tokens;
    }

    private EpochRun runEpoch(int epoch, CaptionDecoder decoder, AdamW optimizer, CrossEntropyLossOptions ce,
            CaptionTrainingData train, Random rng, long trainStart) {
        int[] order = shuffled(train.captionCount(), rng);
        int steps = (order.length + config.batchSize() - 1) / config.batchSize();
        decoder.train(true);
        progress.epochStarted(epoch, config.epochs(), steps);
        EpochRun run = new EpochRun(epoch);
        long epochStart = System.nanoTime();
        TensorVector params = config.gradientClip() > 0 ? Tensors.keep(decoder.parameters(true)) : null;
        try {
            for (int step = 0; step < steps; step++) {
                int from = step * config.batchSize();
                int to = Math.min(order.length, from + config.batchSize());
                try (PointerScope scope = new PointerScope()) {
                    TeacherForcing.Batch b = TeacherForcing.build(train.captions(), order, from, to,
                            decoder.config().maxLength());
                    Tensor loss = batchLoss(decoder, train, order, from, to, b, ce);
                    optimizer.zero_grad();
                    loss.backward();
                    if (params != null) {
                        torch.clip_grad_norm_(params, config.gradientClip());
                    }
                    optimizer.step();
                    run.add(to - from, loss.item_float());
                }
                if (!Double.isFinite(run.lastLoss)) {
                    throw new MmfuseException("caption training diverged: loss " + run.lastLoss + " at epoch " + epoch
                            + ", step " + (step + 1) + " (lower the learning rate)");
                }
                run.elapsedNanos = System.nanoTime() - epochStart;
                progress.step(new CaptionProgress.Step(epoch, config.epochs(), step + 1, steps, run.lastLoss,
                        run.examplesPerSecond()));
                if (config.timeBudget() != null && System.nanoTime() - trainStart >= config.timeBudget().toNanos()
                        && !(epoch == config.epochs() && step == steps - 1)) {
                    run.outOfTime = true;
                    break;
                }
            }
        } finally {
            if (params != null) {
                params.close();
            }
        }
        return run;
    }

    private static Tensor batchLoss(CaptionDecoder decoder, CaptionTrainingData data, int[] order, int from, int to,
            TeacherForcing.Batch b, CrossEntropyLossOptions ce) {
        int dim = data.embeddings().cols();
        float[] emb = new float[(to - from) * dim];
        for (int i = from; i < to; i++) {
            System.arraycopy(data.embeddings().data(), data.captionImage()[order[i]] * dim, emb, (i - from) * dim, dim);
        }
        Tensor images = Tensors.floats(emb, decoder.device(), to - from, dim);
        Tensor inputs = Tensors.longs(b.inputs(), decoder.device(), b.rows(), b.width());
        Tensor targets = Tensors.longs(b.targets(), decoder.device(), (long) b.rows() * b.width());
        Tensor logits = decoder.forward(images, inputs);
        return cross_entropy(logits.reshape(-1, decoder.config().vocabSize()), targets, ce);
    }

    private static CrossEntropyLossOptions lossOptions() {
        CrossEntropyLossOptions o = new CrossEntropyLossOptions();
        o.ignore_index().put((long) CaptionVocabulary.PAD);
        return o;
    }

    private static int[] shuffled(int n, Random rng) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static void requireCompatible(String name, CaptionTrainingData data, CaptionDecoderConfig dc) {
        if (data == null) {
            throw new InvalidInputException(name, "is required");
        }
        if (data.embeddings().cols() != dc.imageDim()) {
            throw new InvalidInputException(name + ".embeddings", "have " + data.embeddings().cols()
                    + " columns, the decoder's imageDim is " + dc.imageDim());
        }
        data.requireIdsBelow(dc.vocabSize(), name);
    }

    /** Running sums of one epoch. */
    private static final class EpochRun {
        final int epoch;
        int steps;
        long examples;
        double sumLoss;
        double lastLoss;
        long elapsedNanos;
        boolean outOfTime;

        EpochRun(int epoch) {
            this.epoch = epoch;
        }

        void add(int batch, double loss) {
            lastLoss = loss;
            steps++;
            examples += batch;
            sumLoss += loss;
        }

        double examplesPerSecond() {
            return elapsedNanos == 0 ? 0 : examples / (elapsedNanos / 1e9);
        }

        CaptionEpochStats stats(double validationLoss) {
            return new CaptionEpochStats(epoch, steps, examples, sumLoss / Math.max(1, steps), validationLoss,
                    examplesPerSecond(), Duration.ofNanos(elapsedNanos));
        }
    }
}
