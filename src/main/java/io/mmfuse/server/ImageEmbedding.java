package io.mmfuse.server;

/** The outcome of embedding one image: a vector, or why that image (alone) could not be embedded. */
public sealed interface ImageEmbedding {
    record Success(float[] vector) implements ImageEmbedding {
    }

    /** The image was bad input (undecodable, unsupported); {@code reason} is shown to the caller. */
    record Failure(String reason) implements ImageEmbedding {
    }
}
