package io.mmfuse.caption;

/**
 * A caption of the reference corpus found near an image in the joint space.
 *
 * @param rank 1-based
 * @param caption the corpus caption
 * @param distance squared L2 distance between the unit image and caption embeddings (0..4)
 */
public record RetrievedCaption(int rank, String caption, float distance) {
}
