package io.mmfuse;

/**
 * Root of every exception the library throws on purpose. Callers at the edges (CLI, HTTP, gRPC)
 * translate subclasses into exit codes and status codes; a bare RuntimeException escaping the
 * library is a bug.
 */
public class MmfuseException extends RuntimeException {
    public MmfuseException(String message) {
        super(message);
    }

    public MmfuseException(String message, Throwable cause) {
        super(message, cause);
    }
}
