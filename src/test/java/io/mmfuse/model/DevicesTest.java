package io.mmfuse.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DevicesTest {
    @Test
    void autoPicksCudaOnlyWhenAvailableAndSaysWhy() {
        DeviceChoice d = Devices.auto();
        assertThat(d.isCuda()).isEqualTo(torch.cuda_is_available());
        assertThat(d.reason()).isNotBlank();
    }

    @Test
    void cudaRequestFallsBackToCpuWithoutThrowing() {
        DeviceChoice d = Devices.select(Devices.Preference.CUDA);
        if (!torch.cuda_is_available()) {
            assertThat(d.isCuda()).isFalse();
            assertThat(d.reason()).contains("CUDA");
        }
        assertThat(Devices.select(Devices.Preference.CPU).isCuda()).isFalse();
    }

    @Test
    void nativeThreadsCanBeConfiguredRepeatedly() {
        NativeThreads.Settings first = NativeThreads.configure(1, 1);
        assertThat(first.intraOp()).isEqualTo(1);
        NativeThreads.Settings second = NativeThreads.configure(2, 3); // inter-op is fixed by now: no throw
        assertThat(second.intraOp()).isEqualTo(2);
        assertThat(second.interOp()).isEqualTo(first.interOp());
    }
}
