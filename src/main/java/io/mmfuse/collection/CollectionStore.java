package io.mmfuse.collection;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The collections under one root directory, one subdirectory each, opened on first use and kept
 * open until {@link #close()}. Thread-safe.
 */
public final class CollectionStore implements AutoCloseable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final Path root;
    private final CollectionOptions options;
    private final Map<String, PersistentCollection> open = new HashMap<>();
    private boolean closed;

    public CollectionStore(Path root, CollectionOptions options) {
        this.root = root;
        this.options = options;
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new MmfuseException("cannot create the collections directory " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** Creates a collection; {@link AlreadyExistsException} if the name is taken. */
    public synchronized PersistentCollection create(String name, String modelFingerprint, int dimension) {
        ensureOpen();
        validateName(name);
        if (open.containsKey(name) || Files.exists(root.resolve(name).resolve(Manifest.FILE))) {
            throw new AlreadyExistsException(name);
        }
        PersistentCollection c = PersistentCollection.create(root.resolve(name), name, modelFingerprint, dimension, options);
        open.put(name, c);
        return c;
    }

    /** The named collection, opened (and recovered) on first use; {@link NotFoundException} if absent. */
    public synchronized PersistentCollection get(String name) {
        ensureOpen();
        validateName(name);
        PersistentCollection c = open.get(name);
        if (c == null) {
            Path dir = root.resolve(name);
            if (!Files.isRegularFile(dir.resolve(Manifest.FILE))) {
                throw new NotFoundException("collection", name);
            }
            c = PersistentCollection.open(dir, options);
            open.put(name, c);
        }
        return c;
    }

    /** Names of the collections on disk, sorted. */
    public synchronized List<String> names() {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(p -> Files.isRegularFile(p.resolve(Manifest.FILE)))
                    .map(p -> p.getFileName().toString())
                    .filter(n -> NAME.matcher(n).matches())
                    .sorted()
                    .forEach(out::add);
        } catch (IOException e) {
            throw new MmfuseException("listing " + root + " failed: " + e.getMessage(), e);
        }
        return out;
    }

    public static void validateName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new InvalidInputException("collection", "name '" + name
                    + "' must be 1-64 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("collection store is closed");
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        RuntimeException first = null;
        for (PersistentCollection c : open.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        open.clear();
        if (first != null) {
            throw first;
        }
    }
}
