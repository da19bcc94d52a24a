package io.mmfuse.collection;

import io.mmfuse.MmfuseException;
import java.nio.file.Path;

/**
 * A collection's files are damaged in a way a crash cannot explain (a bad checksum in the middle
 * of the log, a snapshot that does not add up). Opening stops rather than silently dropping data.
 */
public class CollectionCorruptedException extends MmfuseException {
    private final Path file;

    public CollectionCorruptedException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    public CollectionCorruptedException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
