package io.mmfuse.gan;

/**
 * Where a {@link TextToImage} call is, in units of work: chunks of drawn images, ranking passes and
 * refinement steps (a step of each chunk of refined images). Called on the calling thread before each
 * unit with the units done so far, and once more at the end with {@code done == total}.
 */
@FunctionalInterface
public interface GenerationProgress {
    GenerationProgress NONE = (done, total) -> {
    };

    void advanced(long done, long total);
}
