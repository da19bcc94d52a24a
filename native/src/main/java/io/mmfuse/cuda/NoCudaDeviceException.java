package io.mmfuse.cuda;

/**
 * No usable CUDA device: none present, no or too old a driver, or the kernels were not built into
 * this jar. The message starts with "no CUDA device".
 */
public class NoCudaDeviceException extends CudaException {
    public NoCudaDeviceException(int status, String reason) {
        super(status, message(reason), reason, null);
    }

    private static String message(String reason) {
        return reason.startsWith("no CUDA device") ? reason : "no CUDA device: " + reason;
    }
}
