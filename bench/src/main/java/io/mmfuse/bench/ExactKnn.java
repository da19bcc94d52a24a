package io.mmfuse.bench;

import java.util.Arrays;

/**
 * Brute-force reference for checking search results inside the benchmarks: float64 squared L2
 * over every row, ties by lower id. Deliberately simple and slow; run it for a few queries only.
 */
public final class ExactKnn {
    private ExactKnn() {}

    /** Ids of the k nearest of the first {@code n} rows of {@code db} to {@code query}. */
    public static int[] topK(NpyFile db, int n, float[] query, int k) {
        int dim = db.cols();
        double[] best = new double[k];
        int[] ids = new int[k];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        Arrays.fill(ids, Integer.MAX_VALUE);
        int block = 8192;
        float[] rows = new float[block * dim];
        for (int start = 0; start < n; start += block) {
            int count = Math.min(block, n - start);
            db.readRows(start, count, rows);
            for (int r = 0; r < count; r++) {
                double s = 0;
                int off = r * dim;
                for (int j = 0; j < dim; j++) {
                    double diff = (double) rows[off + j] - query[j];
                    s += diff * diff;
                }
                insert(best, ids, s, start + r);
            }
        }
        return ids;
    }

    /** Keeps {@code best} sorted ascending; ids arrive ascending, so equal distances keep the lower id. */
    private static void insert(double[] best, int[] ids, double d, int id) {
        int k = best.length;
        if (d >= best[k - 1]) {
            return;
        }
        int i = k - 1;
        while (i > 0 && best[i - 1] > d) {
            best[i] = best[i - 1];
            ids[i] = ids[i - 1];
            i--;
        }
        best[i] = d;
        ids[i] = id;
    }
}
