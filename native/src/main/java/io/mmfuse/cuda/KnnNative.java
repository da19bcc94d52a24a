package io.mmfuse.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.ByPtrPtr;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Opaque;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of kernels/mmfuse_knn.h. The CUDA runtime is linked statically into the JNI
 * library, which needs only the NVIDIA driver at run time; without one, the calls answer "no CUDA
 * device" instead of failing to load. Use through {@link CudaKnn} and {@link CudaDevices}; this
 * class loads its library on first use and throws UnsatisfiedLinkError where the Maven build had
 * no nvcc (kernels unavailable). Status codes and modes: {@link KnnNativeCodes}.
 */
@Platform(include = "mmfuse_knn.h", link = {"pthread", "dl", "rt", "cudart_static", "mmfuse_knn"})
public final class KnnNative {
    static {
        Loader.load();
    }

    private KnnNative() {}

    /** Opaque handle of a device-resident index. */
    @Opaque
    @Name("mmfuse_knn_index")
    public static class KnnIndex extends Pointer {
        public KnnIndex() {
            super((Pointer) null);
        }

        public KnnIndex(Pointer p) {
            super(p);
        }
    }

    public static native @Cast("const char*") BytePointer mmfuse_last_error();

    public static native @Cast("const char*") BytePointer mmfuse_runtime_version();

    public static native int mmfuse_device_count(IntPointer count);

    public static native int mmfuse_device_info(int device, @Cast("char*") BytePointer name, int nameLen,
            IntPointer ccMajor, IntPointer ccMinor, @Cast("long long*") LongPointer totalMemBytes,
            IntPointer multiprocessors);

    public static native int mmfuse_knn_create(int device, int dim, @ByPtrPtr KnnIndex out);

    public static native int mmfuse_knn_destroy(KnnIndex index);

    public static native int mmfuse_knn_dim(KnnIndex index);

    public static native @Cast("long long") long mmfuse_knn_size(KnnIndex index);

    public static native @Cast("long long") long mmfuse_knn_capacity(KnnIndex index);

    public static native int mmfuse_knn_reserve(KnnIndex index, @Cast("long long") long rows);

    public static native int mmfuse_knn_add(KnnIndex index, FloatPointer hostRows, @Cast("long long") long n);

    public static native int mmfuse_knn_set(KnnIndex index, @Cast("long long") long first, FloatPointer hostRows,
            @Cast("long long") long n);

    public static native int mmfuse_knn_search(KnnIndex index, FloatPointer hostQueries, int nq, int k, int mode,
            IntPointer hostIds, FloatPointer hostDists, IntPointer inexact);

    public static native int mmfuse_knn_scratch_bytes(KnnIndex index, int nq, int k,
            @Cast("long long*") LongPointer bytes);

    public static native int mmfuse_knn_distances(KnnIndex index, FloatPointer hostQueries, int nq,
            FloatPointer hostOut);

    public static native int mmfuse_knn_uses_small_q(KnnIndex index, int nq, int k, IntPointer smallQ);

    public static native int mmfuse_knn_time_search(KnnIndex index, FloatPointer hostQueries, int nq, int k,
            int mode, int warmup, int iters, FloatPointer msOut);
}
