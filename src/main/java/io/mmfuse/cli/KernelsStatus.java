package io.mmfuse.cli;

/** One line on the mmfuse CUDA kernels, filled in once the CUDA backend is wired. */
final class KernelsStatus {
    private KernelsStatus() {
    }

    static String describe() {
        return "CUDA kNN kernels: see io.mmfuse.cuda (not wired yet)";
    }
}
