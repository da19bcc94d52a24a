package io.mmfuse.cuda;

/** The device (or the host, for staging) ran out of memory; a smaller batch may succeed. */
public class CudaOutOfMemoryException extends CudaException {
    public CudaOutOfMemoryException(String operation, String cudaMessage) {
        super(KnnNativeCodes.OUT_OF_MEMORY, operation, cudaMessage);
    }
}
