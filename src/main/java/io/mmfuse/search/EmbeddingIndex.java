package io.mmfuse.search;

import io.mmfuse.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link StoredIndex} loaded into a search backend: maps the backend's row ids back to the
 * collection's ids and labels. Close it to free the backend's native or device memory.
 */
public final class EmbeddingIndex implements AutoCloseable {
    private final StoredIndex stored;
    private final VectorIndex backend;

    public EmbeddingIndex(StoredIndex stored, VectorIndex backend) {
        if (backend.dimension() != stored.vectors().cols()) {
            throw new InvalidInputException("index", "backend dimension " + backend.dimension()
                    + " differs from the stored vectors' " + stored.vectors().cols());
        }
        this.stored = stored;
        this.backend = backend;
        if (backend.size() == 0 && stored.size() > 0) {
            backend.add(stored.vectors());
        }
    }

    public StoredIndex stored() {
        return stored;
    }

    public String backendName() {
        return backend.backend();
    }

    /** The k nearest items for each query row; k larger than the index is an error. */
    public List<List<Hit>> search(FloatMatrix queries, int k) {
        if (k > stored.size()) {
            throw new InvalidInputException("k", k + " is larger than the index (" + stored.size() + " items)");
        }
        TopK top = backend.search(queries, k);
        List<List<Hit>> out = new ArrayList<>(queries.rows());
        for (int q = 0; q < queries.rows(); q++) {
            List<Hit> hits = new ArrayList<>(k);
            for (int r = 0; r < k; r++) {
                int id = top.id(q, r);
                hits.add(new Hit(r + 1, stored.ids().get(id), stored.labels().get(id), top.distance(q, r)));
            }
            out.add(hits);
        }
        return out;
    }

    @Override
    public void close() {
        backend.close();
    }
}
