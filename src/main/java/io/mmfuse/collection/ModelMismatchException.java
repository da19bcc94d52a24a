package io.mmfuse.collection;

import io.mmfuse.MmfuseException;

/**
 * Vectors from one model were offered to a collection built by another: their distances would be
 * meaningless, so the collection refuses them (HTTP 409, gRPC FAILED_PRECONDITION).
 */
public class ModelMismatchException extends MmfuseException {
    private final String collection;
    private final String expected;
    private final String actual;

    public ModelMismatchException(String collection, String expected, String actual) {
        super("collection '" + collection + "' holds embeddings of model " + expected + ", not of model " + actual);
        this.collection = collection;
        this.expected = expected;
        this.actual = actual;
    }

    public String collection() {
        return collection;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
