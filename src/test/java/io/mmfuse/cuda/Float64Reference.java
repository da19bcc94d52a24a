package io.mmfuse.cuda;

import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Brute-force float64 k-NN (ties by lower id) and the comparison rule of the VectorIndex contract,
 * for the GPU tests and the GPU bench. Parallel over queries.
 */
final class Float64Reference {
    private Float64Reference() {}

    static double distance(FloatMatrix db, int row, float[] q) {
        double s = 0;
        float[] d = db.data();
        int base = row * db.cols();
        for (int j = 0; j < q.length; j++) {
            double e = (double) d[base + j] - q[j];
            s += e * e;
        }
        return s;
    }

    /** Ids of the k nearest rows in order; their distances into distOut. Ties: lower id first. */
    static long[] topK(FloatMatrix db, float[] q, int k, double[] distOut) {
        double[] bd = new double[k];
        long[] bi = new long[k];
        int held = 0;
        for (int i = 0; i < db.rows(); i++) {
            double dist = distance(db, i, q);
            if (held == k && dist >= bd[k - 1]) {
                continue;   // an equal distance arriving later has a higher id: it loses
            }
            int pos = held == k ? k - 1 : held;
            while (pos > 0 && bd[pos - 1] > dist) {
                bd[pos] = bd[pos - 1];
                bi[pos] = bi[pos - 1];
                pos--;
            }
            bd[pos] = dist;
            bi[pos] = i;
            if (held < k) {
                held++;
            }
        }
        System.arraycopy(bd, 0, distOut, 0, k);
        return bi;
    }

    /**
     * Mismatches of got against the reference for the listed queries (empty = pass), by the
     * contract's rule (same top-k set except for distances that tie within 1e-5 relative):
     * (a) per rank, the returned id's float64 distance is within tol of the reference distance at
     * that rank, and the reported distance is its float32 value; (b) ids distinct and in range;
     * (c) every reference id below kth - tol is returned; (d) reported distances sorted, equal
     * reported distances by lower id (the kernels order by the (float32 distance, id) key).
     */
    static List<String> compare(FloatMatrix db, FloatMatrix queries, int k, TopK got, int[] queryIds) {
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        IntStream.of(queryIds).parallel().forEach(q -> {
            String e = compareOne(db, queries.row(q), q, k, got);
            if (e != null) {
                errors.add(e);
            }
        });
        return errors;
    }

    static double tolerance(double distance) {
        return 1e-5 * Math.max(1.0, Math.abs(distance)) + 1e-4;
    }

    private static String compareOne(FloatMatrix db, float[] qv, int q, int k, TopK got) {
        double[] refDist = new double[k];
        long[] ref = topK(db, qv, k, refDist);
        double kth = refDist[k - 1];
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int r = 0; r < k; r++) {
            int id = got.id(q, r);
            if (id < 0 || id >= db.rows() || !seen.add(id)) {
                return "query " + q + " rank " + r + ": bad or repeated id " + id;
            }
            double exact = distance(db, id, qv);
            if (Math.abs(exact - refDist[r]) > tolerance(refDist[r])) {
                return String.format("query %d rank %d: id %d at %.9g, reference id %d at %.9g", q, r, id,
                        exact, ref[r], refDist[r]);
            }
            if (Math.abs(got.distance(q, r) - exact) > 1e-5 * Math.max(1.0, exact) + 1e-6) {
                return String.format("query %d rank %d: reported %.9g, exact %.9g", q, r, got.distance(q, r), exact);
            }
            if (r > 0) {
                float prev = got.distance(q, r - 1);
                if (got.distance(q, r) < prev || (got.distance(q, r) == prev && id < got.id(q, r - 1))) {
                    return "query " + q + " rank " + r + ": not sorted by (distance, id)";
                }
            }
        }
        double kthTol = tolerance(kth);
        for (int r = 0; r < k && refDist[r] < kth - kthTol; r++) {
            if (!seen.contains((int) ref[r])) {
                return String.format("query %d: reference id %d (rank %d, %.9g, k-th %.9g) missing", q, ref[r], r,
                        refDist[r], kth);
            }
        }
        return null;
    }
}
