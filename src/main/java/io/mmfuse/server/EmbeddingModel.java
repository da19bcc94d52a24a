package io.mmfuse.server;

import io.mmfuse.search.FloatMatrix;
import java.util.List;

/**
 * What the server needs from a model: the integrator implements it over the real text and image
 * encoders. Calls arrive from the batcher's worker threads, one thread for texts and one for
 * images, each inside its own JavaCPP {@code PointerScope}; an implementation must therefore
 * tolerate one {@link #embedTexts} and one {@link #embedImages} call running at the same time,
 * and must copy results to the heap before returning.
 */
public interface EmbeddingModel {
    /** Identifies the weights (e.g. "clip-vit-b32@sha256:..."): collections refuse vectors of another. */
    String fingerprint();

    /** Length of every embedding. */
    int dimension();

    /** One embedding row per text, in order. Throws for failures of the whole batch. */
    FloatMatrix embedTexts(List<String> texts);

    /**
     * One result per encoded image file, in order: an image that cannot be decoded fails alone
     * ({@link ImageEmbedding.Failure}) without failing its batch-mates.
     */
    List<ImageEmbedding> embedImages(List<byte[]> images);

    /**
     * Runs the model once so that lazy initialisation (native loading, kernel selection, memory
     * pools) happens before the server reports ready.
     */
    default void warmUp() {
        embedTexts(List.of("warm-up"));
    }

    /**
     * Called once by the service that was given this model, after its batchers have drained:
     * release what the adapter itself holds (threads, buffers), not the weights it wraps, which
     * belong to whoever loaded them. Default: nothing to release.
     */
    default void close() {
    }
}
