package io.mmfuse.api;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.InvalidInputException;
import io.mmfuse.collection.CollectionOptions;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.collection.ScoredItem;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.server.BatchingConfig;
import io.mmfuse.server.CheckpointEmbeddingModel;
import io.mmfuse.server.CollectionService;
import io.mmfuse.server.EmbeddingService;
import io.mmfuse.server.NewItem;
import io.mmfuse.server.SearchQuery;
import io.mmfuse.server.ServiceLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The server's operations without the network, for services that link mmfuse: embed texts and
 * images with dynamic batching, and keep durable collections searchable by text, image or vector.
 * Thread-safe; errors are the library's typed exceptions. Close it to drain in-flight work and
 * free native memory.
 *
 * <pre>{@code
 * try (MmfuseEngine engine = MmfuseEngine.builder()
 *         .checkpoint(Path.of("runs/quickstart/checkpoint"))
 *         .collectionsRoot(Path.of("collections"))
 *         .build()) {
 *     engine.collections().create("products");
 *     engine.add("products", List.of(NewItem.ofCaption("p1", "a red circle")));
 *     List<ScoredItem> hits = engine.search(SearchQuery.byText("products", "a red circle", 5));
 * }
 * }</pre>
 */
public final class MmfuseEngine implements AutoCloseable {
    private final MmfuseModel model;
    private final EmbeddingService embeddings;
    private final CollectionStore store;
    private final CollectionService collections;
    private final Duration timeout;

    private MmfuseEngine(Builder b) {
        MmfuseModel loaded = MmfuseModel.load(b.checkpoint);
        try {
            this.model = loaded;
            CheckpointEmbeddingModel embeddingModel = new CheckpointEmbeddingModel(loaded);
            if (b.warmUp) {
                embeddingModel.warmUp();
            }
            this.embeddings = new EmbeddingService(embeddingModel, b.batching, b.limits, b.registry, b.decodeThreads);
            this.store = new CollectionStore(b.collectionsRoot, b.collectionOptions);
            this.collections = new CollectionService(store, embeddings);
            this.timeout = b.batching.defaultDeadline();
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The model behind the engine (its fingerprint tags every collection it writes). */
    public MmfuseModel model() {
        return model;
    }

    public EmbeddingService embeddings() {
        return embeddings;
    }

    public CollectionService collections() {
        return collections;
    }

    public FloatMatrix embedTexts(List<String> texts) {
        return embeddings.embedTexts("texts", texts, timeout);
    }

    public FloatMatrix embedImages(List<byte[]> images) {
        return embeddings.embedImages("images", images, timeout);
    }

    public CollectionService.AddResult add(String collection, List<NewItem> items) {
        return collections.add(collection, items, timeout);
    }

    public List<ScoredItem> search(SearchQuery query) {
        return collections.search(query, timeout);
    }

    @Override
    public void close() {
        try {
            embeddings.close(timeout);
        } finally {
            try {
                store.close();
            } finally {
                model.close();
            }
        }
    }

    /** Engine settings; {@link #checkpoint} and {@link #collectionsRoot} are required. */
    public static final class Builder {
        private Path checkpoint;
        private Path collectionsRoot;
        private BatchingConfig batching = BatchingConfig.defaults();
        private ServiceLimits limits = ServiceLimits.defaults();
        private CollectionOptions collectionOptions = CollectionOptions.defaults();
        private MeterRegistry registry = new SimpleMeterRegistry();
        private int decodeThreads = Runtime.getRuntime().availableProcessors();
        private boolean warmUp = true;

        private Builder() {
        }

        public Builder checkpoint(Path dir) {
            this.checkpoint = dir;
            return this;
        }

        public Builder collectionsRoot(Path dir) {
            this.collectionsRoot = dir;
            return this;
        }

        public Builder batching(BatchingConfig config) {
            this.batching = config;
            return this;
        }

        public Builder limits(ServiceLimits config) {
            this.limits = config;
            return this;
        }

        public Builder collectionOptions(CollectionOptions options) {
            this.collectionOptions = options;
            return this;
        }

        public Builder registry(MeterRegistry meters) {
            this.registry = meters;
            return this;
        }

        public Builder decodeThreads(int threads) {
            this.decodeThreads = threads;
            return this;
        }

        /**
         * Whether {@link #build} runs both encoders once before returning (default true), as the
         * server does before it reports ready: the first image embedding otherwise also pays for
         * loading OpenCV's natives (see {@link CheckpointEmbeddingModel#warmUp} for what that costs).
         */
        public Builder warmUp(boolean on) {
            this.warmUp = on;
            return this;
        }

        public MmfuseEngine build() {
            if (checkpoint == null || collectionsRoot == null) {
                throw new InvalidInputException("engine", "checkpoint and collectionsRoot are required");
            }
            if (decodeThreads < 1) {
                throw new InvalidInputException("decodeThreads", "must be >= 1, got " + decodeThreads);
            }
            return new MmfuseEngine(this);
        }
    }
}
