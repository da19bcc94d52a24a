package io.mmfuse.cuda;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import io.mmfuse.search.VectorIndex;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact k-nearest-neighbour search on a CUDA device with the fused distance + top-k kernels of
 * kernels/. The database is uploaded once and stays on the device; {@link #add} appends without
 * re-uploading what is there, {@link #set} replaces one row.
 *
 * <p>Results are exact: a tensor-core pass proposes candidates inside a proven error window and
 * their distances are recomputed as sum((x - q)^2) in float32 (see bench/gpu/NOTES.md); ties go to
 * the lower id. k up to 1024 runs fused; a larger k falls back to full distance rows sorted on the
 * host. Searches may run concurrently with each other; add, set and close wait for them.
 */
public final class CudaKnn implements VectorIndex {
    private static final Logger LOG = LoggerFactory.getLogger(CudaKnn.class);
    /** Host staging for the k &gt; 1024 path: distance rows per native call. */
    private static final long DISTANCE_BUFFER_FLOATS = 1L << 26;

    /** How the candidate distances are computed before the exact re-rank. */
    public enum Mode {
        /** One TF32 tensor-core product per element; widest candidate window. */
        TF32(KnnNativeCodes.MODE_TF32),
        /** Three TF32 products (hi/lo split), float32-level accuracy, about 3x the arithmetic. */
        THREE_X_TF32(KnnNativeCodes.MODE_3XTF32),
        /** TF32, redone in 3xTF32 for a batch where a window overflowed. */
        AUTO(KnnNativeCodes.MODE_AUTO);

        final int code;

        Mode(int code) {
            this.code = code;
        }
    }

    /**
     * @param device CUDA device index
     * @param mode candidate pass
     * @param queryBatch queries per native call (bounds host staging memory)
     * @param uploadBatchFloats floats per native upload call in {@link #add}
     */
    public record Options(int device, Mode mode, int queryBatch, int uploadBatchFloats) {
        public Options {
            if (device < 0) {
                throw new InvalidInputException("device", "must be >= 0, got " + device);
            }
            if (mode == null) {
                throw new InvalidInputException("mode", "is null");
            }
            if (queryBatch < 1) {
                throw new InvalidInputException("queryBatch", "must be >= 1, got " + queryBatch);
            }
            if (uploadBatchFloats < 1) {
                throw new InvalidInputException("uploadBatchFloats", "must be >= 1, got " + uploadBatchFloats);
            }
        }

        public static Options defaults() {
            return new Options(0, Mode.AUTO, 8192, 1 << 24);
        }

        public Options withMode(Mode newMode) {
            return new Options(device, newMode, queryBatch, uploadBatchFloats);
        }

        public Options withQueryBatch(int newQueryBatch) {
            return new Options(device, mode, newQueryBatch, uploadBatchFloats);
        }
    }

    private final int dimension;
    private final Options options;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private KnnNative.KnnIndex handle;   // null once closed; guarded by lock
    private int size;                    // guarded by lock

    public CudaKnn(int dimension) {
        this(dimension, Options.defaults());
    }

    /**
     * Creates an empty index on the device.
     *
     * @throws InvalidInputException for dimension &lt; 1 or a null options
     * @throws NoCudaDeviceException when no usable CUDA device (or no kernels) is present
     */
    public CudaKnn(int dimension, Options options) {
        KnnArguments.dimension(dimension);
        if (options == null) {
            throw new InvalidInputException("options", "is null");
        }
        CudaDevices.Probe probe = CudaDevices.probe();
        if (!probe.available()) {
            throw new NoCudaDeviceException(KnnNativeCodes.NO_DEVICE, probe.reason());
        }
        if (options.device() >= probe.deviceCount()) {
            throw new InvalidInputException("device",
                    "no CUDA device " + options.device() + "; " + probe.deviceCount() + " available");
        }
        KnnNative.KnnIndex h = new KnnNative.KnnIndex();
        check(KnnNative.mmfuse_knn_create(options.device(), dimension, h), "creating the CUDA index");
        this.dimension = dimension;
        this.options = options;
        this.handle = h;
        LOG.debug("CUDA k-NN index d={} on {}", dimension, probe.names().get(options.device()));
    }

    /** True when the kernels are built into this jar and a usable device is present. */
    public static boolean isAvailable() {
        return CudaDevices.quietProbe().available();
    }

    @Override
    public int dimension() {
        lock.readLock().lock();
        try {
            requireOpen();
            return dimension;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            requireOpen();
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    public Options options() {
        return options;
    }

    @Override
    public void add(FloatMatrix rows) {
        lock.writeLock().lock();
        try {
            KnnNative.KnnIndex h = requireOpen();
            KnnArguments.rows("rows", rows, dimension);
            KnnArguments.growth(size, rows.rows());
            if (rows.rows() == 0) {
                return;
            }
            check(KnnNative.mmfuse_knn_reserve(h, (long) size + rows.rows()), "reserving device memory");
            int batch = Math.max(1, Math.min(rows.rows(), options.uploadBatchFloats() / dimension));
            for (int r0 = 0; r0 < rows.rows(); r0 += batch) {
                int n = Math.min(batch, rows.rows() - r0);
                try (PointerScope scope = new PointerScope()) {
                    FloatPointer staged = new FloatPointer((long) n * dimension);
                    staged.put(rows.data(), r0 * dimension, n * dimension);
                    int status = KnnNative.mmfuse_knn_add(h, staged, n);
                    size = (int) KnnNative.mmfuse_knn_size(h);
                    check(status, "uploading rows");
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void set(int id, float[] vector) {
        lock.writeLock().lock();
        try {
            KnnNative.KnnIndex h = requireOpen();
            KnnArguments.id(id, size);
            KnnArguments.vector("vector", vector, dimension);
            try (PointerScope scope = new PointerScope()) {
                FloatPointer staged = new FloatPointer(vector);
                check(KnnNative.mmfuse_knn_set(h, id, staged, 1), "replacing row " + id);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public TopK search(FloatMatrix queries, int k) {
        lock.readLock().lock();
        try {
            KnnNative.KnnIndex h = requireOpen();
            KnnArguments.rows("queries", queries, dimension);
            KnnArguments.k(k, size);
            KnnArguments.resultSize(queries.rows(), k);
            int nq = queries.rows();
            int[] ids = new int[nq * k];
            float[] dists = new float[nq * k];
            if (k > KnnNativeCodes.MAX_K) {
                searchByDistanceRows(h, queries, k, ids, dists);
            } else {
                searchFused(h, queries, k, ids, dists);
            }
            return new TopK(nq, k, ids, dists);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void searchFused(KnnNative.KnnIndex h, FloatMatrix queries, int k, int[] ids, float[] dists) {
        int nq = queries.rows();
        int batch = Math.max(1, Math.min(options.queryBatch(), (1 << 26) / k));
        for (int q0 = 0; q0 < nq; q0 += batch) {
            int n = Math.min(batch, nq - q0);
            try (PointerScope scope = new PointerScope()) {
                FloatPointer staged = new FloatPointer((long) n * dimension);
                staged.put(queries.data(), q0 * dimension, n * dimension);
                IntPointer outIds = new IntPointer((long) n * k);
                FloatPointer outDists = new FloatPointer((long) n * k);
                IntPointer inexact = new IntPointer(1);
                check(KnnNative.mmfuse_knn_search(h, staged, n, k, options.mode().code, outIds, outDists, inexact),
                        "searching " + n + " queries (k=" + k + ")");
                outIds.get(ids, q0 * k, n * k);
                outDists.get(dists, q0 * k, n * k);
                if (inexact.get() > 0) {
                    LOG.warn("{} of {} queries had more near-equal candidates than the window holds; their top {} "
                            + "is exact among the kept candidates", inexact.get(), n, k);
                }
            }
        }
    }

    // k > MAX_K: full float32 distance rows from the device, (distance, id) sort on the host.
    private void searchByDistanceRows(KnnNative.KnnIndex h, FloatMatrix queries, int k, int[] ids, float[] dists) {
        int nq = queries.rows();
        int batch = (int) Math.max(1, Math.min(nq, DISTANCE_BUFFER_FLOATS / size));
        float[] row = new float[size];
        long[] keys = new long[size];
        for (int q0 = 0; q0 < nq; q0 += batch) {
            int n = Math.min(batch, nq - q0);
            try (PointerScope scope = new PointerScope()) {
                FloatPointer staged = new FloatPointer((long) n * dimension);
                staged.put(queries.data(), q0 * dimension, n * dimension);
                FloatPointer out = new FloatPointer((long) n * size);
                check(KnnNative.mmfuse_knn_distances(h, staged, n, out), "computing distance rows");
                for (int i = 0; i < n; i++) {
                    out.position((long) i * size).get(row);
                    for (int j = 0; j < size; j++) {
                        // Distances are sums of squares (>= +0), so their raw bits sort like the values.
                        keys[j] = ((long) Float.floatToRawIntBits(row[j]) << 32) | j;
                    }
                    Arrays.sort(keys);
                    int base = (q0 + i) * k;
                    for (int r = 0; r < k; r++) {
                        ids[base + r] = (int) keys[r];
                        dists[base + r] = Float.intBitsToFloat((int) (keys[r] >>> 32));
                    }
                }
            }
        }
    }

    @Override
    public String backend() {
        return "cuda";
    }

    /**
     * Frees the device memory. Idempotent; afterwards dimension, size, add, set and search throw
     * IllegalStateException.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (handle == null) {
                return;
            }
            KnnNative.KnnIndex h = handle;
            handle = null;
            check(KnnNative.mmfuse_knn_destroy(h), "freeing the CUDA index");
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** The native handle, for the kernel-only timings of the GPU bench (same package). */
    KnnNative.KnnIndex handleForBench() {
        return requireOpen();
    }

    private KnnNative.KnnIndex requireOpen() {
        if (handle == null) {
            throw new IllegalStateException("CudaKnn is closed");
        }
        return handle;
    }

    static void check(int status, String operation) {
        if (status != KnnNativeCodes.OK) {
            throw CudaException.of(status, operation, KnnLibrary.lastError());
        }
    }

    @Override
    public String toString() {
        return "CudaKnn[d=" + dimension + ", mode=" + options.mode() + (handle == null ? ", closed]" : "]");
    }
}
