package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.server.grpc.GrpcApi;
import io.mmfuse.server.grpc.GrpcMetrics;
import io.mmfuse.server.grpc.v1.AddItemsRequest;
import io.mmfuse.server.grpc.v1.AddItemsResponse;
import io.mmfuse.server.grpc.v1.CreateCollectionRequest;
import io.mmfuse.server.grpc.v1.DeleteItemsRequest;
import io.mmfuse.server.grpc.v1.EmbedImagesRequest;
import io.mmfuse.server.grpc.v1.EmbedTextsRequest;
import io.mmfuse.server.grpc.v1.EmbeddingsResponse;
import io.mmfuse.server.grpc.v1.GetCollectionRequest;
import io.mmfuse.server.grpc.v1.GetItemRequest;
import io.mmfuse.server.grpc.v1.HealthRequest;
import io.mmfuse.server.grpc.v1.Item;
import io.mmfuse.server.grpc.v1.MmfuseGrpc;
import io.mmfuse.server.grpc.v1.NewItem;
import io.mmfuse.server.grpc.v1.SearchRequest;
import io.mmfuse.server.grpc.v1.SearchResponse;
import io.mmfuse.server.grpc.v1.Vector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gRPC edge over an in-process channel, on the same service layer as HTTP. */
class GrpcApiTest {
    @TempDir
    Path root;
    FakeModel model;
    Health health;
    CollectionStore store;
    EmbeddingService embeddings;
    Server server;
    ManagedChannel channel;
    MmfuseGrpc.MmfuseBlockingStub stub;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void start() throws Exception {
        start(BatchingConfig.defaults());
    }

