package io.mmfuse.gan;

import io.mmfuse.search.FloatMatrix;

/**
 * Keeps, of each group of candidate images, the one whose embedding is closest to its prompt's: the
 * re-ranking of {@link Sampling#candidates()}, public so that a caller can rank with a retrieval model
 * of its own.
 */
public final class CandidateRanking {
    private CandidateRanking() {
    }

    /**
     * @param images rows x (samples * candidates) images, sample j's candidates in columns
     *     j * candidates ... j * candidates + candidates - 1
     * @param imageEmbeddings one unit row per image, in the same order
     * @param textEmbeddings rows unit vectors of the prompts, row-major
     * @return rows x samples images: for each sample the candidate with the highest cosine to its
     *     prompt (the first on ties)
     */
    public static float[] best(float[] images, FloatMatrix imageEmbeddings, float[] textEmbeddings, int rows, int samples,
            int candidates) {
        int dim = imageEmbeddings.cols();
        int imageFloats = images.length / (rows * samples * candidates);
        float[] out = new float[rows * samples * imageFloats];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < samples; j++) {
                int best = -1;
                double bestScore = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < candidates; c++) {
                    int image = (r * samples + j) * candidates + c;
                    double score = 0;
                    for (int d = 0; d < dim; d++) {
                        score += (double) imageEmbeddings.get(image, d) * textEmbeddings[r * dim + d];
                    }
                    if (score > bestScore) {
                        bestScore = score;
                        best = image;
                    }
                }
                System.arraycopy(images, best * imageFloats, out, (r * samples + j) * imageFloats, imageFloats);
            }
        }
        return out;
    }
}
