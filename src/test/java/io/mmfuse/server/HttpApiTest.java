package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.mmfuse.collection.CollectionOptions;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.search.SearchBackends;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The HTTP edge against a real server on an ephemeral loopback port. */
class HttpApiTest {
    static final ServiceLimits LIMITS = ServiceLimits.defaults().withMaxBatchItems(8).withMaxTextChars(100)
            .withMaxImageBytes(4096).withMaxImagePixels(1_000_000).withMaxK(50).withMaxRequestBytes(64 * 1024);
    static final CollectionOptions CPU = CollectionOptions.defaults().withSearchBackend(SearchBackends.Preference.CPU);

    @TempDir
    static Path root;
    static FakeModel model;
    static MmfuseServer server;
    static Http http;

    @BeforeAll
    static void startServer() {
        // A collection made by another model, to test that the server refuses to mix them.
        try (CollectionStore store = new CollectionStore(root, CPU)) {
            store.create("foreign", "other-model@2", FakeModel.DIM);
        }
        model = new FakeModel();
        server = newServer(model, root, BatchingConfig.defaults().withMaxWait(Duration.ofMillis(1)));
        http = new Http(server.httpPort());
        assertThat(http.post("/v1/collections/c", "{}").status()).isEqualTo(201);
    }

    static MmfuseServer newServer(FakeModel m, Path dir, BatchingConfig batching) {
        return MmfuseServer.builder().host("127.0.0.1").httpPort(0).grpcPort(-1).model(m).collectionsRoot(dir)
                .batching(batching).limits(LIMITS).collectionOptions(CPU).drainTimeout(Duration.ofSeconds(10)).build().start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    static void assertVector(JsonNode row, float[] expected) {
        assertThat(row.size()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(row.get(i).floatValue()).isEqualTo(expected[i]);
        }
    }

    @Test
    void healthIsReadyAfterWarmUpAndMetricsAreServed() {
        Http.Reply h = http.get("/v1/health");
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().get("status").asText()).isEqualTo("ready");
        assertThat(h.json().get("model").asText()).isEqualTo("fake@1");
        assertThat(model.warmedUp).isTrue();
        http.post("/v1/embeddings/text", "{\"texts\":[\"metrics\"]}");
        Http.Reply m = http.get("/metrics");
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.text()).contains("mmfuse_batcher_batch_size_count{batcher=\"text\"", "mmfuse_batcher_queue_depth",
                "mmfuse_batcher_queue_time_seconds_bucket", "mmfuse_http_requests_seconds_bucket",
                "route=\"/v1/embeddings/text\"");
    }

    @Test
    void embedsTextsExactlyAsTheModelDoes() {
        Http.Reply r = http.post("/v1/embeddings/text", "{\"texts\":[\"a dog\",\"a cat\"]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("dimension").asInt()).isEqualTo(FakeModel.DIM);
        assertVector(r.json().get("embeddings").get(0), FakeModel.textVector("a dog"));
        assertVector(r.json().get("embeddings").get(1), FakeModel.textVector("a cat"));
    }

    @Test
    void embedsImagesSentAsBase64JsonOrAsRawBytes() {
        byte[] a = FakeModel.png(20, 10, "aaa");
        byte[] b = FakeModel.png(30, 30, "bbb");
        Http.Reply r = http.post("/v1/embeddings/image", Http.json(Map.of("images", List.of(b64(a), b64(b)))));
        assertThat(r.status()).isEqualTo(200);
        assertVector(r.json().get("embeddings").get(0), FakeModel.bytesVector(a));
        assertVector(r.json().get("embeddings").get(1), FakeModel.bytesVector(b));
        Http.Reply raw = http.postBytes("/v1/embeddings/image", b, "image/png");
        assertThat(raw.status()).isEqualTo(200);
        assertVector(raw.json().get("embeddings").get(0), FakeModel.bytesVector(b));
    }

    @Test
    void anUndecodableImageFailsTheRequestNamingThatImage() {
        Http.Reply r = http.post("/v1/embeddings/image",
                Http.json(Map.of("images", List.of(b64(FakeModel.png(4, 4, "ok")), b64(FakeModel.png(4, 4, "BAD"))))));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorField()).isEqualTo("images[1]");
        assertThat(r.json().path("error").path("message").asText()).contains("corrupt pixel data");
    }

    static Stream<Arguments> badRequests() {
        String longText = "x".repeat(101);
        String nine = Http.json(Map.of("texts", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9")));
        return Stream.of(
                Arguments.of("/v1/embeddings/text", "{", "body"),
                Arguments.of("/v1/embeddings/text", "[1]", "body"),
                Arguments.of("/v1/embeddings/text", "", "body"),
                Arguments.of("/v1/embeddings/text", "{}", "texts"),
                Arguments.of("/v1/embeddings/text", "{\"texts\":\"a\"}", "texts"),
                Arguments.of("/v1/embeddings/text", "{\"texts\":[]}", "texts"),
                Arguments.of("/v1/embeddings/text", "{\"texts\":[\"a\",3]}", "texts[1]"),
                Arguments.of("/v1/embeddings/text", "{\"texts\":[\"a\",\"  \"]}", "texts[1]"),
                Arguments.of("/v1/embeddings/text", "{\"texts\":[\"" + longText + "\"]}", "texts[0]"),
                Arguments.of("/v1/embeddings/text", nine, "texts"),
                Arguments.of("/v1/embeddings/image", "{\"images\":[\"%%%\"]}", "images[0]"),
                Arguments.of("/v1/embeddings/image", "{\"images\":[\"" + b64("hello".getBytes()) + "\"]}", "images[0]"),
                Arguments.of("/v1/embeddings/image", "{\"images\":[\"" + b64(FakeModel.png(10, 10, "x".repeat(5000))) + "\"]}",
                        "images[0]"),
                Arguments.of("/v1/embeddings/image", "{\"images\":[\"" + b64(FakeModel.png(5000, 5000, "")) + "\"]}", "images[0]"),
                Arguments.of("/v1/embeddings/image", "{\"images\":[\"" + b64(new byte[] {(byte) 0x89, 'P', 'N', 'G'}) + "\"]}",
                        "images[0]"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":0,\"text\":\"a\"}", "k"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":51,\"text\":\"a\"}", "k"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":\"5\",\"text\":\"a\"}", "k"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":5}", "query"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":5,\"text\":\"a\",\"vector\":[1]}", "query"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":5,\"vector\":[1,2]}", "vector"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":5,\"vector\":[1,2,\"x\",4,5,6,7,8]}", "vector[2]"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":5,\"vector\":[1e39,2,3,4,5,6,7,8]}", "vector[0]"),
                Arguments.of("/v1/search", "{\"collection\":\"c\",\"k\":5,\"image\":\"" + b64("GIF".getBytes()) + "\"}", "image"),
                Arguments.of("/v1/search", "{\"k\":5,\"text\":\"a\"}", "collection"),
                Arguments.of("/v1/search", "{\"collection\":\"a/../b\",\"k\":5,\"text\":\"a\"}", "collection"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"id\":\"a\"}]}", "items[0]"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"caption\":\"a\"}]}", "items[0].id"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"id\":\"a\",\"vector\":[1,2,3]}]}", "items[0].vector"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"id\":\"a\",\"caption\":\"x\",\"metadata\":[1]}]}",
                        "items[0].metadata"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"id\":\"a\",\"caption\":\"" + longText + "\"}]}",
                        "items[0].caption"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"id\":\"a\",\"image\":\""
                        + b64(FakeModel.png(2, 2, "BAD")) + "\"}]}", "items[0].image"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[]}", "items"),
                Arguments.of("/v1/collections/c/items", "{\"items\":[{\"id\":\"a\",\"caption\":\"x\"},{\"id\":\"a\",\"caption\":\"y\"}]}",
                        "items[1].id"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badInputIs400NamingTheField(String path, String body, String field) {
        Http.Reply r = http.post(path, body);
        assertThat(r.status()).as(r.text()).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("INVALID_ARGUMENT");
        assertThat(r.errorField()).isEqualTo(field);
        assertThat(r.json().path("error").path("message").asText()).startsWith(field + ": ");
    }

    @Test
    void aBadTimeoutHeaderAndAnOversizedBodyAre4xx() {
        Http.Reply r = http.post("/v1/embeddings/text", "{\"texts\":[\"a\"]}", Map.of(io.mmfuse.server.http.HttpApi.TIMEOUT_HEADER, "soon"));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.errorField()).isEqualTo("X-Timeout-Ms");
        Http.Reply big = http.post("/v1/embeddings/text", "{\"texts\":[\"" + "y".repeat(70 * 1024) + "\"]}");
        assertThat(big.status()).isEqualTo(413);
        assertThat(http.get("/v1/nothing-here").status()).isEqualTo(404);
    }

    @Test
    void collectionsLifecycle() {
        assertThat(http.post("/v1/collections/life", "{}").status()).isEqualTo(201);
        Http.Reply again = http.post("/v1/collections/life", "{}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("ALREADY_EXISTS");

        byte[] img = FakeModel.png(8, 8, "photo");
        float[] vec = {1, 2, 3, 4, 5, 6, 7, 8};
        String items = Http.json(Map.of("items", List.of(
                Map.of("id", "cap", "caption", "a red bus", "metadata", Map.of("src", "t", "n", 1)),
                Map.of("id", "img", "image", b64(img), "caption", "a photo"),
                Map.of("id", "vec", "vector", vec, "label", "hand-made"))));
        Http.Reply add = http.post("/v1/collections/life/items", items);
        assertThat(add.status()).as(add.text()).isEqualTo(200);
        assertThat(add.json().get("added").asInt()).isEqualTo(3);
        assertThat(add.json().get("count").asLong()).isEqualTo(3);

        Http.Reply info = http.get("/v1/collections/life");
        assertThat(info.json().get("count").asLong()).isEqualTo(3);
        assertThat(info.json().get("model").asText()).isEqualTo("fake@1");

        Http.Reply got = http.get("/v1/collections/life/items/cap");
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json().get("label").asText()).isEqualTo("a red bus");
        assertThat(got.json().get("metadata").get("src").asText()).isEqualTo("t");
        assertVector(got.json().get("vector"), FakeModel.textVector("a red bus"));
        assertVector(http.get("/v1/collections/life/items/img").json().get("vector"), FakeModel.bytesVector(img));
        assertThat(http.get("/v1/collections/life/items/img").json().get("label").asText()).isEqualTo("a photo");

        Http.Reply byText = http.post("/v1/search", "{\"collection\":\"life\",\"k\":2,\"text\":\"a red bus\"}");
        assertThat(byText.status()).as(byText.text()).isEqualTo(200);
        JsonNode first = byText.json().get("results").get(0);
        assertThat(first.get("id").asText()).isEqualTo("cap");
        assertThat(first.get("distance").floatValue()).isZero();
        assertThat(first.get("metadata").get("n").asInt()).isEqualTo(1);
        assertThat(byText.json().get("results")).hasSize(2);
        Http.Reply byImage = http.post("/v1/search", Http.json(Map.of("collection", "life", "k", 1, "image", b64(img))));
        assertThat(byImage.json().get("results").get(0).get("id").asText()).isEqualTo("img");
        Http.Reply byVector = http.post("/v1/search", Http.json(Map.of("collection", "life", "k", 10, "vector", vec)));
        assertThat(byVector.json().get("results")).hasSize(3); // k is capped at the item count
        assertThat(byVector.json().get("results").get(0).get("id").asText()).isEqualTo("vec");

        Http.Reply list = http.get("/v1/collections/life/items?offset=1&limit=5");
        assertThat(list.json().get("items")).extracting(n -> n.get("id").asText()).containsExactly("img", "vec");

        assertThat(http.delete("/v1/collections/life/items/cap").status()).isEqualTo(200);
        assertThat(http.delete("/v1/collections/life/items/cap").status()).isEqualTo(404);
        assertThat(http.get("/v1/collections/life/items/cap").errorCode()).isEqualTo("NOT_FOUND");
        Http.Reply bulk = http.delete("/v1/collections/life/items", "{\"ids\":[\"img\",\"nope\"]}");
        assertThat(bulk.json().get("deleted").asInt()).isEqualTo(1);
        assertThat(bulk.json().get("count").asLong()).isEqualTo(1);
        assertThat(http.get("/v1/collections/missing").status()).isEqualTo(404);
        assertThat(http.post("/v1/search", "{\"collection\":\"missing\",\"k\":1,\"text\":\"a\"}").status()).isEqualTo(404);
        assertThat(http.get("/v1/collections").json().get("collections")).extracting(JsonNode::asText).contains("life", "c");
    }

    @Test
    void aCollectionOfAnotherModelRefusesThisModelsVectors() {
        Http.Reply r = http.post("/v1/collections/foreign/items", "{\"items\":[{\"id\":\"a\",\"caption\":\"x\"}]}");
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.errorCode()).isEqualTo("FAILED_PRECONDITION");
        assertThat(r.json().path("error").path("message").asText()).contains("other-model@2");
    }

    @Test
    void concurrentClientsGetTheSameResultsAsSequentialCalls() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Void>> futures = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int client = c;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 12; i++) {
                        String a = "client " + client + " text " + i;
                        String b = "other " + (i * 7 + client);
                        Http.Reply r = http.post("/v1/embeddings/text", Http.json(Map.of("texts", List.of(a, b))));
                        assertThat(r.status()).isEqualTo(200);
                        assertVector(r.json().get("embeddings").get(0), FakeModel.textVector(a));
                        assertVector(r.json().get("embeddings").get(1), FakeModel.textVector(b));
                    }
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFullQueueAnswers503WithRetryAfterAndADeadlineAnswers504(@TempDir Path dir) throws Exception {
        FakeModel slow = new FakeModel();
        BatchingConfig tiny = new BatchingConfig(1, Duration.ZERO, List.of(), 8, Duration.ofSeconds(10));
        try (MmfuseServer s = newServer(slow, dir, tiny)) {
            Http h = new Http(s.httpPort());
            slow.gate = new CountDownLatch(1);
            int before = slow.entered.get();
            // One request occupies the model; eight texts fill the queue; the next is refused.
            CompletableFuture<Http.Reply> running = CompletableFuture.supplyAsync(() -> h.post("/v1/embeddings/text", "{\"texts\":[\"r\"]}"));
            await(() -> slow.entered.get() > before);
            CompletableFuture<Http.Reply> queued = CompletableFuture.supplyAsync(() -> h.post("/v1/embeddings/text",
                    Http.json(Map.of("texts", List.of("1", "2", "3", "4", "5", "6", "7", "8")))));
            await(() -> s.embeddings().textBatcher().queueDepth() == 8);
            Http.Reply refused = h.post("/v1/embeddings/text", "{\"texts\":[\"z\"]}");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.errorCode()).isEqualTo("RESOURCE_EXHAUSTED");
            assertThat(refused.raw().headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            slow.gate.countDown();
            assertThat(running.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
            assertThat(queued.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);

            slow.gate = new CountDownLatch(1);
            Http.Reply late = h.post("/v1/embeddings/text", "{\"texts\":[\"late\"]}",
                    Map.of(io.mmfuse.server.http.HttpApi.TIMEOUT_HEADER, "100"));
            assertThat(late.status()).isEqualTo(504);
            assertThat(late.errorCode()).isEqualTo("DEADLINE_EXCEEDED");
            slow.gate.countDown();
        }
    }

    @Test
    void shutdownFlipsReadinessFirstAndDrainsInFlightRequests(@TempDir Path dir) throws Exception {
        FakeModel slow = new FakeModel();
        MmfuseServer s = newServer(slow, dir, BatchingConfig.defaults());
        Http h = new Http(s.httpPort());
        slow.gate = new CountDownLatch(1);
        int before = slow.entered.get();
        CompletableFuture<Http.Reply> inFlight = CompletableFuture.supplyAsync(() -> h.post("/v1/embeddings/text", "{\"texts\":[\"drain me\"]}"));
        await(() -> slow.entered.get() > before);
        Thread closer = new Thread(s::close);
        closer.start();
        await(() -> s.health().state() == Health.State.DRAINING);
        Http.Reply probe = h.get("/v1/health");
        assertThat(probe.status()).isEqualTo(503);
        assertThat(probe.json().get("status").asText()).isEqualTo("draining");
        Http.Reply refused = h.post("/v1/embeddings/text", "{\"texts\":[\"new\"]}");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.errorCode()).isEqualTo("UNAVAILABLE");
        assertThat(inFlight).isNotDone();
        slow.gate.countDown();
        Http.Reply done = inFlight.get(20, TimeUnit.SECONDS);
        assertThat(done.status()).isEqualTo(200);
        assertVector(done.json().get("embeddings").get(0), FakeModel.textVector("drain me"));
        closer.join(20_000);
        assertThat(closer.isAlive()).isFalse();
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("condition not reached in 10 s");
            }
            Thread.sleep(2);
        }
    }
}
