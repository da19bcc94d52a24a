package io.mmfuse.server;

import io.mmfuse.InvalidInputException;
import io.mmfuse.collection.CollectionInfo;
import io.mmfuse.collection.CollectionItem;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.collection.NotFoundException;
import io.mmfuse.collection.PersistentCollection;
import io.mmfuse.collection.ScoredItem;
import io.mmfuse.search.FloatMatrix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Collections and search on top of the {@link EmbeddingService}: items given as images or captions
 * are embedded by the server's model, and a collection only accepts vectors of that model.
 */
public final class CollectionService {
    private final CollectionStore store;
    private final EmbeddingService embeddings;
    private final ServiceLimits limits;

    public CollectionService(CollectionStore store, EmbeddingService embeddings) {
        this.store = store;
        this.embeddings = embeddings;
        this.limits = embeddings.limits();
    }

    public record AddResult(int added, long count) {
    }

    public record DeleteResult(int deleted, long count) {
    }

    public CollectionInfo create(String name) {
        return store.create(name, embeddings.modelFingerprint(), embeddings.dimension()).info();
    }

    public CollectionInfo info(String name) {
        return store.get(name).info();
    }

    public List<String> names() {
        return store.names();
    }

    public AddResult add(String name, List<NewItem> items, Duration timeout) {
        PersistentCollection c = store.get(name);
        c.requireModel(embeddings.modelFingerprint());
        if (items == null || items.isEmpty()) {
            throw new InvalidInputException("items", "must hold at least one item");
        }
        if (items.size() > limits.maxBatchItems()) {
            throw new InvalidInputException("items", "has " + items.size() + " entries, at most " + limits.maxBatchItems()
                    + " allowed");
        }
        float[][] vectors = new float[items.size()][];
        List<Integer> imageAt = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<Integer> captionAt = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            NewItem item = items.get(i);
            String field = "items[" + i + "]";
            if (item == null) {
                throw new InvalidInputException(field, "must not be null");
            }
            if (item.caption() != null) {
                embeddings.checkText(field + ".caption", item.caption());
            }
            if (item.vector() != null && item.image() != null) {
                throw new InvalidInputException(field, "give either a vector or an image, not both");
            }
            if (item.vector() != null) {
                vectors[i] = item.vector();
            } else if (item.image() != null) {
                imageAt.add(i);
                images.add(item.image());
            } else if (item.caption() != null) {
                captionAt.add(i);
                captions.add(item.caption());
            } else {
                throw new InvalidInputException(field, "needs a vector, an image or a caption");
            }
        }
        if (!images.isEmpty()) {
            FloatMatrix m = embeddings.embedImages(j -> "items[" + imageAt.get(j) + "].image", images, timeout);
            for (int j = 0; j < imageAt.size(); j++) {
                vectors[imageAt.get(j)] = m.row(j);
            }
        }
        if (!captions.isEmpty()) {
            FloatMatrix m = embeddings.embedTexts("captions", captions, timeout);
            for (int j = 0; j < captionAt.size(); j++) {
                vectors[captionAt.get(j)] = m.row(j);
            }
        }
        List<CollectionItem> out = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            NewItem item = items.get(i);
            String label = item.label() != null ? item.label() : item.caption();
            out.add(new CollectionItem(item.id(), vectors[i], label, item.metadataJson()));
        }
        int added = c.add(embeddings.modelFingerprint(), out);
        return new AddResult(added, c.count());
    }

    public DeleteResult delete(String name, List<String> ids) {
        PersistentCollection c = store.get(name);
        if (ids == null || ids.isEmpty()) {
            throw new InvalidInputException("ids", "must hold at least one id");
        }
        if (ids.size() > limits.maxBatchItems()) {
            throw new InvalidInputException("ids", "has " + ids.size() + " entries, at most " + limits.maxBatchItems() + " allowed");
        }
        int deleted = c.delete(ids);
        return new DeleteResult(deleted, c.count());
    }

    public CollectionItem get(String name, String id) {
        return store.get(name).get(id).orElseThrow(() -> new NotFoundException("item", id));
    }

    public List<CollectionItem> list(String name, int offset, int limit) {
        if (limit > limits.maxK()) {
            throw new InvalidInputException("limit", limit + " is above the maximum " + limits.maxK());
        }
        return store.get(name).list(offset, limit);
    }

    /** The min(k, count) nearest items of the collection to the query, nearest first. */
    public List<ScoredItem> search(SearchQuery q, Duration timeout) {
        if (q.collection() == null || q.collection().isEmpty()) {
            throw new InvalidInputException("collection", "must be given");
        }
        PersistentCollection c = store.get(q.collection());
        if (q.k() < 1 || q.k() > limits.maxK()) {
            throw new InvalidInputException("k", "must be between 1 and " + limits.maxK() + ", got " + q.k());
        }
        int given = (q.text() != null ? 1 : 0) + (q.image() != null ? 1 : 0) + (q.vector() != null ? 1 : 0);
        if (given != 1) {
            throw new InvalidInputException("query", "give exactly one of text, image or vector (got " + given + ")");
        }
        FloatMatrix query;
        if (q.text() != null) {
            query = embeddings.embedTexts("text", List.of(q.text()), timeout);
        } else if (q.image() != null) {
            query = embeddings.embedImages(j -> "image", List.of(q.image()), timeout);
        } else {
            if (q.vector().length != c.dimension()) {
                throw new InvalidInputException("vector", "has " + q.vector().length + " values, collection '" + c.name()
                        + "' has dimension " + c.dimension());
            }
            query = new FloatMatrix(1, q.vector().length, q.vector().clone());
            query.requireFinite("vector");
        }
        return c.search(embeddings.modelFingerprint(), query, q.k()).get(0);
    }
}
