package io.mmfuse.bench.proposed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmfuse.search.CpuKnn;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The proposed patch must not change a single id or distance, with one worker or several (surefire
 * runs this with OPENBLAS_NUM_THREADS=1, which the parallel path needs), and with odd tails.
 */
class PatchedCpuKnnTest {
    @ParameterizedTest
    @CsvSource({"1, 9001, 1, 10", "1, 9001, 64, 10", "2, 9001, 64, 10", "2, 40000, 64, 10", "2, 40000, 1, 10",
        "3, 65537, 67, 3", "2, 4095, 64, 50", "2, 100, 64, 100", "2, 36000, 300, 7"})
    void givesExactlyWhatCpuKnnGives(int threads, int n, int q, int k) {
        int before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try (CpuKnn reference = new CpuKnn(32); PatchedCpuKnn patched = new PatchedCpuKnn(32)) {
            SplittableRandom random = new SplittableRandom(n * 31L + q);
            float[] data = new float[n * 32];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) random.nextGaussian();
            }
            // Duplicated rows make ties, whose order (lower id first) must survive too.
            System.arraycopy(data, 0, data, (n / 2) * 32, 32);
            FloatMatrix rows = new FloatMatrix(n, 32, data);
            reference.add(rows);
            patched.add(rows);
            float[] qs = new float[q * 32];
            for (int i = 0; i < qs.length; i++) {
                qs[i] = (float) random.nextGaussian();
            }
            System.arraycopy(data, 0, qs, 0, 32);
            FloatMatrix queries = new FloatMatrix(q, 32, qs);
            TopK want = reference.search(queries, k);
            TopK got = patched.search(queries, k);
            assertArrayEquals(want.ids(), got.ids());
            assertArrayEquals(want.distances(), got.distances());
            int tiles = (n + 4095) / 4096;
            if (threads > 1 && tiles / PatchedCpuKnn.MIN_TILES_PER_WORKER > 1) {
                assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("mmfuse-knn-worker")),
                        "the parallel path must have run");
            }
        } finally {
            torch.set_num_threads(before);
        }
    }
}
