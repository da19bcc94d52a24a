package io.mmfuse.model;

import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the device for training and inference: CUDA when the loaded LibTorch build has it and a
 * GPU is visible, otherwise the CPU. Every probe is guarded, because the CPU-only natives (the
 * default build of this project) may throw or lack symbols where a GPU build would answer.
 */
public final class Devices {
    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

    /** What the caller asks for. */
    public enum Preference { AUTO, CPU, CUDA }

    private Devices() {
    }

    /** CUDA if usable, else CPU; logs the choice and the reason. */
    public static DeviceChoice auto() {
        return select(Preference.AUTO);
    }

    /**
     * Resolves a preference. {@code CUDA} when CUDA is not usable falls back to the CPU with the
     * reason in {@link DeviceChoice#reason()} (logged as a warning) rather than failing, so a job
     * configured for a GPU host still runs on a laptop.
     */
    public static DeviceChoice select(Preference preference) {
        NativeLibraries.unpack();
        DeviceChoice choice;
        if (preference == Preference.CPU) {
            choice = DeviceChoice.cpu("CPU requested");
        } else {
            String unusable = cudaUnusableReason();
            if (unusable == null) {
                choice = new DeviceChoice(DeviceChoice.Kind.CUDA, 0,
                        "CUDA available, " + cudaDeviceCount() + " device(s)");
            } else {
                choice = DeviceChoice.cpu(unusable);
            }
        }
        if (preference == Preference.CUDA && !choice.isCuda()) {
            LOG.warn("CUDA requested but not usable, using the CPU: {}", choice.reason());
        } else {
            LOG.info("Device: {}", choice);
        }
        return choice;
    }

    /** null when CUDA can be used, else why not. */
    private static String cudaUnusableReason() {
        try {
            if (!torch.cuda_is_available()) {
                return "CUDA not available (CPU-only LibTorch build or no GPU visible)";
            }
            if (cudaDeviceCount() < 1) {
                return "CUDA reports no devices";
            }
            return null;
        } catch (RuntimeException | LinkageError e) {
            return "CUDA probe failed: " + e.getMessage();
        }
    }

    private static int cudaDeviceCount() {
        try {
            return torch.cuda_device_count() & 0xff;
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }
}
