package io.mmfuse.eval.generation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.search.FloatMatrix;
import java.util.Locale;
import java.util.Random;

/**
 * R-precision of images against captions, as used to score text-to-image generators (AttnGAN's
 * protocol): each image ranks its true caption among {@code candidates - 1} captions of other
 * images drawn at random, by squared L2 distance between embeddings. Top-1 R-precision is the
 * fraction of images whose true caption comes first (chance: 1 / candidates, 1 % for 100).
 *
 * <p>Ties count against the true caption (a negative at the same distance ranks above it), so a
 * collapsed embedding scores at or below chance rather than above it. The negatives come from one
 * {@code java.util.Random(seed)} drawn image by image in order, so the same inputs and seed give
 * the same report.
 */
public final class RPrecision {
    /** The usual protocol: 1 true + 99 random captions. */
    public static final int DEFAULT_CANDIDATES = 100;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RPrecision() {}

    /**
     * @param queries images ranked
     * @param candidates captions each image ranks (1 true + the rest random)
     * @param top1 fraction of images whose true caption ranked first
     * @param recallAt5 fraction whose true caption ranked within the first 5
     * @param meanRank mean 1-based rank of the true caption
     */
    public record Report(int queries, int candidates, long seed, double top1, double recallAt5, double meanRank) {
        public String toJson() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new MmfuseException("cannot write the R-precision report as JSON: " + e.getMessage(), e);
            }
        }

        public static String markdownHeader() {
            return "| images | n | R-precision top-1 | R@5 of " + DEFAULT_CANDIDATES + " | mean rank |\n|---|---|---|---|---|";
        }

        /** {@code | label | n | top-1 | R@5 | mean rank |} with percentages. */
        public String markdownRow(String label) {
            return String.format(Locale.ROOT, "| %s | %d | %.1f %% | %.1f %% | %.1f |", label, queries, 100 * top1,
                    100 * recallAt5, meanRank);
        }
    }

    /** {@link #evaluate(FloatMatrix, FloatMatrix, FloatMatrix, int[], int, long)} with 100 candidates. */
    public static Report evaluate(FloatMatrix images, FloatMatrix trueCaptions, FloatMatrix pool, int[] poolImage,
                                  long seed) {
        return evaluate(images, trueCaptions, pool, poolImage, DEFAULT_CANDIDATES, seed);
    }

    /**
     * @param images [N, D] image embeddings (unit rows in mmfuse's space; not required)
     * @param trueCaptions [N, D]: row i is the embedding of the caption image i was generated from
     * @param pool [M, D] caption embeddings the negatives are drawn from
     * @param poolImage the image id of each pool caption; image i has id i, and a pool caption is a
     *     negative for image i when its id differs from i (the pool may hold captions of images
     *     that are not queries)
     * @throws InvalidInputException when shapes disagree, a value is not finite, or some image has
     *     fewer than {@code candidates - 1} pool captions of other images
     */
    public static Report evaluate(FloatMatrix images, FloatMatrix trueCaptions, FloatMatrix pool, int[] poolImage,
                                  int candidates, long seed) {
        validate(images, trueCaptions, pool, poolImage, candidates);
        int n = images.rows();
        int m = pool.rows();
        int d = images.cols();
        int[] own = new int[n];
        for (int id : poolImage) {
            if (id < n) {
                own[id]++;
            }
        }
        for (int i = 0; i < n; i++) {
            if (m - own[i] < candidates - 1) {
                throw new InvalidInputException("pool", "image " + i + " has only " + (m - own[i])
                        + " captions of other images in a pool of " + m + "; " + candidates
                        + " candidates need " + (candidates - 1));
            }
        }
        Random rng = new Random(seed);
        NegativeSampler sampler = new NegativeSampler(poolImage);
        long rankSum = 0;
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < n; i++) {
            double trueDist = squaredL2(images.data(), i, trueCaptions.data(), i, d);
            int[] negatives = sampler.draw(i, m - own[i], candidates - 1, rng);
            int rank = 1;
            for (int c : negatives) {
                if (squaredL2(images.data(), i, pool.data(), c, d) <= trueDist) {
                    rank++;
                }
            }
            rankSum += rank;
            top1 += rank == 1 ? 1 : 0;
            top5 += rank <= 5 ? 1 : 0;
        }
        return new Report(n, candidates, seed, top1 / (double) n, top5 / (double) n, rankSum / (double) n);
    }

    /**
     * The same where the true caption of image i is row {@code trueCaption[i]} of the pool (it must
     * belong to image i, so it is never drawn as its own negative).
     */
    public static Report evaluate(FloatMatrix images, int[] trueCaption, FloatMatrix pool, int[] poolImage,
                                  int candidates, long seed) {
        if (images == null || trueCaption == null || pool == null || poolImage == null) {
            throw new InvalidInputException("rPrecision", "images, trueCaption, pool and poolImage are required");
        }
        if (trueCaption.length != images.rows()) {
            throw new InvalidInputException("trueCaption", "has " + trueCaption.length + " entries for "
                    + images.rows() + " images");
        }
        if (poolImage.length != pool.rows()) {
            throw new InvalidInputException("poolImage", "has " + poolImage.length + " ids for " + pool.rows()
                    + " pool captions");
        }
        float[] rows = new float[trueCaption.length * pool.cols()];
        for (int i = 0; i < trueCaption.length; i++) {
            int c = trueCaption[i];
            if (c < 0 || c >= pool.rows()) {
                throw new InvalidInputException("trueCaption[" + i + "]", "row " + c + " is outside the pool of "
                        + pool.rows());
            }
            if (poolImage[c] != i) {
                throw new InvalidInputException("trueCaption[" + i + "]", "pool row " + c + " belongs to image "
                        + poolImage[c] + ", not " + i);
            }
            System.arraycopy(pool.data(), c * pool.cols(), rows, i * pool.cols(), pool.cols());
        }
        return evaluate(images, new FloatMatrix(trueCaption.length, pool.cols(), rows), pool, poolImage, candidates,
                seed);
    }

    /** Plain-array form: one {@code float[]} per row. */
    public static Report evaluate(float[][] images, float[][] trueCaptions, float[][] pool, int[] poolImage,
                                  int candidates, long seed) {
        return evaluate(matrix("images", images), matrix("trueCaptions", trueCaptions), matrix("pool", pool),
                poolImage, candidates, seed);
    }

    private static FloatMatrix matrix(String name, float[][] rows) {
        if (rows == null || rows.length == 0) {
            throw new InvalidInputException(name, "has no rows");
        }
        try {
            return FloatMatrix.of(rows);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(name, e.getMessage(), e);
        }
    }

    private static void validate(FloatMatrix images, FloatMatrix trueCaptions, FloatMatrix pool, int[] poolImage,
                                 int candidates) {
        if (images == null || trueCaptions == null || pool == null || poolImage == null) {
            throw new InvalidInputException("rPrecision", "images, trueCaptions, pool and poolImage are required");
        }
        if (candidates < 2) {
            throw new InvalidInputException("candidates", "must be >= 2, was " + candidates);
        }
        if (images.rows() == 0) {
            throw new InvalidInputException("images", "has no rows");
        }
        if (trueCaptions.rows() != images.rows()) {
            throw new InvalidInputException("trueCaptions", "has " + trueCaptions.rows() + " rows for "
                    + images.rows() + " images");
        }
        if (trueCaptions.cols() != images.cols() || pool.cols() != images.cols()) {
            throw new InvalidInputException("dimensions", "images, trueCaptions and pool must have the same width, were "
                    + images.cols() + ", " + trueCaptions.cols() + ", " + pool.cols());
        }
        if (poolImage.length != pool.rows()) {
            throw new InvalidInputException("poolImage", "has " + poolImage.length + " ids for " + pool.rows()
                    + " pool captions");
        }
        for (int j = 0; j < poolImage.length; j++) {
            if (poolImage[j] < 0) {
                throw new InvalidInputException("poolImage[" + j + "]", "must be >= 0, was " + poolImage[j]);
            }
        }
        if (pool.rows() < candidates - 1) {
            throw new InvalidInputException("pool", "has " + pool.rows() + " captions; " + candidates
                    + " candidates need at least " + (candidates - 1) + " captions of other images");
        }
        images.requireFinite("images");
        trueCaptions.requireFinite("trueCaptions");
        pool.requireFinite("pool");
    }

    private static double squaredL2(float[] a, int rowA, float[] b, int rowB, int d) {
        double sum = 0;
        int oa = rowA * d;
        int ob = rowB * d;
        for (int k = 0; k < d; k++) {
            double diff = (double) a[oa + k] - b[ob + k];
            sum += diff * diff;
        }
        return sum;
    }

    /**
     * Draws distinct pool rows that belong to other images: by rejection when they are plentiful,
     * else by a partial shuffle of the eligible rows (so it always terminates quickly).
     */
    private static final class NegativeSampler {
        private final int[] poolImage;
        private final boolean[] taken;

        NegativeSampler(int[] poolImage) {
            this.poolImage = poolImage;
            this.taken = new boolean[poolImage.length];
        }

        int[] draw(int image, int eligible, int k, Random rng) {
            int m = poolImage.length;
            int[] out = new int[k];
            if (eligible >= 4 * k) {
                int got = 0;
                while (got < k) {
                    int c = rng.nextInt(m);
                    if (poolImage[c] != image && !taken[c]) {
                        taken[c] = true;
                        out[got++] = c;
                    }
                }
                for (int c : out) {
                    taken[c] = false;
                }
                return out;
            }
            int[] rows = new int[eligible];
            int e = 0;
            for (int c = 0; c < m; c++) {
                if (poolImage[c] != image) {
                    rows[e++] = c;
                }
            }
            for (int i = 0; i < k; i++) {
                int j = i + rng.nextInt(eligible - i);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
                out[i] = rows[i];
            }
            return out;
        }
    }
}
