package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.mse_loss;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * The full training loss: the configured {@link AlignmentObjective} plus reconstructionWeight x
 * (image MSE + text MSE), the founding design's reconstruction terms. The text target is the
 * multi-hot bag-of-words vector of the caption (padding column excluded).
 */
public final class TrainingLoss {
    private final AlignmentObjective alignment;
    private final double reconstructionWeight;
    private final long vocabSize;

    public TrainingLoss(ModelConfig config) {
        this.alignment = AlignmentObjective.of(config.objective());
        this.reconstructionWeight = config.reconstructionWeight();
        this.vocabSize = config.vocabSize();
    }

    /** Scalar tensors of one batch; reconstruction terms are null when switched off. */
    public record Terms(Tensor total, Tensor alignment, Tensor imageReconstruction, Tensor textReconstruction) {
    }

    public boolean reconstructs() {
        return reconstructionWeight > 0;
    }

    public AlignmentObjective alignment() {
        return alignment;
    }

    /**
     * @param out the model's forward outputs (with reconstructions when {@link #reconstructs()})
     * @param images the input images, the image decoder's target
     * @param tokens the padded token ids, from which the text target is built
     */
    public Terms compute(MultimodalAutoencoder.Outputs out, Tensor logitScale, Tensor images, Tensor tokens,
                         int[] imageIds) {
        return compute(out, logitScale, images, tokens, imageIds, null, null);
    }

    /**
     * {@link #compute(MultimodalAutoencoder.Outputs, Tensor, Tensor, Tensor, int[])} with hard text
     * negatives for the alignment term (see {@link AlignmentObjective#loss(Tensor, Tensor, Tensor,
     * int[], Tensor, boolean[])}).
     */
    public Terms compute(MultimodalAutoencoder.Outputs out, Tensor logitScale, Tensor images, Tensor tokens,
                         int[] imageIds, Tensor hardNegatives, boolean[] hasNegative) {
        Tensor align = alignment.loss(out.imageEmbedding(), out.textEmbedding(), logitScale, imageIds,
                hardNegatives, hasNegative);
        if (!reconstructs()) {
            return new Terms(align, align, null, null);
        }
        Tensor imageMse = mse_loss(out.reconstructedImages(), images);
        Tensor target = TextDecoder.bagOfWordsTarget(tokens, out.reconstructedBagOfWords(), vocabSize);
        Tensor textMse = mse_loss(out.reconstructedBagOfWords().narrow(1, 1, vocabSize - 1),
                target.narrow(1, 1, vocabSize - 1));
        Tensor total = align.add(imageMse.add(textMse).mul(new Scalar(reconstructionWeight)));
        return new Terms(total, align, imageMse, textMse);
    }
}
