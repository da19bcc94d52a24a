package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.leaky_relu;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * DCGAN discriminator: Conv(4, stride 2, pad 1) blocks 64 -> 32 -> 16 -> 8 -> 4 with w, 2w, 4w, 8w
 * channels and LeakyReLU(0.2), every conv and linear spectrally normalised (when configured).
 *
 * <p>MATCHING_AWARE (GAN-INT-CLS): the caption embedding goes through Linear(textDim, 128) +
 * LeakyReLU (on embeddings rescaled to unit-size entries, see {@link ConditioningAugmentation#unitScale}),
 * is replicated over the 4x4 grid and concatenated to the image features; a 1x1 conv
 * mixes them and a 4x4 conv gives one logit, so D can tell a real image with the wrong caption
 * from one with its own. UNCONDITIONAL (the founding sketch's D) has the same layers without the
 * text branch and ignores the caption.
 *
 * <p>With a word loss (GanConfig.wordWeight &gt; 0) a spectrally normalised linear head on the
 * spatially summed 4x4 image features (before the caption joins them) predicts which vocabulary
 * words the caption holds: the auxiliary classifier of AC-GAN, with words for classes.
 *
 * <p>With a feature discriminator (GanConfig.featureWeight &gt; 0) {@link FeatureHeads} judge the
 * same pairs from a frozen retrieval encoder's block outputs, which the caller computes and hands
 * in; they share the caption projection and each head returns its own logit.
 *
 * <p>With a patch discriminator (GanConfig.patchWeight &gt; 0) a 1x1-conv head on the 8x8 feature map
 * (with the caption projection joined there too when matching-aware) gives one logit per location,
 * each judging about 22 x 22 pixels: the shapes' objects are 14 to 20 pixels across, so their
 * outlines are judged one by one instead of only through the 4x4 summary.
 *
 * <p>With {@link GanConfig.CaptionEncoding#LEARNED} a matching-aware D owns a {@link CaptionEncoder}
 * of its own ({@link #encodeCaptions}), trained by D's loss alone, whose output the caller passes
 * as the text.
 *
 * <p>Activations run channels-last, which LibTorch's CPU (oneDNN) convolutions run faster for
 * these shapes (D forward over 3 x 64 images at width 64: about 0.5 s against 0.8 s on the 2-core
 * dev VM).
 */
final class Discriminator extends Module {
    static final int TEXT_FEATURES = 128;
    /** The block whose output (8x8 for 64-pixel images) the patch head reads. */
    private static final int PATCH_BLOCK = 2;
    private static final int[] WIDTHS = {1, 2, 4, 8};

    private final SpectralNormConv2d[] convs = new SpectralNormConv2d[4];
    private final SpectralNormLinear textProjection;
    private final SpectralNormConv2d joint;
    private final SpectralNormConv2d logit;
    /** Word head; null without a word loss. */
    private final SpectralNormLinear words;
    /** Feature heads; null without a feature discriminator. */
    private final FeatureHeads features;
    /** Patch head (8x8 locations); null without a patch discriminator. */
    private final SpectralNormConv2d patchJoint;
    private final SpectralNormConv2d patchLogit;
    private final Scalar slope;
    /** LEARNED caption encoding with a matching-aware D only (null otherwise). */
    private final CaptionEncoder captions;

    Discriminator(GanConfig config) {
        int w = config.discWidth();
        boolean sn = config.spectralNorm();
        long in = 3;
        for (int i = 0; i < 4; i++) {
            long out = (long) WIDTHS[i] * w;
            convs[i] = Tensors.keep(register_module("conv" + i, new SpectralNormConv2d(in, out, 4, 2, 1, sn)));
            in = out;
        }
        long top = in;
        if (config.discriminator() == GanConfig.DiscriminatorMode.MATCHING_AWARE) {
            textProjection = Tensors.keep(register_module("text", new SpectralNormLinear(config.textDim(), TEXT_FEATURES, sn)));
            joint = Tensors.keep(register_module("joint", new SpectralNormConv2d(top + TEXT_FEATURES, top, 1, 1, 0, sn)));
        } else {
            textProjection = null;
            joint = Tensors.keep(register_module("joint", new SpectralNormConv2d(top, top, 1, 1, 0, sn)));
        }
        logit = Tensors.keep(register_module("logit", new SpectralNormConv2d(top, 1, 4, 1, 0, sn)));
        if (config.wordWeight() > 0 && config.wordClasses() == 0) {
            throw new InvalidInputException("wordClasses", "must be set (the text model's vocabulary size) to build the word head");
        }
        words = config.wordClasses() > 0
                ? Tensors.keep(register_module("words", new SpectralNormLinear(top, config.wordClasses(), sn))) : null;
        if (config.featureWeight() > 0 && config.featureWidth() == 0) {
            throw new InvalidInputException("featureWidth", "must be set (the frozen image encoder's width) to build the feature heads");
        }
        features = config.featureWidth() > 0
                ? Tensors.keep(register_module("features", new FeatureHeads(config.featureWidth(), 2 * w, TEXT_FEATURES, sn)))
                : null;
        if (config.patchWeight() > 0) {
            long mid = (long) WIDTHS[PATCH_BLOCK] * w;
            long joined = mid + (textProjection != null ? TEXT_FEATURES : 0);
            patchJoint = Tensors.keep(register_module("patchJoint", new SpectralNormConv2d(joined, mid, 1, 1, 0, sn)));
            patchLogit = Tensors.keep(register_module("patchLogit", new SpectralNormConv2d(mid, 1, 1, 1, 0, sn)));
        } else {
            patchJoint = null;
            patchLogit = null;
        }
        slope = Tensors.keep(new Scalar(0.2));
        captions = textProjection != null ? CaptionEncoder.register(this, config) : null;
    }

    /** The caption embedding this discriminator reads, from tokens; LEARNED caption encoding only. */
    Tensor encodeCaptions(CaptionEncoder.Inputs tokens) {
        if (captions == null) {
            throw new IllegalStateException("this discriminator reads no caption tokens");
        }
        return captions.forward(tokens);
    }

    /**
     * @param images [B, 3, 64, 64] in [-1, 1]
     * @param text [B, textDim] caption embeddings (ignored, may be null, when UNCONDITIONAL)
     * @return [B] logits (higher = real and matching)
     */
    Tensor forward(Tensor images, Tensor text) {
        return judge(images, text, false, null).logits();
    }

    /**
     * The logits with, when asked for and configured, the word head's logits, the feature heads'
     * logits (one [B] tensor per head) and, when configured, the patch head's [B, 64] logits.
     */
    record Judgement(Tensor logits, Tensor words, Tensor[] featureLogits, Tensor patchLogits) {
    }

    /**
     * @param withWords also run the word head (which the config must have: wordClasses &gt; 0)
     * @param encoderFeatures null, or the frozen encoder's block outputs for the same images, to run
     *     the feature heads (which the config must have: featureWidth &gt; 0)
     * @return [B] logits, [B, wordClasses] word logits (null unless withWords) and the feature
     *     heads' logits (null unless encoderFeatures)
     */
    Judgement judge(Tensor images, Tensor text, boolean withWords, Tensor[] encoderFeatures) {
        Tensor x = images.contiguous(MemoryFormat.ChannelsLast);
        Tensor patchInput = null;
        for (int i = 0; i < convs.length; i++) {
            x = leaky_relu(convs[i].forward(x), slope);
            if (i == PATCH_BLOCK) {
                patchInput = x;
            }
        }
        Tensor wordLogits = null;
        if (withWords) {
            if (words == null) {
                throw new IllegalStateException("this discriminator has no word head");
            }
            wordLogits = words.forward(x.sum(new long[] {2, 3}));
        }
        Tensor[] featureLogits = null;
        Tensor t = textProjection != null
                ? leaky_relu(textProjection.forward(ConditioningAugmentation.unitScale(text)), slope) : null;
        Tensor patchLogits = patchJoint != null ? patches(patchInput, t) : null;
        if (t != null) {
            if (encoderFeatures != null) {
                if (features == null) {
                    throw new IllegalStateException("this discriminator has no feature heads");
                }
                featureLogits = features.forward(encoderFeatures, t);
            }
            x = cat(new TensorVector(x, textGrid(t, x)), 1);
        }
        x = leaky_relu(joint.forward(x), slope);
        return new Judgement(logit.forward(x).flatten(), wordLogits, featureLogits, patchLogits);
    }

    /** [B, H*W] logits, one per location of the patch block's output (caption joined when t is set). */
    private Tensor patches(Tensor features, Tensor t) {
        Tensor p = t == null ? features : cat(new TensorVector(features, textGrid(t, features)), 1);
        p = leaky_relu(patchJoint.forward(p), slope);
        return patchLogit.forward(p).flatten(1, -1);
    }

    /** The caption projection replicated over the spatial grid of {@code like}. */
    private static Tensor textGrid(Tensor t, Tensor like) {
        return t.view(t.size(0), TEXT_FEATURES, 1, 1).expand(t.size(0), TEXT_FEATURES, like.size(2), like.size(3));
    }

    /** Whether the caption reaches the logit. */
    boolean conditional() {
        return textProjection != null;
    }

    SpectralNormConv2d[] convs() {
        return convs.clone();
    }
}
