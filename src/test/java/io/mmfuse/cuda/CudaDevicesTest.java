package io.mmfuse.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class CudaDevicesTest {

    @Test
    void probeNeverThrowsAndIsConsistent() {
        CudaDevices.Probe probe = CudaDevices.probe();
        assertThat(probe.deviceCount()).isGreaterThanOrEqualTo(0);
        assertThat(probe.names()).hasSize(probe.deviceCount());
        assertThat(probe.available()).isEqualTo(probe.deviceCount() > 0);
        assertThat(CudaKnn.isAvailable()).isEqualTo(probe.available());
        if (probe.available()) {
            assertThat(probe.reason()).isEmpty();
        } else {
            assertThat(probe.reason()).isNotBlank();
        }
    }

    @Test
    void withoutADeviceTheReasonSaysSoAndConstructionFailsTyped() {
        CudaDevices.Probe probe = CudaDevices.probe();
        assumeFalse(probe.available(), "a CUDA device is present");
        assertThat(probe.reason()).containsAnyOf("no CUDA device", "kernels unavailable");
        assertThat(CudaKnn.isAvailable()).isFalse();
        assertThatThrownBy(() -> new CudaKnn(8))
                .isInstanceOf(NoCudaDeviceException.class)
                .isInstanceOf(io.mmfuse.NativeBackendException.class)
                .hasMessageStartingWith("no CUDA device");
    }

    @Test
    void probeRecordCopiesNames() {
        List<String> names = new java.util.ArrayList<>(List.of("a"));
        CudaDevices.Probe probe = new CudaDevices.Probe(1, names, "");
        names.add("b");
        assertThat(probe.names()).containsExactly("a");
    }
}
