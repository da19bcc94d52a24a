package io.mmfuse.model;

import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;

/**
 * Where tensors and models live, and why that device was chosen (for the log and the report).
 *
 * @param kind CPU or CUDA
 * @param index CUDA device ordinal; 0 for the CPU
 * @param reason one line saying why, e.g. "CUDA not available in this LibTorch build"
 */
public record DeviceChoice(Kind kind, int index, String reason) {
    public enum Kind { CPU, CUDA }

    public DeviceChoice {
        if (kind == null) {
            throw new io.mmfuse.InvalidInputException("device", "kind is required");
        }
        if (index < 0) {
            throw new io.mmfuse.InvalidInputException("device", "index must be >= 0, got " + index);
        }
        reason = reason == null ? "" : reason;
    }

    public static DeviceChoice cpu(String reason) {
        return new DeviceChoice(Kind.CPU, 0, reason);
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    /**
     * A new LibTorch device handle. It is a small native object: callers that create tensors per
     * batch should hold one handle per model (as {@link MultimodalAutoencoder} does) or create it
     * inside their PointerScope.
     */
    public Device toTorch() {
        return kind == Kind.CUDA ? new Device(DeviceType.CUDA, (byte) index) : new Device(DeviceType.CPU);
    }

    @Override
    public String toString() {
        return (kind == Kind.CUDA ? "cuda:" + index : "cpu") + (reason.isEmpty() ? "" : " (" + reason + ")");
    }
}
