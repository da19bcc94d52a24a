package io.mmfuse.search;

import io.mmfuse.cuda.CudaDevices;
import io.mmfuse.cuda.CudaKnn;

/** Bridge to the CUDA backend in io.mmfuse.cuda (native/), kept in one place. */
final class CudaBackendProbe {
    private CudaBackendProbe() {
    }

    /** Null when CUDA search can be used, else why not. Never throws. */
    static String unavailableReason() {
        CudaDevices.Probe probe = CudaDevices.probe();
        return probe.available() ? null : probe.reason();
    }

    static VectorIndex open(int dimension) {
        return new CudaKnn(dimension);
    }
}
