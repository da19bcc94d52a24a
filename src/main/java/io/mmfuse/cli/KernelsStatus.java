package io.mmfuse.cli;

/** One line on the mmfuse CUDA kernels, filled in once the CUDA backend is wired. */
final class KernelsStatus {
    private KernelsStatus() {
    }

    static String describe() {
        io.mmfuse.cuda.CudaDevices.Probe p = io.mmfuse.cuda.CudaDevices.probe();
        return p.available() ? "CUDA kNN kernels usable on " + p.names() : "CUDA kNN kernels unavailable: " + p.reason();
    }
}
