package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.ContrastiveObjective;
import io.mmfuse.model.MultimodalAutoencoder;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * A DAMSM-like matching term: a frozen retrieval model embeds the generated images and a
 * symmetric InfoNCE (temperature from the model, detached) pulls each image towards its own
 * caption's embedding and away from the other captions in the batch. Gradients flow through the
 * frozen image encoder into the generator only.
 *
 * <p>Where the training data carries hard negatives (word order swapped, or one object replaced),
 * each one is a further column of its image's softmax (as in the retrieval model's own training):
 * in-batch captions almost never differ from the true one by word order alone, so without them the
 * generator is not pushed to draw "a red circle above a blue square" rather than the other way round.
 */
final class MatchingLoss {
    private final MultimodalAutoencoder model;
    private final ContrastiveObjective objective = new ContrastiveObjective();
    private final int shift;

    /**
     * Freezes {@code model}: eval mode and requires_grad off on every parameter (the caller's model
     * stays frozen after training).
     */
    MatchingLoss(MultimodalAutoencoder model, GanConfig config) {
        if (model.config().imageSize() != config.imageSize()) {
            throw new InvalidInputException("matchingModel", "takes " + model.config().imageSize()
                    + " px images, the generator makes " + config.imageSize() + " px");
        }
        if (model.config().commonDim() != config.textDim()) {
            throw new InvalidInputException("matchingModel", "embeds into " + model.config().commonDim()
                    + " dimensions, the caption embeddings have textDim " + config.textDim());
        }
        this.model = model;
        this.shift = config.matchingShift();
        freeze(model);
    }

    /** Eval mode and requires_grad off on every parameter (gradients still reach the inputs); idempotent. */
    static void freeze(Module model) {
        model.eval();
        try (PointerScope scope = new PointerScope()) {
            TensorVector params = model.parameters();
            for (long i = 0; i < params.size(); i++) {
                params.get(i).set_requires_grad(false);
            }
        }
    }

    /**
     * @param generated [B, 3, 64, 64] generator output (with its graph)
     * @param text [B, textDim] the captions' embeddings from the same retrieval model
     * @param imageIds the real image behind each caption (captions of one image are not negatives)
     */
    Tensor compute(Tensor generated, Tensor text, int[] imageIds) {
        return compute(generated, text, imageIds, null, null);
    }

    /**
     * @param hardNegatives null, or [B, textDim]: row i embeds caption i's hard negative (objects swapped, or one replaced)
     * @param hasHardNegative which rows of {@code hardNegatives} are real (null with it)
     */
    Tensor compute(Tensor generated, Tensor text, int[] imageIds, Tensor hardNegatives, boolean[] hasHardNegative) {
        Tensor images = model.embedImages(RandomTranslation.apply(generated, shift));
        return objective.loss(images, text, model.logitScale().detach(), imageIds, hardNegatives, hasHardNegative);
    }
}
