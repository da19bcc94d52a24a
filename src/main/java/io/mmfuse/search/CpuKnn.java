package io.mmfuse.search;

import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.mm_out;

import io.mmfuse.InvalidInputException;
import io.mmfuse.NativeBackendException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Exact kNN on the CPU. The database lives in one native float buffer; a search walks it in tiles
 * of {@link #TILE_ROWS} rows, computes q·x for the tile with one LibTorch matrix product into a
 * reused buffer (so the Q×N matrix never exists), turns it into ‖x‖² − 2q·x and feeds a bounded
 * heap per query. The few survivors are re-ranked with exact float64 (x−q)², which makes the
 * reported distances exact and the order deterministic (ties: lower id first) regardless of
 * rounding in the matrix product.
 */
public final class CpuKnn implements VectorIndex {
    /** 4096 rows × 256 dims × 4 B = 4 MiB per tile: a tile of products stays within L2/L3. */
    static final int TILE_ROWS = 4096;
    /** Query rows per matrix product, so the per-chunk product buffer stays small too. */
    static final int QUERY_CHUNK = 256;
    /** Fewer tiles than this per worker and the search runs on the caller alone. */
    static final int MIN_TILES_PER_WORKER = 4;

    private final int dim;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private FloatPointer data;
    private float[] norms;
    private long capacity;
    private int size;
    private boolean closed;
    /** Created on the first parallel search; daemon threads, shut down by close(). */
    private ExecutorService scanPool;

    public CpuKnn(int dimension) {
        if (dimension <= 0) {
            throw new InvalidInputException("dimension", "must be positive, got " + dimension);
        }
        this.dim = dimension;
        this.norms = new float[0];
    }

    @Override
    public int dimension() {
        return dim;
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public void add(FloatMatrix rows) {
        checkDimension("rows", rows.cols());
        rows.requireFinite("rows");
        lock.writeLock().lock();
        try {
            ensureOpen();
            ensureCapacity((long) size + rows.rows());
            data.position((long) size * dim).put(rows.data(), 0, rows.data().length).position(0);
            for (int r = 0; r < rows.rows(); r++) {
                norms[size + r] = squaredNorm(rows.data(), r * dim);
            }
            size += rows.rows();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void set(int id, float[] vector) {
        checkDimension("vector", vector.length);
        new FloatMatrix(1, dim, vector).requireFinite("vector");
        lock.writeLock().lock();
        try {
            ensureOpen();
            if (id < 0 || id >= size) {
                throw new InvalidInputException("id", id + " is outside 0.." + (size - 1));
            }
            data.position((long) id * dim).put(vector, 0, dim).position(0);
            norms[id] = squaredNorm(vector, 0);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public TopK search(FloatMatrix queries, int k) {
        checkDimension("queries", queries.cols());
        queries.requireFinite("queries");
        lock.readLock().lock();
        try {
            ensureOpen();
            if (size == 0) {
                throw new InvalidInputException("index", "is empty: add vectors before searching");
            }
            if (k < 1 || k > size) {
                throw new InvalidInputException("k", "must be in 1.." + size + " (the collection size), got " + k);
            }
            int[] ids = new int[queries.rows() * k];
            float[] dists = new float[queries.rows() * k];
            for (int q0 = 0; q0 < queries.rows(); q0 += QUERY_CHUNK) {
                int q1 = Math.min(queries.rows(), q0 + QUERY_CHUNK);
                searchChunk(queries, q0, q1, k, ids, dists);
            }
            return new TopK(queries.rows(), k, ids, dists);
        } catch (RuntimeException e) {
            if (e instanceof io.mmfuse.MmfuseException || e instanceof IllegalStateException) {
                throw e;
            }
            throw new NativeBackendException("CPU search failed: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Splits the database tiles between {@link #workers()} threads (the caller and the scan pool),
     * each running the whole serial pipeline on its share: its own single-threaded matrix product,
     * product buffer and heaps. The heaps of all workers are merged by the exact re-rank, which
     * takes the union of their candidates. Compared with one caller driving a multi-threaded BLAS
     * call per tile, nothing waits at a per-tile barrier (a multi-threaded OpenBLAS call of this
     * size takes ~15 ms instead of ~1 ms when another process holds a core) and the heap scan runs
     * on every core instead of one. OpenBLAS must then run one thread per call
     * ({@code OPENBLAS_NUM_THREADS=1}); see {@link #workers()}.
     */
    private void searchChunk(FloatMatrix queries, int q0, int q1, int k, int[] ids, float[] dists) {
        int nq = q1 - q0;
        // Candidates beyond k absorb rounding in the product, so the exact re-rank sees every
        // vector that could belong in the true top k.
        int keep = (int) Math.min(size, k + Math.max(16, k / 8));
        int tiles = (size + TILE_ROWS - 1) / TILE_ROWS;
        // A thread hand-off costs more than it saves below a few tiles per worker.
        int workers = Math.max(1, Math.min(workers(), tiles / MIN_TILES_PER_WORKER));
        CandidateHeap[][] heaps = new CandidateHeap[workers][nq];
        for (CandidateHeap[] hs : heaps) {
            for (int i = 0; i < nq; i++) {
                hs[i] = new CandidateHeap(keep);
            }
        }
        try (PointerScope scope = new PointerScope()) {
            FloatPointer qBuf = new FloatPointer((long) nq * dim);
            qBuf.put(queries.data(), q0 * dim, nq * dim);
            AtomicInteger nextTile = new AtomicInteger();
            List<Future<?>> parts = new ArrayList<>(workers - 1);
            for (int w = 1; w < workers; w++) {
                CandidateHeap[] hs = heaps[w];
                parts.add(scanPool().submit(() -> scanTiles(qBuf, nq, hs, nextTile, tiles)));
            }
            // Worker 0 is the caller; it also waits for the others, so a failure surfaces here.
            scanTiles(qBuf, nq, heaps[0], nextTile, tiles);
            for (Future<?> part : parts) {
                try {
                    part.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NativeBackendException("interrupted during CPU search", e);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof RuntimeException r ? r : new NativeBackendException("CPU search failed", cause);
                }
            }
        }
        int[] cand = new int[keep * workers];
        float[] qRow = new float[dim];
        float[] xRow = new float[dim];
        FloatBuffer db = databaseView();
        if (db == null) {
            throw new NativeBackendException("index of " + size + " x " + dim + " floats exceeds one buffer view (2^31 floats)");
        }
        for (int i = 0; i < nq; i++) {
            System.arraycopy(queries.data(), (q0 + i) * dim, qRow, 0, dim);
            int n = 0;
            for (CandidateHeap[] hs : heaps) {
                n += hs[i].drainIds(cand, n);
            }
            rerank(qRow, cand, n, k, db, xRow, ids, dists, (q0 + i) * k);
        }
    }

    /**
     * One worker: takes tiles in increasing order (so ids reach each heap ascending, as the
     * heap's tie rule needs) until none is left. Native objects live in this thread's own scope.
     */
    private void scanTiles(FloatPointer qBuf, int nq, CandidateHeap[] heaps, AtomicInteger nextTile, int tiles) {
        float[] products = new float[nq * TILE_ROWS];
        try (PointerScope scope = new PointerScope()) {
            FloatPointer outBuf = new FloatPointer((long) nq * TILE_ROWS);
            Tensor q = from_blob(qBuf, nq, dim);
            for (int t = nextTile.getAndIncrement(); t < tiles; t = nextTile.getAndIncrement()) {
                int start = t * TILE_ROWS;
                int rows = Math.min(TILE_ROWS, size - start);
                try (PointerScope tileScope = new PointerScope()) {
                    Tensor x = from_blob(data.getPointer((long) start * dim), rows, dim);
                    Tensor out = from_blob(outBuf, nq, rows);
                    mm_out(out, q, x.t());
                }
                outBuf.get(products, 0, nq * rows);
                for (int i = 0; i < nq; i++) {
                    offerTile(heaps[i], products, i * rows, rows, start);
                }
            }
        }
    }

    /**
     * Threads per search: LibTorch's intra-op thread count, but only when OpenBLAS runs one
     * thread per call; otherwise 1 (the shipped behaviour: one caller, a multi-threaded BLAS).
     * OpenBLAS reads its thread count from the environment only, so the check is on that.
     */
    private static int workers() {
        String blas = System.getenv("OPENBLAS_NUM_THREADS");
        if (blas == null || !blas.trim().equals("1")) {
            return 1;
        }
        return Math.max(1, org.bytedeco.pytorch.global.torch.get_num_threads());
    }

    private synchronized ExecutorService scanPool() {
        if (scanPool == null) {
            scanPool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "mmfuse-knn-worker");
                t.setDaemon(true);
                return t;
            });
        }
        return scanPool;
    }

    private void offerTile(CandidateHeap heap, float[] products, int offset, int rows, int start) {
        int r = 0;
        while (!heap.isFull() && r < rows) {
            heap.offer(norms[start + r] - 2f * products[offset + r], start + r);
            r++;
        }
        float worst = heap.worst();
        for (; r < rows; r++) {
            float d = norms[start + r] - 2f * products[offset + r];
            if (d < worst) {
                heap.offer(d, start + r);
                worst = heap.worst();
            }
        }
    }

    /**
     * Exact float64 distances of the candidates, read through one direct-buffer view of the
     * database: a Pointer object and a JNI copy per candidate cost ~1.5 us each, which at 64
     * queries x 26 candidates was a third of a whole search over 10k vectors.
     */
    private void rerank(float[] q, int[] cand, int n, int k, FloatBuffer db, float[] xRow, int[] ids, float[] dists,
                        int outOffset) {
        double[] exact = new double[n];
        Integer[] order = new Integer[n];
        for (int c = 0; c < n; c++) {
            db.get(cand[c] * dim, xRow, 0, dim);
            double s = 0;
            for (int j = 0; j < dim; j++) {
                double diff = (double) xRow[j] - q[j];
                s += diff * diff;
            }
            exact[c] = s;
            order[c] = c;
        }
        Arrays.sort(order, (a, b) -> {
            int cmp = Double.compare(exact[a], exact[b]);
            return cmp != 0 ? cmp : Integer.compare(cand[a], cand[b]);
        });
        for (int r = 0; r < k; r++) {
            ids[outOffset + r] = cand[order[r]];
            dists[outOffset + r] = (float) exact[order[r]];
        }
    }

    /** The first {@code size} rows as a FloatBuffer (no copy); null past 2^31 floats, where rerank falls back. */
    private FloatBuffer databaseView() {
        long floats = (long) size * dim;
        if (floats > Integer.MAX_VALUE) {
            return null;
        }
        return new FloatPointer(data).position(0).limit(floats).asBuffer();
    }

    private void ensureCapacity(long needed) {
        if (needed <= capacity) {
            return;
        }
        long newCap = Math.max(needed, Math.max(1024, capacity * 2));
        if (newCap > Integer.MAX_VALUE) {
            throw new InvalidInputException("rows", "index would exceed " + Integer.MAX_VALUE + " vectors");
        }
        FloatPointer grown = new FloatPointer(newCap * dim);
        if (grown.isNull()) {
            throw new NativeBackendException("out of native memory growing the CPU index to " + newCap + " rows");
        }
        if (data != null) {
            Pointer.memcpy(grown, data, (long) size * dim * Float.BYTES);
            data.close();
        }
        data = grown;
        norms = Arrays.copyOf(norms, (int) newCap);
        capacity = newCap;
    }

    private float squaredNorm(float[] v, int offset) {
        // Float accumulation matches the float products it is combined with; the exact re-rank
        // corrects whatever this loses.
        float s = 0;
        for (int j = 0; j < dim; j++) {
            float x = v[offset + j];
            s += x * x;
        }
        return s;
    }

    private void checkDimension(String name, int cols) {
        if (cols != dim) {
            throw new InvalidInputException(name, "dimension " + cols + " does not match the index dimension " + dim);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("index is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                synchronized (this) {
                    if (scanPool != null) {
                        scanPool.shutdownNow();
                    }
                }
                if (data != null) {
                    data.close();
                    data = null;
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
