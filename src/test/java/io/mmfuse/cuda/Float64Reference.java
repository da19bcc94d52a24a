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
     * Mismatches of got against the reference for the listed queries (empty = pass): same rule as
     * VectorIndexContract, plus sortedness with ties by id and unique ids.
     */
    static List<String> compare(FloatMatrix db, FloatMatrix queries, int k, TopK got, int[] queryIds) {
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        IntStream.of(queryIds).parallel().forEach(q -> {
            float[] qv = queries.row(q);
            double[] refDist = new double[k];
            long[] ref = topK(db, qv, k, refDist);
            double kth = refDist[k - 1];
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int r = 0; r < k; r++) {
                int id = got.id(q, r);
                if (id < 0 || id >= db.rows() || !seen.add(id)) {
                    errors.add("query " + q + " rank " + r + ": bad or repeated id " + id);
                    return;
                }
                double exact = distance(db, id, qv);
                double tol = 1e-5 * Math.max(1.0, Math.abs(refDist[r])) + 1e-4;
                if (Math.abs(exact - refDist[r]) > tol) {
                    errors.add(String.format("query %d rank %d: id %d at %.9g, reference id %d at %.9g", q, r, id,
                            exact, ref[r], refDist[r]));
                    return;
                }
                if (Math.abs(got.distance(q, r) - exact) > 1e-5 * Math.max(1.0, exact) + 1e-6) {
                    errors.add(String.format("query %d rank %d: reported %.9g, exact %.9g", q, r,
                            got.distance(q, r), exact));
                    return;
                }
                if (Math.abs(refDist[r] - kth) > tol && exact < kth - tol && id != ref[r]) {
                    errors.add("query " + q + " rank " + r + ": id " + id + ", reference " + ref[r]);
                    return;
                }
                if (r > 0) {
                    float prev = got.distance(q, r - 1);
                    if (got.distance(q, r) < prev || (got.distance(q, r) == prev && id < got.id(q, r - 1))) {
                        errors.add("query " + q + " rank " + r + ": not sorted by (distance, id)");
                        return;
                    }
                }
            }
        });
        return errors;
    }
}
