package io.mmfuse.cuda;

/**
 * Status codes and modes of kernels/mmfuse_knn.h, kept on the Java side so that exception mapping
 * and validation work without loading the native library (which may be absent).
 */
final class KnnNativeCodes {
    static final int OK = 0;
    static final int INVALID_ARGUMENT = 1;
    static final int NO_DEVICE = 2;
    static final int INSUFFICIENT_DRIVER = 3;
    static final int OUT_OF_MEMORY = 4;
    static final int CUDA = 5;
    static final int INTERNAL = 6;

    /** MMFUSE_KNN_MAX_K: the largest k of the fused kernels; larger k take the full-distance path. */
    static final int MAX_K = 1024;

    static final int MODE_TF32 = 0;
    static final int MODE_3XTF32 = 1;
    static final int MODE_AUTO = 2;
    /** MMFUSE_FLAG_FUSED_ONLY: OR-ed into a timing call's mode, forces the tensor-core path. */
    static final int FLAG_FUSED_ONLY = 16;
    /** MMFUSE_FLAG_LEGACY_FUSED: OR-ed into a mode, picks the 128 x 256-tile tensor-core kernel. */
    static final int FLAG_LEGACY_FUSED = 32;
    /** MMFUSE_FLAG_TWO_CTA_FUSED: OR-ed into a mode, picks the 128 x 128-tile, two-blocks-per-SM kernel. */
    static final int FLAG_TWO_CTA_FUSED = 64;
    /** MMFUSE_FLAG_WGMMA_FUSED: OR-ed into a mode, picks the Hopper wgmma kernel (compute capability 9.0, k <= 32). */
    static final int FLAG_WGMMA_FUSED = 128;
    /** MMFUSE_FLAG_WGMMA_LEAN_FUSED: the wgmma kernel with the leaner epilogue (the default where wgmma runs). */
    static final int FLAG_WGMMA_LEAN_FUSED = 256;

    private KnnNativeCodes() {}
}
