package io.mmfuse.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mmfuse.search.VectorIndex;
import io.mmfuse.search.VectorIndexContract;
import org.junit.jupiter.api.BeforeEach;

/** The shared VectorIndex contract on the GPU; skipped (not passed) where no device is usable. */
class CudaKnnContractTest extends VectorIndexContract {

    // Per test (not @BeforeAll) so that every test shows up as skipped in the reports.
    @BeforeEach
    void requireDevice() {
        assumeTrue(CudaKnn.isAvailable(), () -> "no usable CUDA device: " + CudaDevices.probe().reason());
    }

    @Override
    protected VectorIndex newIndex(int dimension) {
        return new CudaKnn(dimension);
    }
}
