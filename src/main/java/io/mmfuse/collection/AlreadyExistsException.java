package io.mmfuse.collection;

import io.mmfuse.MmfuseException;

/** A collection of that name exists already (HTTP 409, gRPC ALREADY_EXISTS). */
public class AlreadyExistsException extends MmfuseException {
    private final String name;

    public AlreadyExistsException(String name) {
        super("collection '" + name + "' exists already");
        this.name = name;
    }

    public String name() {
        return name;
    }
}
