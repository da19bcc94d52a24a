package io.mmfuse.server;

import io.mmfuse.MmfuseException;
import java.time.Duration;

/** The request queue is full; the request was not started (HTTP 503 + Retry-After, gRPC RESOURCE_EXHAUSTED). */
public class OverloadedException extends MmfuseException {
    private final Duration retryAfter;

    public OverloadedException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    /** A hint for when the queue will have drained enough (at least one second). */
    public Duration retryAfter() {
        return retryAfter;
    }
}
