package io.mmfuse.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The JNI library is in the jar exactly when the Maven build had nvcc (profile "cuda"); either it
 * loads, or the binding says why the kernels are unavailable.
 */
class KnnNativeLoadTest {

    private static boolean libraryBuilt() {
        return KnnNative.class.getResource("linux-x86_64/libjniKnnNative.so") != null;
    }

    @Test
    void bindingLoadsWhereTheKernelsWereBuilt() {
        String failure = KnnLibrary.loadFailure();
        if (libraryBuilt()) {
            assertThat(failure).as("load failure of a built library").isNull();
            assertThat(KnnNative.mmfuse_runtime_version().getString()).matches("\\d+\\.\\d+");
        } else {
            assertThat(failure).startsWith("kernels unavailable");
        }
    }

    @Test
    void missingLibraryShowsInTheProbeReason() {
        if (libraryBuilt()) {
            return;   // covered by the no-device tests
        }
        CudaDevices.Probe probe = CudaDevices.probe();
        assertThat(probe.deviceCount()).isZero();
        assertThat(probe.reason()).contains("kernels unavailable");
    }
}
