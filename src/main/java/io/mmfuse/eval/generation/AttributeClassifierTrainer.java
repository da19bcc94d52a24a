package io.mmfuse.eval.generation;

import static org.bytedeco.pytorch.global.torch.log_softmax;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Optimizers;
import io.mmfuse.MmfuseException;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.model.Tensors;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an {@link AttributeClassifier} on real synthetic images with AdamW and a masked
 * cross-entropy: the sum over heads of each head's mean cross-entropy over the images it applies
 * to (the relation axis and slot 1 only for pairs, the region only for single objects).
 *
 * <p>Each epoch shuffles the images (seeded) and takes one step per batch inside its own
 * PointerScope, so native memory stays flat. Seeding: {@code torch.manual_seed(seed)} and a
 * {@code java.util.Random(seed)} at the start of every call.
 */
public final class AttributeClassifierTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(AttributeClassifierTrainer.class);

    private final ClassifierTrainConfig config;
    private final ClassifierProgress progress;

    public AttributeClassifierTrainer(ClassifierTrainConfig config, ClassifierProgress progress) {
        if (config == null) {
            throw new InvalidInputException("config", "is required");
        }
        this.config = config;
        this.progress = progress == null ? ClassifierProgress.NONE : progress;
    }

    /** A classifier trained on a synthetic dataset's train split, and how well it reads its test split. */
    public record Trained(AttributeClassifier classifier, ClassifierTrainingSummary training,
                          AttributeAccuracy.Report testAccuracy) implements AutoCloseable {
        @Override
        public void close() {
            classifier.close();
        }
    }

    /**
     * Generates {@code shapes}, trains a new classifier on its train split and scores it on its
     * test split's real images with their evaluation captions ({@link EvaluationTargets}). That
     * accuracy is the ceiling a generator can reach when this classifier judges it.
     *
     * <p>The classifier is the judge, not the system under test, so it trains with nothing held
     * out: its train split is drawn as if {@code heldOutFromTrain} were empty (the test split does
     * not depend on it), and the test report is still split by {@code shapes.heldOutFromTrain()}.
     */
    public static Trained trainOnSynthetic(SyntheticShapes.Config shapes, AttributeClassifierConfig modelConfig,
                                           ClassifierTrainConfig trainConfig, DeviceChoice device,
                                           ClassifierProgress progress) {
        if (shapes == null || modelConfig == null || trainConfig == null || device == null) {
            throw new InvalidInputException("trainOnSynthetic", "shapes, modelConfig, trainConfig and device are required");
        }
        if (shapes.trainImages() < 2 || shapes.testImages() < 1) {
            throw new InvalidInputException("shapes", "needs at least 2 train and 1 test image, has "
                    + shapes.trainImages() + " and " + shapes.testImages());
        }
        NativeThreads.intraOp(trainConfig.threads());
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(shapes.withHeldOutFromTrain(Set.of()));
        int threads = trainConfig.threads();
        SceneImages train = SceneImages.decode(g.dataset().train(), g.scenes(), shapes.size(), modelConfig.imageSize(), threads);
        SceneImages test = SceneImages.decode(g.dataset().test(), g.scenes(), shapes.size(), modelConfig.imageSize(), threads);
        AttributeClassifier classifier = AttributeClassifier.create(modelConfig, device, trainConfig.seed());
        try {
            ClassifierTrainingSummary summary = new AttributeClassifierTrainer(trainConfig, progress).train(classifier, train);
            AttributeAccuracy.Report report = AttributeAccuracy.evaluate(classifier, test.images(), test.count(),
                    test.evaluationTargets(), shapes.heldOutFromTrain());
            return new Trained(classifier, summary, report);
        } catch (RuntimeException e) {
            classifier.close();
            throw e;
        }
    }

    /** Trains {@code model} in place on {@code data}; it is left in eval mode. */
    public ClassifierTrainingSummary train(AttributeClassifier model, SceneImages data) {
        if (model == null || data == null) {
            throw new InvalidInputException("train", "model and data are required");
        }
        int side = model.config().imageSize();
        if (data.imageSize() != side) {
            throw new InvalidInputException("data.imageSize", data.imageSize() + " differs from the classifier's "
                    + side);
        }
        if (data.count() < 2) {
            throw new InvalidInputException("data", "needs at least 2 images, has " + data.count());
        }
        long start = System.nanoTime();
        NativeThreads.intraOp(config.threads());
        NativeThreads.blasThreads(1);
        torch.manual_seed(config.seed());
        Random rng = new Random(config.seed());
        List<SceneAttributes> labels = data.labels();
        int[][] targets = new int[labels.size()][];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = AttributeHeads.targets(labels.get(i));
        }
        int n = data.count();
        int floats = 3 * side * side;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int steps = (n + config.batchSize() - 1) / config.batchSize();
        LOG.info("Training the attribute classifier on {} images, batch {}, {} epochs, {}", n, config.batchSize(),
                config.epochs(), model.deviceChoice());
        long totalSteps = 0;
        long totalImages = 0;
        double lastEpochLoss = Double.NaN;
        int epochsRun = 0;
        boolean outOfTime = false;
        model.train(true);
        try (AdamW optimizer = Optimizers.adamWDecayingMatrices(model, config.learningRate(), config.weightDecay())) {
            for (int epoch = 1; epoch <= config.epochs() && !outOfTime; epoch++) {
                epochsRun = epoch;
                shuffle(order, rng);
                progress.epochStarted(epoch, config.epochs(), steps);
                long epochStart = System.nanoTime();
                long epochImages = 0;
                double lossSum = 0;
                int epochSteps = 0;
                for (int step = 0; step < steps; step++) {
                    if (config.cosineDecay()) {
                        setLearningRate(optimizer, scheduledRate(epoch, step, steps, System.nanoTime() - start));
                    }
                    int from = step * config.batchSize();
                    int b = Math.min(config.batchSize(), n - from);
                    if (b < 2) {
                        break; // BatchNorm cannot train on a single image; it joins next epoch's shuffle
                    }
                    int[] rows = java.util.Arrays.copyOfRange(order, from, from + b);
                    float[] x = new float[b * floats];
                    for (int i = 0; i < b; i++) {
                        System.arraycopy(data.images(), rows[i] * floats, x, i * floats, floats);
                    }
                    float[] w = AttributeHeads.lossWeights(targets, rows);
                    double loss;
                    try (PointerScope scope = new PointerScope()) {
                        Tensor images = Tensors.floats(x, model.device(), b, 3, side, side);
                        Tensor weights = Tensors.floats(w, model.device(), b, AttributeHeads.LOGITS);
                        Tensor total = maskedCrossEntropy(model.forward(images), weights);
                        optimizer.zero_grad();
                        total.backward();
                        optimizer.step();
                        loss = total.item_float();
                    }
                    if (!Double.isFinite(loss)) {
                        throw new MmfuseException("attribute classifier training diverged: loss " + loss + " at epoch "
                                + epoch + ", step " + (step + 1) + " (lower the learning rate)");
                    }
                    lossSum += loss;
                    epochSteps++;
                    epochImages += b;
                    totalSteps++;
                    totalImages += b;
                    progress.step(step + 1, loss, epochImages / seconds(epochStart));
                    if (config.timeBudget() != null && System.nanoTime() - start >= config.timeBudget().toNanos()
                            && !(epoch == config.epochs() && step == steps - 1)) {
                        outOfTime = true;
                        break;
                    }
                }
                lastEpochLoss = lossSum / Math.max(1, epochSteps);
                progress.epochFinished(epoch, lastEpochLoss, epochImages / seconds(epochStart));
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("training the attribute classifier", e);
        } finally {
            progress.close();
            model.eval();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("Attribute classifier: {} epoch(s), {} steps, last epoch loss {}, {}", epochsRun, totalSteps,
                lastEpochLoss, took);
        return new ClassifierTrainingSummary(epochsRun, totalSteps, totalImages, lastEpochLoss,
                totalImages / seconds(start), took, outOfTime);
    }

    /**
     * {@code -sum(weights * logSoftmax)} with the softmax taken within each head; with weights from
     * {@link AttributeHeads#lossWeights} that is the sum of the heads' masked mean cross-entropies.
     */
    static Tensor maskedCrossEntropy(Tensor logits, Tensor weights) {
        Tensor total = null;
        for (AttributeHeads h : AttributeHeads.ALL) {
            Tensor logp = log_softmax(logits.narrow(1, h.offset(), h.classes), 1);
            Tensor term = logp.mul(weights.narrow(1, h.offset(), h.classes)).sum();
            total = total == null ? term : total.add(term);
        }
        return total.neg();
    }

    /** A half cosine from the start rate down to 1 % of it, over epochs or the time budget, whichever runs out first. */
    double scheduledRate(int epoch, int step, int stepsPerEpoch, long elapsedNanos) {
        double byEpochs = ((epoch - 1) + step / (double) stepsPerEpoch) / config.epochs();
        double byTime = config.timeBudget() == null ? 0 : elapsedNanos / (double) config.timeBudget().toNanos();
        double progress = Math.min(1.0, Math.max(byEpochs, byTime));
        double floor = 0.01;
        return config.learningRate() * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    private static void setLearningRate(AdamW optimizer, double lr) {
        try (PointerScope scope = new PointerScope()) {
            var groups = optimizer.param_groups();
            for (long g = 0; g < groups.size(); g++) {
                groups.get(g).options().set_lr(lr);
            }
        }
    }

    private static double seconds(long sinceNanos) {
        return Math.max(1e-9, (System.nanoTime() - sinceNanos) / 1e9);
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
