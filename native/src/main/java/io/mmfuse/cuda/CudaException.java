package io.mmfuse.cuda;

import io.mmfuse.NativeBackendException;

/**
 * A CUDA call failed for a reason that is not the caller's input. Carries the status code of the
 * kernels' C API and the CUDA error text; subclasses tell out-of-memory and missing devices apart.
 */
public class CudaException extends NativeBackendException {
    private final int status;
    private final String cudaMessage;

    public CudaException(int status, String operation, String cudaMessage) {
        super(operation + " failed: " + cudaMessage);
        this.status = status;
        this.cudaMessage = cudaMessage;
    }

    protected CudaException(int status, String message, String cudaMessage, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.cudaMessage = cudaMessage;
    }

    /** Status code of mmfuse_knn.h (MMFUSE_ERR_*). */
    public int status() {
        return status;
    }

    /** The message of the CUDA layer, e.g. "cudaErrorMemoryAllocation (out of memory)". */
    public String cudaMessage() {
        return cudaMessage;
    }

    public boolean isOutOfMemory() {
        return status == KnnNativeCodes.OUT_OF_MEMORY;
    }

    /** Maps a non-OK status of the C API to the most specific exception. */
    static CudaException of(int status, String operation, String cudaMessage) {
        return switch (status) {
            case KnnNativeCodes.OUT_OF_MEMORY -> new CudaOutOfMemoryException(operation, cudaMessage);
            case KnnNativeCodes.NO_DEVICE, KnnNativeCodes.INSUFFICIENT_DRIVER ->
                    new NoCudaDeviceException(status, cudaMessage);
            default -> new CudaException(status, operation, cudaMessage);
        };
    }
}
