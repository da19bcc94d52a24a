package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import java.util.Arrays;
import java.util.List;

/**
 * Keeps, of each group of candidate images, the one whose embedding is closest to its prompt's: the
 * re-ranking of {@link Sampling#candidates()}, public so that a caller can rank with a retrieval model
 * of its own. Several retrieval models rank together by the sum of their cosines, each standardised
 * over the group's candidates, so that a model whose cosines spread wider does not outvote the others.
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
        return best(images, List.of(cosines(imageEmbeddings, textEmbeddings, rows)), rows, samples, candidates);
    }

    /**
     * The cosine of each image with its prompt: image i belongs to prompt i / (images / rows).
     *
     * @param imageEmbeddings one unit row per image, prompt 0's images first
     * @param textEmbeddings rows unit vectors of the prompts, row-major
     */
    public static double[] cosines(FloatMatrix imageEmbeddings, float[] textEmbeddings, int rows) {
        int dim = imageEmbeddings.cols();
        int n = imageEmbeddings.rows();
        int perRow = n / rows;
        double[] out = new double[n];
        for (int image = 0; image < n; image++) {
            int r = image / perRow;
            double score = 0;
            for (int d = 0; d < dim; d++) {
                score += (double) imageEmbeddings.get(image, d) * textEmbeddings[r * dim + d];
            }
            out[image] = score;
        }
        return out;
    }

    /**
     * @param scores one score per image from each ranker (higher is better), in image order
     * @return rows x samples images: for each sample the candidate with the highest score; with several
     *     rankers, the highest sum of their scores each standardised (zero mean, unit deviation) over
     *     the sample's candidates; the first on ties
     */
    public static float[] best(float[] images, List<double[]> scores, int rows, int samples, int candidates) {
        int[] best = bestIndices(scores, rows * samples, candidates);
        int n = rows * samples * candidates;
        if (images.length % n != 0) {
            throw new InvalidInputException("images", images.length + " floats do not split into " + n + " images");
        }
        int imageFloats = images.length / n;
        float[] out = new float[rows * samples * imageFloats];
        for (int group = 0; group < best.length; group++) {
            System.arraycopy(images, (group * candidates + best[group]) * imageFloats, out, group * imageFloats, imageFloats);
        }
        return out;
    }

    /**
     * The ranking of {@link #best(float[], List, int, int, int)} without the images: for each of
     * {@code groups} consecutive groups of {@code candidates} scores, the index within the group that
     * {@code best} keeps.
     */
    public static int[] bestIndices(List<double[]> scores, int groups, int candidates) {
        int n = groups * candidates;
        if (scores == null || scores.isEmpty()) {
            throw new InvalidInputException("scores", "no ranker's scores given");
        }
        for (int k = 0; k < scores.size(); k++) {
            if (scores.get(k).length != n) {
                throw new InvalidInputException("scores[" + k + "]", scores.get(k).length + " scores for " + n + " images");
            }
        }
        int[] out = new int[groups];
        double[] sum = new double[candidates];
        for (int group = 0; group < groups; group++) {
            int first = group * candidates;
            Arrays.fill(sum, 0);
            for (double[] s : scores) {
                addGroup(s, first, candidates, scores.size() > 1, sum);
            }
            int best = 0;
            for (int c = 1; c < candidates; c++) {
                if (sum[c] > sum[best]) {
                    best = c;
                }
            }
            out[group] = best;
        }
        return out;
    }

    /** Adds scores[first .. first + n) to sum, standardised over those n when asked (unchanged when all equal). */
    private static void addGroup(double[] scores, int first, int n, boolean standardise, double[] sum) {
        double mean = 0;
        double sd = 1;
        if (standardise) {
            for (int c = 0; c < n; c++) {
                mean += scores[first + c];
            }
            mean /= n;
            double var = 0;
            for (int c = 0; c < n; c++) {
                var += (scores[first + c] - mean) * (scores[first + c] - mean);
            }
            sd = var > 0 ? Math.sqrt(var / n) : 1;
        }
        for (int c = 0; c < n; c++) {
            sum[c] += (scores[first + c] - mean) / sd;
        }
    }
}
