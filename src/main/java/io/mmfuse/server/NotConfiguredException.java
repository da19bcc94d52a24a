package io.mmfuse.server;

import io.mmfuse.MmfuseException;

/** The server was started without the model an operation needs (HTTP 501, gRPC UNIMPLEMENTED). */
public final class NotConfiguredException extends MmfuseException {
    public NotConfiguredException(String operation, String option) {
        super(operation + " is not available: the server was started without " + option);
    }
}
