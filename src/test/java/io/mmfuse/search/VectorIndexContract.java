package io.mmfuse.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The behaviour every {@link VectorIndex} backend must show, checked against a brute-force
 * float64 reference. A backend's test extends this class and supplies {@link #newIndex(int)}.
 */
public abstract class VectorIndexContract {

    /** A fresh, empty index of the given dimension. */
    protected abstract VectorIndex newIndex(int dimension);

    static FloatMatrix random(Random rnd, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatMatrix(rows, cols, d);
    }

    /** Indices of the k nearest rows by float64 squared distance, ties by lower index. */
    static int[] reference(FloatMatrix db, float[] q, int k, double[] distOut) {
        Integer[] idx = new Integer[db.rows()];
        double[] dist = new double[db.rows()];
        for (int i = 0; i < db.rows(); i++) {
            idx[i] = i;
            double s = 0;
            for (int j = 0; j < db.cols(); j++) {
                double diff = (double) db.get(i, j) - q[j];
                s += diff * diff;
            }
            dist[i] = s;
        }
        Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> dist[i]).thenComparingInt(i -> i));
        int[] out = new int[k];
        for (int r = 0; r < k; r++) {
            out[r] = idx[r];
            distOut[r] = dist[idx[r]];
        }
        return out;
    }

    /**
     * Asserts that got is a correct top-k under the contract's tie rule: the same top-k SET as the
     * float64 reference except where distances tie within 1e-5 relative (float32 arithmetic cannot
     * order those reliably, so a backend may swap them or pick either one at the k-th place).
     * Per query: (a) at every rank the returned id's float64 distance is within tol of the
     * reference distance at that rank; (b) ids are distinct and in range; (c) every reference id
     * whose distance is below kth - tol is returned; (d) reported distances are non-decreasing,
     * and rows at exactly equal float64 distance come out lower id first.
     */
    static void assertMatchesReference(FloatMatrix db, FloatMatrix queries, int k, TopK got) {
        assertThat(got.queries()).isEqualTo(queries.rows());
        assertThat(got.k()).isEqualTo(k);
        for (int q = 0; q < queries.rows(); q++) {
            float[] qv = queries.row(q);
            double[] refDist = new double[k];
            int[] ref = reference(db, qv, k, refDist);
            double kth = refDist[k - 1];
            double[] exact = new double[k];
            java.util.Set<Integer> returned = new java.util.HashSet<>();
            for (int r = 0; r < k; r++) {
                int id = got.id(q, r);
                assertThat(id).as("query %d rank %d: id in range", q, r).isBetween(0, db.rows() - 1);
                assertThat(returned.add(id)).as("query %d rank %d: id %d repeated", q, r, id).isTrue();
                exact[r] = exactDistance(db, qv, id);
                assertThat(exact[r]).as("query %d rank %d: true distance of returned id %d", q, r, id)
                        .isCloseTo(refDist[r], org.assertj.core.data.Offset.offset(tolerance(refDist[r])));
                assertThat((double) got.distance(q, r)).as("query %d rank %d reported distance", q, r)
                        .isCloseTo(exact[r], org.assertj.core.data.Offset.offset(1e-3 * Math.max(1.0, exact[r])));
            }
            double kthTol = tolerance(kth);
            for (int r = 0; r < k && refDist[r] < kth - kthTol; r++) {
                assertThat(returned).as("query %d: reference id %d (rank %d, distance %.9g, k-th %.9g) returned",
                        q, ref[r], r, refDist[r], kth).contains(ref[r]);
            }
            for (int r = 1; r < k; r++) {
                assertThat(got.distance(q, r)).as("sorted, query %d rank %d", q, r)
                        .isGreaterThanOrEqualTo(got.distance(q, r - 1));
                if (exact[r] == exact[r - 1]) {
                    assertThat(got.id(q, r)).as("exact tie at query %d rank %d: lower id first", q, r)
                            .isGreaterThan(got.id(q, r - 1));
                }
            }
        }
    }

    /** Distances within this of each other are ties: 1e-5 relative, plus a small absolute floor. */
    static double tolerance(double distance) {
        return 1e-5 * Math.max(1.0, Math.abs(distance)) + 1e-4;
    }

    static double exactDistance(FloatMatrix db, float[] q, int id) {
        double s = 0;
        for (int j = 0; j < db.cols(); j++) {
            double diff = (double) db.get(id, j) - q[j];
            s += diff * diff;
        }
        return s;
    }

    @ParameterizedTest(name = "N={0} d={1} Q={2} k={3}")
    @CsvSource({
        "1, 1, 1, 1",
        "7, 3, 5, 7",
        "100, 16, 1, 1",
        "1000, 33, 17, 10",
        "4099, 65, 9, 100",
        "2500, 256, 3, 1024",
        "20011, 31, 4, 5",
    })
    void matchesFloat64Reference(int n, int d, int q, int k) {
        Random rnd = new Random(n * 31L + d);
        FloatMatrix db = random(rnd, n, d);
        FloatMatrix queries = random(rnd, q, d);
        try (VectorIndex index = newIndex(d)) {
            index.add(db);
            assertThat(index.size()).isEqualTo(n);
            assertThat(index.dimension()).isEqualTo(d);
            assertMatchesReference(db, queries, k, index.search(queries, k));
        }
    }

    @Test
    void kEqualsNReturnsEverythingSorted() {
        Random rnd = new Random(3);
        FloatMatrix db = random(rnd, 57, 8);
        FloatMatrix queries = random(rnd, 3, 8);
        try (VectorIndex index = newIndex(8)) {
            index.add(db);
            TopK top = index.search(queries, 57);
            for (int q = 0; q < 3; q++) {
                assertThat(top.idsOf(q)).containsExactlyInAnyOrder(java.util.stream.IntStream.range(0, 57).toArray());
            }
            assertMatchesReference(db, queries, 57, top);
        }
    }

    @Test
    void exactTiesComeOutLowerIdFirst() {
        // Rows 2, 5 and 9 are the same vector; the query is that vector, so all three are at
        // distance 0 and must come out as 2, 5, 9.
        Random rnd = new Random(5);
        FloatMatrix db = random(rnd, 12, 6);
        float[] dup = db.row(5);
        System.arraycopy(dup, 0, db.data(), 2 * 6, 6);
        System.arraycopy(dup, 0, db.data(), 9 * 6, 6);
        try (VectorIndex index = newIndex(6)) {
            index.add(db);
            TopK top = index.search(new FloatMatrix(1, 6, dup.clone()), 3);
            assertThat(top.idsOf(0)).containsExactly(2, 5, 9);
            assertThat(top.distance(0, 0)).isEqualTo(top.distance(0, 2));
        }
    }

    @Test
    void manyIdenticalRowsTieAcrossTiles() {
        // Identical rows spread across any tile boundary must still come out in id order.
        int n = 70_001;
        float[] data = new float[n * 4];
        Arrays.fill(data, 1f);
        try (VectorIndex index = newIndex(4)) {
            index.add(new FloatMatrix(n, 4, data));
            TopK top = index.search(new FloatMatrix(1, 4, new float[] {1, 1, 1, 1}), 64);
            assertThat(top.idsOf(0)).containsExactly(java.util.stream.IntStream.range(0, 64).toArray());
        }
    }

    @Test
    void incrementalAddAndReplace() {
        Random rnd = new Random(11);
        FloatMatrix a = random(rnd, 300, 12);
        FloatMatrix b = random(rnd, 301, 12);
        try (VectorIndex index = newIndex(12)) {
            index.add(a);
            index.add(b);
            float[] all = new float[601 * 12];
            System.arraycopy(a.data(), 0, all, 0, a.data().length);
            System.arraycopy(b.data(), 0, all, a.data().length, b.data().length);
            float[] replacement = random(rnd, 1, 12).data();
            index.set(450, replacement);
            System.arraycopy(replacement, 0, all, 450 * 12, 12);
            FloatMatrix db = new FloatMatrix(601, 12, all);
            TopK top = index.search(new FloatMatrix(1, 12, replacement.clone()), 5);
            assertThat(top.id(0, 0)).isEqualTo(450);
            FloatMatrix queries = random(rnd, 7, 12);
            assertMatchesReference(db, queries, 20, index.search(queries, 20));
        }
    }

    @Test
    void kLargerThanCollectionIsAnError() {
        try (VectorIndex index = newIndex(4)) {
            index.add(random(new Random(1), 10, 4));
            assertThatThrownBy(() -> index.search(random(new Random(2), 1, 4), 11))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("k");
            assertThatThrownBy(() -> index.search(random(new Random(2), 1, 4), 0))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("k");
        }
    }

    @Test
    void dimensionMismatchAndNaNAreErrors() {
        try (VectorIndex index = newIndex(4)) {
            assertThatThrownBy(() -> index.add(random(new Random(1), 3, 5)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension");
            index.add(random(new Random(1), 10, 4));
            assertThatThrownBy(() -> index.search(random(new Random(2), 2, 3), 1))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension");
            float[] bad = {0, Float.NaN, 0, 0};
            assertThatThrownBy(() -> index.search(new FloatMatrix(1, 4, bad), 1))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("non-finite");
            assertThatThrownBy(() -> index.add(new FloatMatrix(1, 4, bad)))
                    .isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> index.set(10, new float[4])).isInstanceOf(InvalidInputException.class);
            assertThat(index.size()).isEqualTo(10);
        }
    }

    @Test
    void searchOnEmptyIndexIsAnError() {
        try (VectorIndex index = newIndex(4)) {
            assertThatThrownBy(() -> index.search(random(new Random(2), 1, 4), 1))
                    .isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFails() {
        VectorIndex index = newIndex(4);
        index.add(random(new Random(1), 10, 4));
        index.close();
        index.close();
        assertThatThrownBy(() -> index.search(random(new Random(2), 1, 4), 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.add(random(new Random(2), 1, 4))).isInstanceOf(IllegalStateException.class);
    }
}
