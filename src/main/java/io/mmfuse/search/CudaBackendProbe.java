package io.mmfuse.search;

/** Bridge to the CUDA backend in io.mmfuse.cuda, wired once that backend lands. */
final class CudaBackendProbe {
    private CudaBackendProbe() {
    }

    /** Null when CUDA search can be used, else why not. */
    static String unavailableReason() {
        return "CUDA backend not built into this version";
    }

    static VectorIndex open(int dimension) {
        throw new IllegalStateException(unavailableReason());
    }
}
