package io.mmfuse.collection;

import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import io.mmfuse.search.VectorIndex;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps a collection's ids onto the rows of a {@link VectorIndex}, which only appends and
 * overwrites. A deleted item's row becomes free (a tombstone): searches skip it and the next new
 * item reuses it. Not thread-safe; the owning collection serialises mutations against searches.
 */
final class RowIndex implements AutoCloseable {
    private final VectorIndex index;
    private final List<String> rowIds = new ArrayList<>();
    private final Map<String, Integer> rowOf = new HashMap<>();
    private final ArrayDeque<Integer> freeRows = new ArrayDeque<>();

    RowIndex(VectorIndex index) {
        this.index = index;
    }

    String backend() {
        return index.backend();
    }

    void putAll(Collection<CollectionItem> items) {
        List<CollectionItem> appended = new ArrayList<>();
        for (CollectionItem item : items) {
            Integer row = rowOf.get(item.id());
            if (row == null && !freeRows.isEmpty()) {
                row = freeRows.pop();
                rowIds.set(row, item.id());
                rowOf.put(item.id(), row);
            }
            if (row != null) {
                index.set(row, item.vector());
            } else {
                appended.add(item);
            }
        }
        if (appended.isEmpty()) {
            return;
        }
        int dim = index.dimension();
        float[] data = new float[appended.size() * dim];
        for (int i = 0; i < appended.size(); i++) {
            CollectionItem item = appended.get(i);
            System.arraycopy(item.vector(), 0, data, i * dim, dim);
            rowOf.put(item.id(), rowIds.size());
            rowIds.add(item.id());
        }
        index.add(new FloatMatrix(appended.size(), dim, data));
    }

    void remove(String id) {
        Integer row = rowOf.remove(id);
        if (row != null) {
            rowIds.set(row, null);
            freeRows.push(row);
        }
    }

    /**
     * The min(k, live items) nearest live items per query, as ids with distances. Asking the backend
     * for k + (free rows) neighbours guarantees k live ones survive the tombstone filter.
     */
    List<List<Neighbour>> search(FloatMatrix queries, int k) {
        int live = rowOf.size();
        List<List<Neighbour>> out = new ArrayList<>(queries.rows());
        int want = Math.min(k, live);
        if (want == 0) {
            for (int q = 0; q < queries.rows(); q++) {
                out.add(List.of());
            }
            return out;
        }
        int fetch = Math.min(index.size(), want + freeRows.size());
        TopK top = index.search(queries, fetch);
        for (int q = 0; q < queries.rows(); q++) {
            List<Neighbour> hits = new ArrayList<>(want);
            for (int r = 0; r < fetch && hits.size() < want; r++) {
                String id = rowIds.get(top.id(q, r));
                if (id != null) {
                    hits.add(new Neighbour(id, top.distance(q, r)));
                }
            }
            out.add(hits);
        }
        return out;
    }

    record Neighbour(String id, float distance) {
    }

    @Override
    public void close() {
        index.close();
    }
}