    void start(BatchingConfig batching) throws Exception {
        stop();
        registry = new SimpleMeterRegistry();
        model = new FakeModel();
        health = new Health();
        store = new CollectionStore(root, HttpApiTest.CPU);
        embeddings = new EmbeddingService(model, batching, HttpApiTest.LIMITS, registry);
        CollectionService collections = new CollectionService(store, embeddings);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(new GrpcApi(embeddings, collections, health), new GrpcMetrics(registry)))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        stub = MmfuseGrpc.newBlockingStub(channel);
        health.set(Health.State.READY);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (model != null) {
            model.gate.countDown();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            embeddings.close(Duration.ofSeconds(5));
            store.close();
            channel = null;
        }
    }

    static float[] floats(Vector v) {
        float[] out = new float[v.getValuesCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.getValues(i);
        }
        return out;
    }

    static Vector vector(float... values) {
        Vector.Builder b = Vector.newBuilder();
        for (float f : values) {
            b.addValues(f);
        }
        return b.build();
    }

    static Status.Code codeOf(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        throw new AssertionError("call succeeded");
    }

    @Test
    void healthReportsTheStateAndModel() {
        assertThat(stub.health(HealthRequest.getDefaultInstance()).getStatus()).isEqualTo("ready");
        health.set(Health.State.STARTING);
        assertThat(stub.health(HealthRequest.getDefaultInstance()).getStatus()).isEqualTo("starting");
        assertThat(codeOf(() -> stub.embedTexts(EmbedTextsRequest.newBuilder().addTexts("a").build())))
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void embedsTextsAndImagesExactlyAsTheModelDoes() {
        EmbeddingsResponse t = stub.embedTexts(EmbedTextsRequest.newBuilder().addTexts("a").addTexts("b").build());
        assertThat(t.getModel()).isEqualTo("fake@1");
        assertThat(floats(t.getEmbeddings(0))).containsExactly(FakeModel.textVector("a"));
        assertThat(floats(t.getEmbeddings(1))).containsExactly(FakeModel.textVector("b"));
        byte[] img = FakeModel.png(3, 3, "pic");
        EmbeddingsResponse i = stub.embedImages(EmbedImagesRequest.newBuilder().addImages(ByteString.copyFrom(img)).build());
        assertThat(floats(i.getEmbeddings(0))).containsExactly(FakeModel.bytesVector(img));
        assertThat(registry.get("mmfuse.grpc.requests").tag("method", "EmbedTexts").tag("code", "OK").timer().count()).isEqualTo(1);
    }

    @Test
    void collectionsAndSearch() {
        assertThat(stub.createCollection(CreateCollectionRequest.newBuilder().setName("g").build()).getDimension())
                .isEqualTo(FakeModel.DIM);
        byte[] img = FakeModel.png(3, 3, "pic");
        AddItemsResponse added = stub.addItems(AddItemsRequest.newBuilder().setCollection("g")
                .addItems(NewItem.newBuilder().setId("t").setCaption("a tree").setMetadataJson("{\"k\":1}"))
                .addItems(NewItem.newBuilder().setId("i").setImage(ByteString.copyFrom(img)))
                .addItems(NewItem.newBuilder().setId("v").setVector(vector(1, 1, 1, 1, 1, 1, 1, 1)).setLabel("ones"))
                .build());
        assertThat(added.getAdded()).isEqualTo(3);
        assertThat(stub.getCollection(GetCollectionRequest.newBuilder().setName("g").build()).getCount()).isEqualTo(3);

        Item t = stub.getItem(GetItemRequest.newBuilder().setCollection("g").setId("t").build());
        assertThat(t.getLabel()).isEqualTo("a tree");
        assertThat(t.getMetadataJson()).isEqualTo("{\"k\":1}");
        assertThat(floats(t.getVector())).containsExactly(FakeModel.textVector("a tree"));

        SearchResponse byText = stub.search(SearchRequest.newBuilder().setCollection("g").setK(2).setText("a tree").build());
        assertThat(byText.getHitsList()).hasSize(2);
        assertThat(byText.getHits(0).getId()).isEqualTo("t");
        assertThat(byText.getHits(0).getDistance()).isZero();
        assertThat(stub.search(SearchRequest.newBuilder().setCollection("g").setK(1).setImage(ByteString.copyFrom(img)).build())
                .getHits(0).getId()).isEqualTo("i");
        assertThat(stub.search(SearchRequest.newBuilder().setCollection("g").setK(1)
                .setVector(vector(1, 1, 1, 1, 1, 1, 1, 1)).build()).getHits(0).getLabel()).isEqualTo("ones");

        assertThat(stub.deleteItems(DeleteItemsRequest.newBuilder().setCollection("g").addIds("t").addIds("x").build())
                .getDeleted()).isEqualTo(1);
        assertThat(codeOf(() -> stub.getItem(GetItemRequest.newBuilder().setCollection("g").setId("t").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void errorsMapToStatusCodesNamingTheField() {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.embedTexts(EmbedTextsRequest.newBuilder().addTexts("ok").addTexts("").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).startsWith("texts[1]: ");
        assertThat(codeOf(() -> stub.embedTexts(EmbedTextsRequest.getDefaultInstance()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> stub.embedImages(EmbedImagesRequest.newBuilder()
                .addImages(ByteString.copyFrom(FakeModel.png(100_000, 100_000, ""))).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> stub.embedImages(EmbedImagesRequest.newBuilder()
                .addImages(ByteString.copyFrom(FakeModel.png(2, 2, "BAD"))).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> stub.search(SearchRequest.newBuilder().setCollection("nope").setK(1).setText("a").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        stub.createCollection(CreateCollectionRequest.newBuilder().setName("e").build());
        assertThat(codeOf(() -> stub.createCollection(CreateCollectionRequest.newBuilder().setName("e").build())))
                .isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(codeOf(() -> stub.search(SearchRequest.newBuilder().setCollection("e").setK(1).build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> stub.search(SearchRequest.newBuilder().setCollection("e").setK(0).setText("a").build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> stub.addItems(AddItemsRequest.newBuilder().setCollection("e")
                .addItems(NewItem.newBuilder().setId("x").setVector(vector(1, 2))).build()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(codeOf(() -> stub.createCollection(CreateCollectionRequest.newBuilder().setName("../up").build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        store.create("foreign", "other@9", FakeModel.DIM);
        assertThat(codeOf(() -> stub.addItems(AddItemsRequest.newBuilder().setCollection("foreign")
                .addItems(NewItem.newBuilder().setId("x").setCaption("c")).build()))).isEqualTo(Status.Code.FAILED_PRECONDITION);
        model.gate = new CountDownLatch(1);
        assertThat(codeOf(() -> stub.withDeadlineAfter(100, TimeUnit.MILLISECONDS)
                .embedTexts(EmbedTextsRequest.newBuilder().addTexts("slow").build()))).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }

    @Test
    void aFullQueueIsResourceExhaustedWithARetryAfterTrailer() throws Exception {
        start(new BatchingConfig(1, Duration.ZERO, List.of(), 8, Duration.ofSeconds(10)));
        model.gate = new CountDownLatch(1);
        int before = model.entered.get();
        MmfuseGrpc.MmfuseFutureStub async = MmfuseGrpc.newFutureStub(channel);
        var running = async.embedTexts(EmbedTextsRequest.newBuilder().addTexts("r").build());
        HttpApiTest.await(() -> model.entered.get() > before);
        EmbedTextsRequest.Builder eight = EmbedTextsRequest.newBuilder();
        for (int i = 0; i < 8; i++) {
            eight.addTexts("q" + i);
        }
        var queued = async.embedTexts(eight.build());
        HttpApiTest.await(() -> embeddings.textBatcher().queueDepth() == 8);
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> stub.embedTexts(EmbedTextsRequest.newBuilder().addTexts("z").build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getTrailers().get(GrpcApi.RETRY_AFTER)).isNotNull();
        model.gate.countDown();
        assertThat(floats(running.get(10, TimeUnit.SECONDS).getEmbeddings(0))).containsExactly(FakeModel.textVector("r"));
        assertThat(queued.get(10, TimeUnit.SECONDS).getEmbeddingsCount()).isEqualTo(8);
    }

    @Test
    void concurrentCallsGetTheSameResultsAsSequentialOnes() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int client = c;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 20; i++) {
                        String text = "g" + client + "-" + i;
                        EmbeddingsResponse r = stub.embedTexts(EmbedTextsRequest.newBuilder().addTexts(text).build());
                        assertThat(floats(r.getEmbeddings(0))).containsExactly(FakeModel.textVector(text));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // Batching happened on one worker thread and never mixed up results (checked above).
        assertThat(model.threads).allMatch(t -> t.equals("mmfuse-batcher-text"));
    }
}
