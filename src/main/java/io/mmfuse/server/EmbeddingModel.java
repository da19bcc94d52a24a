package io.mmfuse.server;

import io.mmfuse.search.FloatMatrix;
import java.util.List;

/**
 * What the server needs from a model: the integrator implements it over the real text and image
 * encoders. Model calls arrive from the batchers' worker threads, one thread for texts and one for
 * images, each inside its own JavaCPP {@code PointerScope}; an implementation must therefore
 * tolerate one {@link #embedTexts} and one {@link #embedImages} call running at the same time,
 * and must copy results to the heap before returning.
 *
 * <p>Images are pre-processed before they are batched ({@link #prepareImage}), on the service's
 * pre-processing threads, so that decoding the next requests overlaps the model working on the
 * current batch, and a bad image is rejected before it takes a place in the queue.
 */
public interface EmbeddingModel {
    /** Identifies the weights (e.g. "clip-vit-b32@sha256:..."): collections refuse vectors of another. */
    String fingerprint();

    /** Length of every embedding. */
    int dimension();

    /** One embedding row per text, in order. Throws for failures of the whole batch. */
    FloatMatrix embedTexts(List<String> texts);

    /**
     * Turns one encoded image file into the model's input (for a CNN: decoded, resized and
     * normalised pixels). Thread-safe; called concurrently from several pre-processing threads;
     * frees any native memory it allocates before returning.
     *
     * @param field names the image in error messages ("images[2]")
     * @throws io.mmfuse.InvalidInputException naming {@code field} if the image cannot be used
     */
    float[] prepareImage(String field, byte[] image);

    /** One embedding row per prepared image ({@link #prepareImage}), in order. Throws for failures of the whole batch. */
    FloatMatrix embedImages(List<float[]> prepared);

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
