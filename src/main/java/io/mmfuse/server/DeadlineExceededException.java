package io.mmfuse.server;

import io.mmfuse.MmfuseException;

/** The request's deadline passed before its result was ready (HTTP 504, gRPC DEADLINE_EXCEEDED). */
public class DeadlineExceededException extends MmfuseException {
    public DeadlineExceededException(String message) {
        super(message);
    }
}
