package io.mmfuse.server;

import io.mmfuse.MmfuseException;

/** The service is starting up or shutting down (HTTP 503, gRPC UNAVAILABLE). */
public class UnavailableException extends MmfuseException {
    public UnavailableException(String message) {
        super(message);
    }
}
