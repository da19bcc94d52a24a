package io.mmfuse.collection;

import io.mmfuse.MmfuseException;

/** A named collection or item does not exist (HTTP 404, gRPC NOT_FOUND). */
public class NotFoundException extends MmfuseException {
    private final String kind;
    private final String name;

    public NotFoundException(String kind, String name) {
        super(kind + " '" + name + "' does not exist");
        this.kind = kind;
        this.name = name;
    }

    /** "collection" or "item". */
    public String kind() {
        return kind;
    }

    public String name() {
        return name;
    }
}
