package io.mmfuse.model;

import org.bytedeco.pytorch.Tensor;

/**
 * The cross-modal term of the training loss, computed on a batch of paired, L2-normalised
 * embeddings (row i of both matrices is one caption and its image).
 */
public interface AlignmentObjective {
    /**
     * @param imageEmbeddings [B, d] unit rows
     * @param textEmbeddings [B, d] unit rows
     * @param logitScale scalar tensor 1/temperature (objectives without a temperature ignore it)
     * @param imageIds the dataset image index of each row; rows with equal ids show the same image
     * @return a scalar loss tensor connected to the autograd graph
     */
    Tensor loss(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, int[] imageIds);

    /**
     * {@link #loss} with one extra text negative per image: row i of {@code hardNegatives} competes
     * with caption i for image i (image-to-text direction only, since a negative has no image);
     * rows whose {@code hasNegative} is false are ignored. Only objectives whose
     * {@link #takesHardNegatives()} is true accept non-null negatives.
     *
     * @param hardNegatives [B, d] unit rows, or null for none
     */
    default Tensor loss(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, int[] imageIds,
                        Tensor hardNegatives, boolean[] hasNegative) {
        if (hardNegatives != null) {
            throw new IllegalStateException("the " + name() + " objective takes no hard negatives");
        }
        return loss(imageEmbeddings, textEmbeddings, logitScale, imageIds);
    }

    /** Whether {@link #loss(Tensor, Tensor, Tensor, int[], Tensor, boolean[])} uses hard negatives. */
    default boolean takesHardNegatives() {
        return false;
    }

    /** Short name for logs ("seed", "contrastive"). */
    String name();

    static AlignmentObjective of(ModelConfig.Objective objective) {
        return switch (objective) {
            case SEED -> new SeedAlignmentObjective();
            case CONTRASTIVE -> new ContrastiveObjective();
        };
    }
}
