package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.leaky_relu;

import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The feature discriminator's heads (Projected GAN, Sauer et al., 2021): small spectrally normalised
 * conv stacks that judge (image, caption) pairs from a frozen retrieval image encoder's block
 * outputs rather than from pixels. Why: that encoder already tells shapes apart on real images
 * (95.7 % in generation-2026-11-27d-vm.md), while the pixel discriminator has to learn shape
 * features from the adversarial signal alone, which on this project's CPU budget it did not.
 *
 * <p>One head per block 1, 2, 3 of the encoder (16x16, 8x8 and 4x4 at 64 px, with 2f, 4f and 8f
 * channels for encoder width f): a 1x1 conv to h channels, stride-2 4x4 convs down to 4x4, then
 * the caption features replicated over the grid and concatenated (as in the pixel
 * discriminator, so a head can check where things are, not only what), a 1x1 conv and a 4x4 conv
 * to one logit. Each head's logit gets its own adversarial terms; the encoder is not part of this
 * module and is never trained.
 */
final class FeatureHeads extends Module {
    static final int[] BLOCKS = {1, 2, 3};
    private static final int[] WIDTH_MULTIPLIERS = {1, 2, 4, 8};

    private final SpectralNormConv2d[][] stacks = new SpectralNormConv2d[BLOCKS.length][];
    private final SpectralNormConv2d[] joints = new SpectralNormConv2d[BLOCKS.length];
    private final SpectralNormConv2d[] logits = new SpectralNormConv2d[BLOCKS.length];
    private final Scalar slope;

    /**
     * @param featureWidth the frozen encoder's width f
     * @param hidden channels h of every head
     * @param textFeatures size of the caption features the discriminator hands in
     */
    FeatureHeads(int featureWidth, int hidden, int textFeatures, boolean spectralNorm) {
        for (int h = 0; h < BLOCKS.length; h++) {
            int block = BLOCKS[h];
            int downs = 3 - block; // block 1 is 16x16 at 64 px, two halvings from 4x4
            SpectralNormConv2d[] stack = new SpectralNormConv2d[1 + downs];
            stack[0] = new SpectralNormConv2d((long) featureWidth * WIDTH_MULTIPLIERS[block], hidden, 1, 1, 0, spectralNorm);
            for (int d = 1; d <= downs; d++) {
                stack[d] = new SpectralNormConv2d(hidden, hidden, 4, 2, 1, spectralNorm);
            }
            for (int d = 0; d < stack.length; d++) {
                stack[d] = Tensors.keep(register_module("head" + block + "_" + d, stack[d]));
            }
            stacks[h] = stack;
            joints[h] = Tensors.keep(register_module("joint" + block,
                    new SpectralNormConv2d(hidden + textFeatures, hidden, 1, 1, 0, spectralNorm)));
            logits[h] = Tensors.keep(register_module("logit" + block, new SpectralNormConv2d(hidden, 1, 4, 1, 0, spectralNorm)));
        }
        slope = Tensors.keep(new Scalar(0.2));
    }

    /**
     * @param features the encoder's four block outputs ({@code ImageEncoder.features}) for 64 px images
     * @param text [B, textFeatures] caption features (after the discriminator's projection)
     * @return one [B] logit tensor per head
     */
    Tensor[] forward(Tensor[] features, Tensor text) {
        Tensor[] out = new Tensor[BLOCKS.length];
        for (int h = 0; h < BLOCKS.length; h++) {
            Tensor x = features[BLOCKS[h]];
            for (SpectralNormConv2d conv : stacks[h]) {
                x = leaky_relu(conv.forward(x), slope);
            }
            Tensor grid = text.view(text.size(0), text.size(1), 1, 1).expand(text.size(0), text.size(1), x.size(2), x.size(3));
            x = leaky_relu(joints[h].forward(cat(new TensorVector(x, grid), 1)), slope);
            out[h] = logits[h].forward(x).flatten();
        }
        return out;
    }
}
