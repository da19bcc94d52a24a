package io.mmfuse;

/**
 * A native library (LibTorch, OpenCV, CUDA) failed for a reason that is not the caller's input:
 * out of memory, missing device, driver error. Carries the native message.
 */
public class NativeBackendException extends MmfuseException {
    public NativeBackendException(String message) {
        super(message);
    }

    public NativeBackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
