package io.mmfuse.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.mmfuse.gan.Sampling;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.mmfuse.collection.CollectionInfo;
import io.mmfuse.collection.CollectionItem;
import io.mmfuse.collection.ScoredItem;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.server.CollectionService;
import io.mmfuse.server.EmbeddingService;
import io.mmfuse.server.GenerationService;
import io.mmfuse.server.ImageCaptioner;
import io.mmfuse.server.ErrorMapping;
import io.mmfuse.server.Health;
import io.mmfuse.server.NewItem;
import io.mmfuse.server.OverloadedException;
import io.mmfuse.server.SearchQuery;
import io.mmfuse.server.grpc.v1.AddItemsRequest;
import io.mmfuse.server.grpc.v1.CaptionRequest;
import io.mmfuse.server.grpc.v1.CaptionResponse;
import io.mmfuse.server.grpc.v1.GenerateRequest;
import io.mmfuse.server.grpc.v1.GenerateResponse;
import io.mmfuse.server.grpc.v1.AddItemsResponse;
import io.mmfuse.server.grpc.v1.CreateCollectionRequest;
import io.mmfuse.server.grpc.v1.DeleteItemsRequest;
import io.mmfuse.server.grpc.v1.DeleteItemsResponse;
import io.mmfuse.server.grpc.v1.EmbedImagesRequest;
import io.mmfuse.server.grpc.v1.EmbedTextsRequest;
import io.mmfuse.server.grpc.v1.EmbeddingsResponse;
import io.mmfuse.server.grpc.v1.GetCollectionRequest;
import io.mmfuse.server.grpc.v1.GetItemRequest;
import io.mmfuse.server.grpc.v1.HealthRequest;
import io.mmfuse.server.grpc.v1.HealthResponse;
import io.mmfuse.server.grpc.v1.Item;
import io.mmfuse.server.grpc.v1.MmfuseGrpc;
import io.mmfuse.server.grpc.v1.SearchHit;
import io.mmfuse.server.grpc.v1.SearchRequest;
import io.mmfuse.server.grpc.v1.SearchResponse;
import io.mmfuse.server.grpc.v1.Vector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC edge: the same service layer as HTTP, with the client's gRPC deadline as the request's
 * deadline (it can only shorten the server's default). Errors carry the status code from
 * {@link ErrorMapping}; RESOURCE_EXHAUSTED also carries a {@code retry-after} trailer in seconds.
 */
public final class GrpcApi extends MmfuseGrpc.MmfuseImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(GrpcApi.class);
    public static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private final EmbeddingService embeddings;
    private final CollectionService collections;
    private final GenerationService generation;
    private final Health health;

    /** Without generation and captioning (those calls answer UNIMPLEMENTED). */
    public GrpcApi(EmbeddingService embeddings, CollectionService collections, Health health) {
        this(embeddings, collections, GenerationService.disabled(embeddings), health);
    }

    public GrpcApi(EmbeddingService embeddings, CollectionService collections, GenerationService generation,
                   Health health) {
        this.embeddings = embeddings;
        this.collections = collections;
        this.generation = generation;
        this.health = health;
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> out) {
        Context call = Context.current(); // cancelled when the client cancels or hangs up
        serve(out, () -> {
            Sampling sampling = new Sampling(request.hasTruncation() ? request.getTruncation() : 1,
                    request.getCandidates() == 0 ? 1 : request.getCandidates(), request.getRefine());
            return GenerateResponse.newBuilder().setPng(ByteString.copyFrom(generation.generate(request.getText(),
                    request.getSamples() == 0 ? 4 : request.getSamples(), request.getSeed(), sampling, timeout(),
                    call::isCancelled))).build();
        });
    }

    @Override
    public void caption(CaptionRequest request, StreamObserver<CaptionResponse> out) {
        serve(out, () -> {
            ImageCaptioner.Captions c = generation.caption(request.getImage().toByteArray(),
                    request.getK() == 0 ? 3 : request.getK(), request.getBeam() == 0 ? 3 : request.getBeam(), timeout());
            CaptionResponse.Builder b = CaptionResponse.newBuilder().setGreedy(c.greedy()).setBeam(c.beam());
            for (ImageCaptioner.Retrieved r : c.retrieved()) {
                b.addRetrievedBuilder().setRank(r.rank()).setCaption(r.caption()).setDistance(r.distance());
            }
            return b.build();
        });
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthResponse> out) {
        out.onNext(HealthResponse.newBuilder().setStatus(health.state().name().toLowerCase(Locale.ROOT))
                .setModel(embeddings.modelFingerprint()).setDimension(embeddings.dimension()).build());
        out.onCompleted();
    }

    @Override
    public void embedTexts(EmbedTextsRequest request, StreamObserver<EmbeddingsResponse> out) {
        serve(out, () -> embeddingsResponse(embeddings.embedTexts("texts", request.getTextsList(), timeout())));
    }

    @Override
    public void embedImages(EmbedImagesRequest request, StreamObserver<EmbeddingsResponse> out) {
        serve(out, () -> {
            List<byte[]> images = new ArrayList<>(request.getImagesCount());
            for (ByteString b : request.getImagesList()) {
                images.add(b.toByteArray());
            }
            return embeddingsResponse(embeddings.embedImages("images", images, timeout()));
        });
    }

    @Override
    public void search(SearchRequest request, StreamObserver<SearchResponse> out) {
        serve(out, () -> {
            SearchQuery q = switch (request.getQueryCase()) {
                case TEXT -> SearchQuery.byText(request.getCollection(), request.getText(), request.getK());
                case IMAGE -> SearchQuery.byImage(request.getCollection(), request.getImage().toByteArray(), request.getK());
                case VECTOR -> SearchQuery.byVector(request.getCollection(), floats(request.getVector()), request.getK());
                case QUERY_NOT_SET -> new SearchQuery(request.getCollection(), request.getK(), null, null, null);
            };
            SearchResponse.Builder b = SearchResponse.newBuilder();
            for (ScoredItem s : collections.search(q, timeout())) {
                SearchHit.Builder h = b.addHitsBuilder().setRank(s.rank()).setId(s.item().id()).setDistance(s.distance())
                        .setMetadataJson(s.item().metadataJson());
                if (s.item().label() != null) {
                    h.setLabel(s.item().label());
                }
            }
            return b.build();
        });
    }

    @Override
    public void createCollection(CreateCollectionRequest request, StreamObserver<io.mmfuse.server.grpc.v1.CollectionInfo> out) {
        serve(out, () -> info(collections.create(request.getName())));
    }

    @Override
    public void getCollection(GetCollectionRequest request, StreamObserver<io.mmfuse.server.grpc.v1.CollectionInfo> out) {
        serve(out, () -> info(collections.info(request.getName())));
    }

    @Override
    public void addItems(AddItemsRequest request, StreamObserver<AddItemsResponse> out) {
        serve(out, () -> {
            List<NewItem> items = new ArrayList<>(request.getItemsCount());
            for (io.mmfuse.server.grpc.v1.NewItem it : request.getItemsList()) {
                items.add(new NewItem(it.getId(), it.getImage().isEmpty() ? null : it.getImage().toByteArray(),
                        it.getCaption().isEmpty() ? null : it.getCaption(), it.hasVector() ? floats(it.getVector()) : null,
                        it.getLabel().isEmpty() ? null : it.getLabel(), it.getMetadataJson().isEmpty() ? null : it.getMetadataJson()));
            }
            CollectionService.AddResult r = collections.add(request.getCollection(), items, timeout());
            return AddItemsResponse.newBuilder().setAdded(r.added()).setCount(r.count()).build();
        });
    }

    @Override
    public void deleteItems(DeleteItemsRequest request, StreamObserver<DeleteItemsResponse> out) {
        serve(out, () -> {
            CollectionService.DeleteResult r = collections.delete(request.getCollection(), request.getIdsList());
            return DeleteItemsResponse.newBuilder().setDeleted(r.deleted()).setCount(r.count()).build();
        });
    }

    @Override
    public void getItem(GetItemRequest request, StreamObserver<Item> out) {
        serve(out, () -> {
            CollectionItem it = collections.get(request.getCollection(), request.getId());
            Item.Builder b = Item.newBuilder().setId(it.id()).setMetadataJson(it.metadataJson()).setVector(vector(it.vector()));
            if (it.label() != null) {
                b.setLabel(it.label());
            }
            return b.build();
        });
    }

    private <T> void serve(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            health.requireReady();
            result = call.get();
        } catch (Throwable e) {
            out.onError(toStatus(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    static io.grpc.StatusRuntimeException toStatus(Throwable e) {
        ErrorMapping.Error m = ErrorMapping.of(e);
        if ("INTERNAL".equals(m.code()) || "DATA_LOSS".equals(m.code())) {
            LOG.error("gRPC call failed", e);
        }
        Status status = Status.fromCode(Status.Code.valueOf(m.code())).withDescription(m.message());
        Metadata trailers = new Metadata();
        if (e instanceof OverloadedException o) {
            trailers.put(RETRY_AFTER, Long.toString(Math.max(1, o.retryAfter().toSeconds())));
        }
        return status.asRuntimeException(trailers);
    }

    /** The remaining time of the client's deadline, if it set one. */
    private static Duration timeout() {
        Deadline d = Context.current().getDeadline();
        if (d == null) {
            return null;
        }
        long ms = d.timeRemaining(TimeUnit.MILLISECONDS);
        return Duration.ofMillis(Math.max(1, ms));
    }

    private EmbeddingsResponse embeddingsResponse(FloatMatrix m) {
        EmbeddingsResponse.Builder b = EmbeddingsResponse.newBuilder().setModel(embeddings.modelFingerprint())
                .setDimension(m.cols());
        for (int r = 0; r < m.rows(); r++) {
            Vector.Builder v = b.addEmbeddingsBuilder();
            for (int c = 0; c < m.cols(); c++) {
                v.addValues(m.get(r, c));
            }
        }
        return b.build();
    }

    private static io.mmfuse.server.grpc.v1.CollectionInfo info(CollectionInfo i) {
        return io.mmfuse.server.grpc.v1.CollectionInfo.newBuilder().setName(i.name()).setDimension(i.dimension())
                .setModel(i.modelFingerprint()).setCount(i.count()).build();
    }

    private static float[] floats(Vector v) {
        float[] out = new float[v.getValuesCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.getValues(i);
        }
        return out;
    }

    private static Vector vector(float[] values) {
        Vector.Builder b = Vector.newBuilder();
        for (float f : values) {
            b.addValues(f);
        }
        return b.build();
    }
}
