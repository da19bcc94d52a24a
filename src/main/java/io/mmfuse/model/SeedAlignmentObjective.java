package io.mmfuse.model;

import org.bytedeco.pytorch.Tensor;

/**
 * The founding design's alignment term, -mean_i(sum_d t_id * i_id). On raw encoder outputs it is
 * unbounded below: the encoders can drive it to -infinity by growing the norms without aligning
 * anything. Here it runs on L2-normalised embeddings, i.e. it is minus the mean cosine similarity of
 * the true pairs, bounded in [-1, 1]. It still has no negatives, so nothing stops every embedding
 * collapsing onto one direction (loss -1, retrieval at chance): kept as the baseline the
 * contrastive objective is measured against.
 */
public final class SeedAlignmentObjective implements AlignmentObjective {
    @Override
    public Tensor loss(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor logitScale, int[] imageIds) {
        return textEmbeddings.mul(imageEmbeddings).sum(1L).mean().neg();
    }

    @Override
    public String name() {
        return "seed";
    }
}
