package io.mmfuse.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.NativeBackendException;
import org.junit.jupiter.api.Test;

class CudaExceptionTest {

    @Test
    void outOfMemoryIsItsOwnType() {
        CudaException e = CudaException.of(KnnNativeCodes.OUT_OF_MEMORY, "uploading rows",
                "allocating database memory: cudaErrorMemoryAllocation (out of memory)");
        assertThat(e).isInstanceOf(CudaOutOfMemoryException.class).isInstanceOf(NativeBackendException.class);
        assertThat(e.isOutOfMemory()).isTrue();
        assertThat(e.status()).isEqualTo(KnnNativeCodes.OUT_OF_MEMORY);
        assertThat(e.getMessage()).startsWith("uploading rows failed").contains("cudaErrorMemoryAllocation");
        assertThat(e.cudaMessage()).contains("out of memory");
    }

    @Test
    void missingDeviceAndDriverMapToNoCudaDevice() {
        assertThat(CudaException.of(KnnNativeCodes.NO_DEVICE, "creating", "no CUDA device (cudaErrorNoDevice)"))
                .isInstanceOf(NoCudaDeviceException.class).hasMessage("no CUDA device (cudaErrorNoDevice)");
        assertThat(CudaException.of(KnnNativeCodes.INSUFFICIENT_DRIVER, "creating", "driver too old"))
                .isInstanceOf(NoCudaDeviceException.class).hasMessage("no CUDA device: driver too old");
    }

    @Test
    void otherFailuresKeepTheCudaText() {
        CudaException e = CudaException.of(KnnNativeCodes.CUDA, "searching 3 queries (k=5)",
                "running the search: cudaErrorIllegalAddress (an illegal memory access was encountered)");
        assertThat(e).isExactlyInstanceOf(CudaException.class);
        assertThat(e.isOutOfMemory()).isFalse();
        assertThat(e.getMessage()).contains("searching 3 queries").contains("cudaErrorIllegalAddress");
    }
}
