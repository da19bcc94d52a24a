package io.mmfuse.server;

import io.mmfuse.CancelledException;
import io.mmfuse.InvalidInputException;
import io.mmfuse.collection.AlreadyExistsException;
import io.mmfuse.collection.CollectionCorruptedException;
import io.mmfuse.collection.ModelMismatchException;
import io.mmfuse.collection.NotFoundException;

/**
 * The one table from exceptions to protocol errors, shared by HTTP and gRPC so both edges answer
 * the same failure the same way. Anything not listed is a server fault (500 / INTERNAL).
 */
public final class ErrorMapping {
    /** A protocol-neutral error: gRPC code name, HTTP status, the offending field (may be null). */
    public record Error(String code, int httpStatus, String field, String message) {
    }

    private ErrorMapping() {
    }

    public static Error of(Throwable e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof InvalidInputException iie) {
            return new Error("INVALID_ARGUMENT", 400, iie.input(), msg);
        }
        if (e instanceof NotFoundException) {
            return new Error("NOT_FOUND", 404, null, msg);
        }
        if (e instanceof AlreadyExistsException) {
            return new Error("ALREADY_EXISTS", 409, null, msg);
        }
        if (e instanceof ModelMismatchException) {
            return new Error("FAILED_PRECONDITION", 409, null, msg);
        }
        if (e instanceof OverloadedException) {
            return new Error("RESOURCE_EXHAUSTED", 503, null, msg);
        }
        if (e instanceof DeadlineExceededException || e instanceof CancelledException) {
            return new Error("DEADLINE_EXCEEDED", 504, null, msg);
        }
        if (e instanceof UnavailableException) {
            return new Error("UNAVAILABLE", 503, null, msg);
        }
        if (e instanceof NotConfiguredException) {
            return new Error("UNIMPLEMENTED", 501, null, msg);
        }
        if (e instanceof CollectionCorruptedException) {
            return new Error("DATA_LOSS", 500, null, msg);
        }
        return new Error("INTERNAL", 500, null, msg);
    }
}
