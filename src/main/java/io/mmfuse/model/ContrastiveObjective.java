package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.arange;
import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.cross_entropy;
import static org.bytedeco.pytorch.global.torch.masked_fill;
import static org.bytedeco.pytorch.global.torch.mm;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Symmetric InfoNCE as in CLIP: logits = scale * I T^T over the batch; cross-entropy with the
 * diagonal as the target, image->text and text->image, averaged.
 *
 * <p>Two captions of the same image in one batch would be false negatives for each other. The
 * trainer's batching avoids that where it can; any pair that remains is masked out of the softmax
 * (its logit set to a large negative value), so the model is never pushed to separate a caption
 * from its own image's other rows.
 */
public final class ContrastiveObjective implements AlignmentObjective {
    private static final double MASKED_LOGIT = -1e4;

    @Override
    public Tensor loss(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, int[] imageIds) {
        return loss(imageEmbeddings, textEmbeddings, logitScale, imageIds, null, null);
    }

    @Override
    public boolean takesHardNegatives() {
        return true;
    }

    /**
     * As in NegCLIP, each hard negative is one more column of its own image's image-to-text
     * softmax; the text-to-image direction is unchanged.
     */
    @Override
    public Tensor loss(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, int[] imageIds,
                       Tensor hardNegatives, boolean[] hasNegative) {
        int b = (int) imageEmbeddings.size(0);
        Tensor logits = mm(imageEmbeddings, textEmbeddings.t()).mul(logitScale); // [images, texts]
        boolean[] mask = falseNegatives(imageIds, b);
        if (mask != null) {
            Tensor m = Tensor.create(mask, b, b).to(imageEmbeddings.device(), ScalarType.Bool);
            logits = masked_fill(logits, m, new Scalar(MASKED_LOGIT));
        }
        Tensor targets = arange(new Scalar(b), new TensorOptions(imageEmbeddings.device())
                .dtype(new ScalarTypeOptional(ScalarType.Long)));
        Tensor textToImage = cross_entropy(logits.t(), targets);
        Tensor imageToText;
        if (hardNegatives == null) {
            imageToText = cross_entropy(logits, targets);
        } else {
            Tensor extra = imageEmbeddings.mul(hardNegatives).sum(new long[] {1}, true, new ScalarTypeOptional())
                    .mul(logitScale); // [B, 1]
            Tensor absent = Tensor.create(not(hasNegative), b, 1).to(imageEmbeddings.device(), ScalarType.Bool);
            extra = masked_fill(extra, absent, new Scalar(MASKED_LOGIT));
            imageToText = cross_entropy(cat(new TensorVector(logits, extra), 1), targets);
        }
        return imageToText.add(textToImage).mul(new Scalar(0.5));
    }

    private static boolean[] not(boolean[] has) {
        boolean[] out = new boolean[has.length];
        for (int i = 0; i < has.length; i++) {
            out[i] = !has[i];
        }
        return out;
    }

    /** Off-diagonal cells whose rows show the same image, or null when there are none. */
    static boolean[] falseNegatives(int[] imageIds, int b) {
        if (imageIds == null) {
            return null;
        }
        boolean[] mask = null;
        for (int i = 0; i < b; i++) {
            for (int j = i + 1; j < b; j++) {
                if (imageIds[i] == imageIds[j]) {
                    if (mask == null) {
                        mask = new boolean[b * b];
                    }
                    mask[i * b + j] = true;
                    mask[j * b + i] = true;
                }
            }
        }
        return mask;
    }

    @Override
    public String name() {
        return "contrastive";
    }
}
