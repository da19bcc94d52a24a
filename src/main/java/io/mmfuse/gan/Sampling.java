package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;

/**
 * How {@link TextToImage} draws its images.
 *
 * @param truncation psi in [0, 1]: the noise and the conditioning draw are scaled by psi, so lower
 *     values trade variety for images closer to the generator's typical rendering of the prompt (the
 *     truncation trick of BigGAN and StyleGAN, applied in z space); 1 samples as in training, 0 draws
 *     every sample of a prompt alike
 * @param candidates 1 to {@value #MAX_CANDIDATES} images drawn for each one returned; above 1 the one
 *     whose embedding under the checkpoint's retrieval model (or the rankers {@link TextToImage} was
 *     loaded with, see {@link CandidateRanking}) is closest to the prompt's is kept (re-ranking, as
 *     DALL-E re-ranks with CLIP), at that many times the cost
 */
public record Sampling(double truncation, int candidates) {
    public static final int MAX_CANDIDATES = 64;

    /** What training's sample grids show: no truncation, no re-ranking. */
    public static final Sampling DEFAULT = new Sampling(1.0, 1);

    public Sampling {
        if (!(truncation >= 0 && truncation <= 1)) { // also rejects NaN
            throw new InvalidInputException("truncation", "must be in [0, 1], got " + truncation);
        }
        if (candidates < 1 || candidates > MAX_CANDIDATES) {
            throw new InvalidInputException("candidates", "must be in [1, " + MAX_CANDIDATES + "], got " + candidates);
        }
    }

    public Sampling withTruncation(double psi) {
        return new Sampling(psi, candidates);
    }

    public Sampling withCandidates(int n) {
        return new Sampling(truncation, n);
    }
}
