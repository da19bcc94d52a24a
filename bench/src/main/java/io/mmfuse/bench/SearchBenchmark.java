package io.mmfuse.bench;

import io.mmfuse.search.CpuKnn;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import io.mmfuse.search.VectorIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exact CPU kNN ({@link CpuKnn}): Q queries against the first N rows of the shared vectors, k = 10,
 * squared L2. One operation is one {@code search} call for all Q queries; queries/s = Q / time.
 *
 * <p>Checked inside the benchmark: the first and last query of the batch are answered by brute
 * force in float64 at setup, and every measured iteration's last result must match them exactly
 * (CpuKnn re-ranks exactly, so no tolerance is needed). N values include odd tails that are not a
 * multiple of CpuKnn's tile.
 *
 * <p>Runs with single-threaded OpenBLAS, as the {@code mmfuse} launcher sets it: CpuKnn then splits
 * the tiles between {@code threads} workers. {@code -Dbench.blasThreads=t} (with
 * {@code OPENBLAS_NUM_THREADS=t}) measures its other path instead, one caller driving a t-thread BLAS.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "-Dorg.bytedeco.javacpp.maxBytes=8g"})
public class SearchBenchmark {
    @Param({"10007", "100003", "1000000"})
    public int n;

    @Param({"1", "64"})
    public int q;

    @Param({"10"})
    public int k;

    /** LibTorch threads, hence CpuKnn's search workers; OpenBLAS runs 1 per call (see BenchEnv). */
    @Param({"2"})
    public int threads;

    private VectorIndex index;
    private FloatMatrix queries;
    private int[] checkedQueries;
    private int[][] expected;
    private TopK last;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        BenchEnv.configureNativeThreads(threads, Integer.getInteger("bench.blasThreads", 1));
        Path dir = BenchEnv.dataDir();
        Path dbPath = BenchVectors.ensure(BenchVectors.databasePath(dir, BenchVectors.DEFAULT_ROWS, BenchVectors.DEFAULT_DIM),
                BenchVectors.DEFAULT_ROWS, BenchVectors.DEFAULT_DIM, BenchVectors.DATABASE_SEED);
        Path qPath = BenchVectors.ensure(BenchVectors.queryPath(dir, BenchVectors.DEFAULT_QUERIES, BenchVectors.DEFAULT_DIM),
                BenchVectors.DEFAULT_QUERIES, BenchVectors.DEFAULT_DIM, BenchVectors.QUERY_SEED);
        try (NpyFile db = NpyFile.open(dbPath); NpyFile qs = NpyFile.open(qPath)) {
            if (n > db.rows() || q > qs.rows()) {
                throw new IllegalStateException("need " + n + " vectors and " + q + " queries, files hold "
                        + db.rows() + " and " + qs.rows());
            }
            int dim = db.cols();
            index = new CpuKnn(dim);
            int chunk = 65_536;
            float[] buf = new float[chunk * dim];
            for (int start = 0; start < n; start += chunk) {
                int rows = Math.min(chunk, n - start);
                float[] part = rows == chunk ? buf : new float[rows * dim];
                db.readRows(start, rows, part);
                index.add(new FloatMatrix(rows, dim, part));
            }
            queries = new FloatMatrix(q, dim, qs.readRows(0, q));
            checkedQueries = q == 1 ? new int[] {0} : new int[] {0, q - 1};
            expected = new int[checkedQueries.length][];
            for (int i = 0; i < checkedQueries.length; i++) {
                expected[i] = ExactKnn.topK(db, n, queries.row(checkedQueries[i]), k);
            }
        }
    }

    @Benchmark
    public TopK search() {
        TopK result = index.search(queries, k);
        last = result;
        return result;
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (last == null) {
            return;
        }
        for (int i = 0; i < checkedQueries.length; i++) {
            int[] got = last.idsOf(checkedQueries[i]);
            if (!Arrays.equals(got, expected[i])) {
                throw new IllegalStateException("query " + checkedQueries[i] + ": CpuKnn returned " + Arrays.toString(got)
                        + ", brute force " + Arrays.toString(expected[i]));
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (last != null && BenchEnv.outDir().isPresent()) {
            // The anchors' ids are compared with these by report.py (recall@k).
            Path out = BenchEnv.outDir().get().resolve("ids-mmfuse-n" + n + "-q" + q + "-t" + threads + ".txt");
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < last.queries(); i++) {
                StringJoiner line = new StringJoiner(" ");
                for (int id : last.idsOf(i)) {
                    line.add(Integer.toString(id));
                }
                text.append(line).append('\n');
            }
            Files.writeString(out, text);
        }
        if (index != null) {
            index.close();
        }
    }
}
