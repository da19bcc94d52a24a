package io.mmfuse.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** CUDA-only behaviour beyond the shared contract; skipped where no device is usable. */
class CudaKnnGpuTest {

    // Per test (not @BeforeAll) so that every test shows up as skipped in the reports.
    @BeforeEach
    void requireDevice() {
        assumeTrue(CudaKnn.isAvailable(), () -> "no usable CUDA device: " + CudaDevices.probe().reason());
    }

    static FloatMatrix random(Random rnd, int rows, int cols) {
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) rnd.nextGaussian();
        }
        return new FloatMatrix(rows, cols, d);
    }

    static int[] all(int n) {
        return IntStream.range(0, n).toArray();
    }

    @ParameterizedTest
    @EnumSource(CudaKnn.Mode.class)
    void everyModeIsExact(CudaKnn.Mode mode) {
        Random rnd = new Random(7);
        FloatMatrix db = random(rnd, 9_001, 45);
        FloatMatrix q = random(rnd, 130, 45);
        try (CudaKnn index = new CudaKnn(45, CudaKnn.Options.defaults().withMode(mode))) {
            index.add(db);
            TopK top = index.search(q, 33);
            assertThat(Float64Reference.compare(db, q, 33, top, all(130))).isEmpty();
        }
    }

    @Test
    void smallQueryBatchesGiveTheSameAnswer() {
        Random rnd = new Random(8);
        FloatMatrix db = random(rnd, 3_000, 20);
        FloatMatrix q = random(rnd, 50, 20);
        try (CudaKnn whole = new CudaKnn(20); CudaKnn batched = new CudaKnn(20, CudaKnn.Options.defaults().withQueryBatch(7))) {
            whole.add(db);
            batched.add(db);
            TopK a = whole.search(q, 12);
            TopK b = batched.search(q, 12);
            assertThat(b.ids()).containsExactly(a.ids());
            assertThat(b.distances()).containsExactly(a.distances());
        }
    }

    @Test
    void kAboveTheFusedLimitUsesFullRows() {
        Random rnd = new Random(9);
        FloatMatrix db = random(rnd, 2_000, 9);
        FloatMatrix q = random(rnd, 3, 9);
        try (CudaKnn index = new CudaKnn(9)) {
            index.add(db);
            TopK top = index.search(q, 1_500);
            assertThat(Float64Reference.compare(db, q, 1_500, top, all(3))).isEmpty();
        }
    }

    @Test
    void concurrentSearchesAgree() throws Exception {
        Random rnd = new Random(10);
        FloatMatrix db = random(rnd, 20_000, 32);
        FloatMatrix q = random(rnd, 40, 32);
        try (CudaKnn index = new CudaKnn(32)) {
            index.add(db);
            TopK expected = index.search(q, 16);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<TopK>> futures = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    futures.add(pool.submit(() -> index.search(q, 16)));
                }
                for (Future<TopK> f : futures) {
                    assertThat(f.get().ids()).containsExactly(expected.ids());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void growthKeepsEarlierRowsAndEmptyBatchesAreFine() {
        Random rnd = new Random(11);
        try (CudaKnn index = new CudaKnn(5)) {
            List<float[]> rows = new ArrayList<>();
            for (int step = 0; step < 12; step++) {
                FloatMatrix part = random(rnd, 37 * (step + 1), 5);
                index.add(part);
                for (int i = 0; i < part.rows(); i++) {
                    rows.add(part.row(i));
                }
            }
            index.add(new FloatMatrix(0, 5, new float[0]));
            FloatMatrix db = FloatMatrix.of(rows.toArray(new float[0][]));
            assertThat(index.size()).isEqualTo(db.rows());
            FloatMatrix q = random(rnd, 9, 5);
            assertThat(Float64Reference.compare(db, q, 25, index.search(q, 25), all(9))).isEmpty();
            TopK none = index.search(new FloatMatrix(0, 5, new float[0]), 3);
            assertThat(none.queries()).isZero();
        }
    }

    @Test
    void closedIndexRejectsEverything() {
        CudaKnn index = new CudaKnn(3);
        index.close();
        index.close();
        assertThatThrownBy(index::size).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> index.set(0, new float[3])).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void setValidatesInJava() {
        try (CudaKnn index = new CudaKnn(3)) {
            index.add(random(new Random(1), 4, 3));
            assertThatThrownBy(() -> index.set(4, new float[3])).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> index.set(0, new float[] {1, Float.NaN, 0}))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("non-finite");
        }
    }
}
