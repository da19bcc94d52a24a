package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.randn;

import io.mmfuse.MmfuseException;
import io.mmfuse.model.ImageEncoder;
import io.mmfuse.model.Tensors;
import java.util.function.UnaryOperator;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One training iteration on one batch: a discriminator update, then a generator update, then the
 * moving average. The generator runs forward once per iteration; D trains on its output detached,
 * and G's update backpropagates the same graph through the just-updated D (as in the PyTorch DCGAN
 * example), which saves a second generator forward.
 *
 * <p>D sees real, generated and (matching-aware) mismatched pairs in one concatenated batch: it has
 * no batch-dependent layers, so this equals three passes at a third of the overhead, and spectral
 * normalisation runs one power iteration per update. During G's update D's parameters stop
 * requiring gradients, so its weight gradients are not computed for nothing.
 *
 * <p>With learned caption encoding G and D each encode the batch's tokens with their own encoder;
 * the matching loss still compares with the frozen embeddings, in the frozen model's space.
 *
 * <p>With a feature discriminator the frozen encoder reads exactly what D's pixel layers read. Without
 * augmentation it runs once on the real images (no graph: they appear twice in D's batch) and once
 * on the generated ones with G's graph, which D's update reads detached and G's update reads as is
 * (the encoder is frozen, so the updated D changes nothing there): two forward passes of the
 * encoder (3B and B images) become two of B each (63 -> 73 examples/s on the dev VM,
 * generation-2026-11-27g-vm.md). With augmentation every view is shifted on its own,
 * so it runs on each batch as D or G sees it.
 */
final class AdversarialStep {
    /** The scalars of one iteration. */
    record Values(double dLoss, double gLoss, double kl, double matching, double dReal, double dFake, double dWrong) {
    }

    private final GanNetworks nets;
    private final GanTrainingData data;
    private final MatchingLoss matching;
    /** The frozen retrieval image encoder the feature heads read; null without them. */
    private final ImageEncoder featureEncoder;
    private final GanConfig config;

    AdversarialStep(GanNetworks nets, GanTrainingData data, MatchingLoss matching, ImageEncoder featureEncoder) {
        if ((featureEncoder != null) != (nets.config.featureWeight() > 0)) {
            throw new IllegalArgumentException("a frozen image encoder is needed exactly when featureWeight > 0");
        }
        this.nets = nets;
        this.data = data;
        this.matching = matching;
        this.featureEncoder = featureEncoder;
        this.config = nets.config;
    }

    /**
     * @param step the 1-based number of this iteration (for error messages and the EMA warm-up)
     * @throws MmfuseException when a loss is NaN or infinite (before the update it would poison)
     */
    Values run(CaptionBatches.Batch batch, long step) {
        try (PointerScope scope = new PointerScope()) {
            int b = batch.size();
            int textDim = config.textDim();
            Tensor images = Tensors.floats(gather(data.images(), batch.images(), GanTrainingData.IMAGE_FLOATS), nets.device,
                    b, 3, GanTrainingData.SIDE, GanTrainingData.SIDE);
            Tensor text = Tensors.floats(gather(data.captionEmbeddings(), batch.captions(), textDim), nets.device, b, textDim);
            Tensor noise = onDevice(randn(b, config.noiseDim()));
            Tensor eps = onDevice(randn(b, config.condDim()));

            boolean learned = config.learnedCaptions();
            CaptionEncoder.Inputs tokens = learned ? tokenInputs(data.tokens().rows(batch.captions())) : null;

            nets.generator.train(true);
            Generator.Output generated = nets.generator.forward(noise, learned ? nets.generator.encodeCaptions(tokens) : text, eps);
            Tensor fake = generated.images();
            boolean sharedFeatures = featureEncoder != null && config.discriminatorShift() == 0;
            Tensor[] fakeFeatures = sharedFeatures ? featureEncoder.features(fake) : null;

            // Discriminator update.
            boolean conditional = nets.discriminator.conditional();
            Tensor real;
            Tensor fakeLogits;
            Tensor wrong = null;
            boolean withWords = config.wordWeight() > 0;
            Discriminator.Judgement judged;
            if (conditional) {
                Tensor rightText = learned ? nets.discriminator.encodeCaptions(tokens) : text;
                Tensor wrongText = learned
                        ? nets.discriminator.encodeCaptions(tokenInputs(data.tokens().mismatched(batch.wrongCaptions(),
                                batch.wrongIsHardNegative())))
                        : Tensors.floats(data.mismatchedEmbeddings(batch.wrongCaptions(), batch.wrongIsHardNegative()),
                                nets.device, b, textDim);
                Tensor seen = augment(cat(new TensorVector(images, fake.detach(), images)));
                Tensor[] features = sharedFeatures ? realFakeReal(frozenFeatures(images, false), fakeFeatures)
                        : frozenFeatures(seen, false);
                judged = nets.discriminator.judge(seen, cat(new TensorVector(rightText, rightText, wrongText)), withWords, features);
                wrong = judged.logits().narrow(0, 2L * b, b);
            } else {
                judged = nets.discriminator.judge(augment(cat(new TensorVector(images, fake.detach()))), null, withWords, null);
            }
            real = judged.logits().narrow(0, 0, b);
            fakeLogits = judged.logits().narrow(0, b, b);
            Tensor dLoss = AdversarialLoss.discriminator(config.loss(), real, fakeLogits, wrong);
            if (judged.featureLogits() != null) {
                dLoss = dLoss.add(weightedHeads(judged.featureLogits(), h -> AdversarialLoss.discriminator(config.loss(),
                        h.narrow(0, 0, b), h.narrow(0, b, b), h.narrow(0, 2L * b, b))));
            }
            Tensor patches = judged.patchLogits();
            if (patches != null) {
                // Per location, the same real / fake / mismatched terms as the image logit.
                dLoss = dLoss.add(AdversarialLoss.discriminator(config.loss(), patches.narrow(0, 0, b),
                        patches.narrow(0, b, b), conditional ? patches.narrow(0, 2L * b, b) : null)
                        .mul(new Scalar(config.patchWeight())));
            }
            Tensor wordTargets = null;
            if (withWords) {
                // AC-GAN: the head learns the words of real and of generated images alike.
                wordTargets = Tensors.floats(data.words().targets(batch.captions()), nets.device, b, config.wordClasses());
                Tensor both = judged.words().narrow(0, 0, 2L * b);
                dLoss = dLoss.add(AdversarialLoss.words(both, cat(new TensorVector(wordTargets, wordTargets)))
                        .mul(new Scalar(config.wordWeight())));
            }
            double dLossValue = finite("discriminator loss", dLoss.item_float(), step);
            nets.optimizerD.zero_grad();
            dLoss.backward();
            nets.optimizerD.step();

            // Generator update through the updated D.
            setRequiresGrad(nets.discriminator, false);
            double klValue;
            double matchValue = Double.NaN;
            double gLossValue;
            try {
                Tensor seen = augment(fake);
                Tensor dText = !conditional ? null : learned ? nets.discriminator.encodeCaptions(tokens) : text;
                Discriminator.Judgement verdict = nets.discriminator.judge(seen, dText, withWords,
                        sharedFeatures ? fakeFeatures : frozenFeatures(seen, true));
                Tensor kl = generated.conditioning().kl();
                Tensor gLoss = AdversarialLoss.generator(config.loss(), verdict.logits())
                        .add(kl.mul(new Scalar(config.klWeight())));
                if (verdict.featureLogits() != null) {
                    gLoss = gLoss.add(weightedHeads(verdict.featureLogits(), h -> AdversarialLoss.generator(config.loss(), h)));
                }
                if (verdict.patchLogits() != null) {
                    gLoss = gLoss.add(AdversarialLoss.generator(config.loss(), verdict.patchLogits())
                            .mul(new Scalar(config.patchWeight())));
                }
                if (withWords) {
                    gLoss = gLoss.add(AdversarialLoss.words(verdict.words(), wordTargets).mul(new Scalar(config.wordWeight())));
                }
                if (matching != null) {
                    boolean[] hasOrder = hardNegativesOf(batch);
                    Tensor m = hasOrder == null ? matching.compute(fake, text, batch.images())
                            : matching.compute(fake, text, batch.images(), Tensors.floats(gather(data.hardNegatives(),
                                    batch.captions(), textDim), nets.device, b, textDim), hasOrder);
                    matchValue = m.item_float();
                    gLoss = gLoss.add(m.mul(new Scalar(config.matchingWeight())));
                }
                klValue = kl.item_float();
                gLossValue = finite("generator loss", gLoss.item_float(), step);
                nets.optimizerG.zero_grad();
                gLoss.backward();
                nets.optimizerG.step();
            } finally {
                setRequiresGrad(nets.discriminator, true);
            }
            if (nets.average != null) {
                GeneratorAverage.update(nets.average, nets.generator, GeneratorAverage.effectiveDecay(config.emaDecay(), step));
            }
            return new Values(dLossValue, gLossValue, klValue, matchValue, real.mean().item_float(),
                    fakeLogits.mean().item_float(), wrong == null ? Double.NaN : wrong.mean().item_float());
        }
    }

    /**
     * The frozen encoder's block outputs for what D sees, or null without feature heads.
     *
     * @param withGraph whether G's gradient must pass through (G's update); D's update needs none
     */
    private Tensor[] frozenFeatures(Tensor seen, boolean withGraph) {
        if (featureEncoder == null) {
            return null;
        }
        if (withGraph) {
            return featureEncoder.features(seen);
        }
        try (NoGradGuard g = new NoGradGuard()) {
            return featureEncoder.features(seen);
        }
    }

    /** featureWeight x the sum of one loss term per feature head (D's and G's updates alike). */
    private Tensor weightedHeads(Tensor[] headLogits, UnaryOperator<Tensor> term) {
        Tensor sum = term.apply(headLogits[0]);
        for (int i = 1; i < headLogits.length; i++) {
            sum = sum.add(term.apply(headLogits[i]));
        }
        return sum.mul(new Scalar(config.featureWeight()));
    }

    /** Per block, [real; fake detached; real] along the batch, as D's update batch is laid out. */
    private static Tensor[] realFakeReal(Tensor[] real, Tensor[] fake) {
        Tensor[] out = new Tensor[real.length];
        for (int i = 0; i < real.length; i++) {
            out[i] = cat(new TensorVector(real[i], fake[i].detach(), real[i]));
        }
        return out;
    }

    /** What D sees: each image shifted on its own (DiffAugment translation) when configured. */
    private Tensor augment(Tensor images) {
        return RandomTranslation.apply(images, config.discriminatorShift());
    }

    /** Which captions of the batch have a hard negative, or null when the data has none or none here. */
    private boolean[] hardNegativesOf(CaptionBatches.Batch batch) {
        boolean[] all = data.hasHardNegative();
        if (all == null) {
            return null;
        }
        int[] captions = batch.captions();
        boolean[] has = new boolean[captions.length];
        boolean any = false;
        for (int i = 0; i < captions.length; i++) {
            has[i] = all[captions[i]];
            any |= has[i];
        }
        return any ? has : null;
    }

    private CaptionEncoder.Inputs tokenInputs(int[][] rows) {
        return CaptionEncoder.inputs(rows, config.captionVocabulary(), nets.device);
    }

    private Tensor onDevice(Tensor cpu) {
        return nets.deviceChoice.isCuda() ? cpu.to(nets.device, ScalarType.Float) : cpu;
    }

    /** Rows {@code rows} of a row-major array with {@code width} floats per row, in that order. */
    static float[] gather(float[] source, int[] rows, int width) {
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(source, rows[i] * width, out, i * width, width);
        }
        return out;
    }

    private static double finite(String what, double value, long step) {
        if (!Double.isFinite(value)) {
            throw new MmfuseException("GAN training diverged: " + what + " is " + value + " at step " + step
                    + " (lower the learning rates)");
        }
        return value;
    }

    private static void setRequiresGrad(org.bytedeco.pytorch.Module module, boolean on) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector params = module.parameters();
            for (long i = 0; i < params.size(); i++) {
                params.get(i).set_requires_grad(on);
            }
        }
    }
}
