package io.mmfuse.train;

import io.mmfuse.MmfuseException;

/** A checkpoint is missing, corrupt, or was written by an incompatible format version. */
public class CheckpointException extends MmfuseException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
