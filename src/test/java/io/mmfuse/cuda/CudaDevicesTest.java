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
        for (String name : probe.names()) {
            assertThat(name).as("device name").doesNotContain("\u0000").matches("[\\P{Cntrl}]+");
        }
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
    void deviceNameStopsAtTheFirstNul() {
        byte[] raw = new byte[32];
        java.util.Arrays.fill(raw, (byte) 0x7f);
        byte[] name = "NVIDIA H100".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, raw, 0, name.length);
        raw[name.length] = 0;
        try (org.bytedeco.javacpp.BytePointer buffer = new org.bytedeco.javacpp.BytePointer(raw)) {
            assertThat(CudaDevices.untilNul(buffer, raw.length)).isEqualTo("NVIDIA H100");
        }
        byte[] full = "abcd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (org.bytedeco.javacpp.BytePointer buffer = new org.bytedeco.javacpp.BytePointer(full)) {
            assertThat(CudaDevices.untilNul(buffer, full.length)).isEqualTo("abcd");
        }
    }

    @Test
    void probeRecordCopiesNames() {
        List<String> names = new java.util.ArrayList<>(List.of("a"));
        CudaDevices.Probe probe = new CudaDevices.Probe(1, names, "");
        names.add("b");
        assertThat(probe.names()).containsExactly("a");
    }
}
