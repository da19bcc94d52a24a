package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.Cancellation;
import io.mmfuse.InvalidInputException;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.gan.Sampling;
import io.mmfuse.image.ImageDecodeException;
import io.mmfuse.server.grpc.GrpcApi;
import io.mmfuse.server.grpc.v1.CaptionRequest;
import io.mmfuse.server.grpc.v1.CaptionResponse;
import io.mmfuse.server.grpc.v1.GenerateRequest;
import io.mmfuse.server.grpc.v1.MmfuseGrpc;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text-to-image and image-to-text through both edges, with stand-in models (the real ones are tested in gan/ and caption/). */
class GenerationEndpointsTest {
    /** Answers "PNG" + the request; refuses prompts containing "zzz" as the real generator refuses unknown words. */
    static final class FakeGenerator implements ImageGenerator {
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        volatile boolean closed;

        static byte[] expected(String prompt, int samples, long seed) {
            return expected(prompt, samples, seed, Sampling.DEFAULT);
        }

        static byte[] expected(String prompt, int samples, long seed, Sampling sampling) {
            return ("\u0089PNG|" + prompt + "|" + samples + "|" + seed + "|" + sampling.truncation() + "|"
                    + sampling.candidates() + "|" + sampling.refineSteps()).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] generatePng(String prompt, int samples, long seed, Sampling sampling, Cancellation cancel) {
            threads.add(Thread.currentThread().getName());
            if (prompt.contains("zzz")) {
                throw new InvalidInputException("text", "has only words the text model does not know");
            }
            return expected(prompt, samples, seed, sampling);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** k numbered captions; an image whose bytes contain "BAD" fails to decode. */
    static final class FakeCaptioner implements ImageCaptioner {
        volatile boolean closed;

        @Override
        public Captions caption(String name, byte[] image, int k, int beamWidth) {
            if (new String(image, StandardCharsets.ISO_8859_1).contains("BAD")) {
                throw new ImageDecodeException(name, ImageDecodeException.Reason.CORRUPT, "bad pixels");
            }
            List<Retrieved> r = new ArrayList<>();
            for (int i = 1; i <= k; i++) {
                r.add(new Retrieved(i, "caption " + i, i * 0.5f));
            }
            return new Captions(r, "a greedy caption", "a beam caption of width " + beamWidth);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @TempDir
    static Path root;
    static FakeGenerator generator = new FakeGenerator();
    static FakeCaptioner captioner = new FakeCaptioner();
    static MmfuseServer full;
    static MmfuseServer plain;
    static Http http;
    static Http plainHttp;

    @BeforeAll
    static void start() {
        full = MmfuseServer.builder().host("127.0.0.1").httpPort(0).grpcPort(-1).model(new FakeModel())
                .collectionsRoot(root.resolve("a")).limits(HttpApiTest.LIMITS).collectionOptions(HttpApiTest.CPU)
                .generator(generator).captioner(captioner).build().start();
        plain = HttpApiTest.newServer(new FakeModel(), root.resolve("b"), BatchingConfig.defaults());
        http = new Http(full.httpPort());
        plainHttp = new Http(plain.httpPort());
    }

    @AfterAll
    static void stop() {
        full.close();
        plain.close();
        assertThat(generator.closed).isTrue();
        assertThat(captioner.closed).isTrue();
    }

    @Test
    void generateAnswersThePngOfTheModelOnItsWorkerThread() {
        Http.BytesReply r = http.postForBytes("/v1/generate", "{\"text\":\"a red circle\",\"samples\":3,\"seed\":9}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).isEqualTo("image/png");
        assertThat(r.body()).isEqualTo(FakeGenerator.expected("a red circle", 3, 9));
        Http.BytesReply defaults = http.postForBytes("/v1/generate", "{\"text\":\"a cat\"}");
        assertThat(defaults.body()).isEqualTo(FakeGenerator.expected("a cat", 4, 1));
        assertThat(http.postForBytes("/v1/generate", "{\"text\":\"a cat\",\"truncation\":0.5,\"candidates\":4}").body())
                .isEqualTo(FakeGenerator.expected("a cat", 4, 1, new Sampling(0.5, 4)));
        assertThat(http.postForBytes("/v1/generate", "{\"text\":\"a cat\",\"candidates\":4,\"refine\":7}").body())
                .isEqualTo(FakeGenerator.expected("a cat", 4, 1, new Sampling(1, 4, 7)));
        assertThat(generator.threads).allMatch(t -> t.equals("mmfuse-batcher-generate"));
    }

    @Test
    void badGenerateRequestsAre400sNamingTheFieldAndTheServerCarriesOn() {
        assertError(http.post("/v1/generate", "{\"text\":\"   \"}"), 400, "text");
        assertError(http.post("/v1/generate", "{}"), 400, "text");
        assertError(http.post("/v1/generate", "{\"text\":\"" + "x".repeat(101) + "\"}"), 400, "text");
        assertError(http.post("/v1/generate", "{\"text\":\"a dog\",\"samples\":0}"), 400, "samples");
        assertError(http.post("/v1/generate", "{\"text\":\"a dog\",\"samples\":17}"), 400, "samples");
        assertError(http.post("/v1/generate", "{\"text\":\"zzz qqq\"}"), 400, "text");
        assertError(http.post("/v1/generate", "{\"text\":\"a dog\",\"truncation\":1.5}"), 400, "truncation");
        assertError(http.post("/v1/generate", "{\"text\":\"a dog\",\"truncation\":\"low\"}"), 400, "truncation");
        assertError(http.post("/v1/generate", "{\"text\":\"a dog\",\"candidates\":" + (Sampling.MAX_CANDIDATES + 1) + "}"), 400, "candidates");
        assertError(http.post("/v1/generate", "{\"text\":\"a dog\",\"refine\":-1}"), 400, "refineSteps");
        assertThat(http.postForBytes("/v1/generate", "{\"text\":\"a dog\"}").status()).isEqualTo(200);
    }

    @Test
    void captionTakesRawBytesOrBase64Json() {
        byte[] png = FakeModel.png(8, 8, "ok");
        Http.Reply raw = http.postBytes("/v1/caption?k=2&beam=4", png, "image/png");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.json().get("retrieved")).hasSize(2);
        assertThat(raw.json().get("retrieved").get(1).get("caption").asText()).isEqualTo("caption 2");
        assertThat(raw.json().get("retrieved").get(1).get("rank").asInt()).isEqualTo(2);
        assertThat(raw.json().get("greedy").asText()).isEqualTo("a greedy caption");
        assertThat(raw.json().get("beam").asText()).isEqualTo("a beam caption of width 4");
        Http.Reply json = http.post("/v1/caption", Http.json(Map.of("image", HttpApiTest.b64(png))));
        assertThat(json.status()).isEqualTo(200);
        assertThat(json.json().get("retrieved")).hasSize(3);
        assertThat(json.json().get("beam").asText()).endsWith("width 3");
    }

    @Test
    void badCaptionRequestsAre400sNamingTheField() {
        byte[] png = FakeModel.png(8, 8, "ok");
        assertError(http.postBytes("/v1/caption?k=0", png, "image/png"), 400, "k");
        assertError(http.postBytes("/v1/caption?k=101", png, "image/png"), 400, "k");
        assertError(http.postBytes("/v1/caption?beam=11", png, "image/png"), 400, "beam");
        assertError(http.postBytes("/v1/caption", "not an image".getBytes(StandardCharsets.UTF_8), "image/png"), 400, "image");
        assertError(http.postBytes("/v1/caption", new byte[0], "image/png"), 400, "image");
        assertError(http.postBytes("/v1/caption", FakeModel.png(2000, 2000, "big"), "image/png"), 400, "image");
        assertError(http.postBytes("/v1/caption", FakeModel.png(8, 8, "BAD"), "image/png"), 400, "image");
        assertThat(http.postBytes("/v1/caption", png, "image/png").status()).isEqualTo(200);
    }

    @Test
    void withoutTheModelsBothOperationsAre501() {
        assertError(plainHttp.post("/v1/generate", "{\"text\":\"a dog\"}"), 501, null);
        assertThat(plainHttp.post("/v1/generate", "{\"text\":\"a dog\"}").errorCode()).isEqualTo("UNIMPLEMENTED");
        assertError(plainHttp.postBytes("/v1/caption", FakeModel.png(8, 8, "ok"), "image/png"), 501, null);
    }

    @Test
    void grpcMirrorsBothOperations() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FakeGenerator g = new FakeGenerator();
        FakeCaptioner c = new FakeCaptioner();
        try (CollectionStore store = new CollectionStore(root.resolve("grpc"), HttpApiTest.CPU);
                EmbeddingService embeddings = new EmbeddingService(new FakeModel(), BatchingConfig.defaults(),
                        HttpApiTest.LIMITS, registry);
                GenerationService generation = new GenerationService(g, c, embeddings, BatchingConfig.defaults(), registry)) {
            Health health = new Health();
            health.set(Health.State.READY);
            String name = InProcessServerBuilder.generateName();
            CollectionService collections = new CollectionService(store, embeddings);
            Server server = InProcessServerBuilder.forName(name)
                    .addService(new GrpcApi(embeddings, collections, generation, health)).build().start();
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            try {
                MmfuseGrpc.MmfuseBlockingStub stub = MmfuseGrpc.newBlockingStub(channel);
                assertThat(stub.generate(GenerateRequest.newBuilder().setText("a red circle").setSamples(2).setSeed(5).build())
                        .getPng().toByteArray()).isEqualTo(FakeGenerator.expected("a red circle", 2, 5));
                assertThat(stub.generate(GenerateRequest.newBuilder().setText("a cat").build()).getPng().toByteArray())
                        .isEqualTo(FakeGenerator.expected("a cat", 4, 0));
                assertThat(stub.generate(GenerateRequest.newBuilder().setText("a cat").setTruncation(0f).setCandidates(3)
                        .build()).getPng().toByteArray()).isEqualTo(FakeGenerator.expected("a cat", 4, 0, new Sampling(0, 3)));
                assertThat(stub.generate(GenerateRequest.newBuilder().setText("a cat").setCandidates(3).setRefine(5)
                        .build()).getPng().toByteArray()).isEqualTo(FakeGenerator.expected("a cat", 4, 0, new Sampling(1, 3, 5)));
                assertStatus(() -> stub.generate(GenerateRequest.newBuilder().setText("a cat").setRefine(501).build()),
                        Status.Code.INVALID_ARGUMENT, "refineSteps");
                assertStatus(() -> stub.generate(GenerateRequest.newBuilder().setText("a cat").setCandidates(-1).build()),
                        Status.Code.INVALID_ARGUMENT, "candidates");
                assertStatus(() -> stub.generate(GenerateRequest.newBuilder().setText("").build()), Status.Code.INVALID_ARGUMENT, "text");
                assertStatus(() -> stub.generate(GenerateRequest.newBuilder().setText("zzz").build()), Status.Code.INVALID_ARGUMENT, "text");

                CaptionResponse r = stub.caption(CaptionRequest.newBuilder()
                        .setImage(ByteString.copyFrom(FakeModel.png(8, 8, "ok"))).setK(4).build());
                assertThat(r.getRetrievedList()).extracting(x -> x.getCaption())
                        .containsExactly("caption 1", "caption 2", "caption 3", "caption 4");
                assertThat(r.getGreedy()).isEqualTo("a greedy caption");
                assertThat(r.getBeam()).endsWith("width 3");
                assertStatus(() -> stub.caption(CaptionRequest.newBuilder()
                        .setImage(ByteString.copyFrom(FakeModel.png(8, 8, "BAD"))).build()), Status.Code.INVALID_ARGUMENT, "image");
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
        assertThat(g.closed).isTrue();
        assertThat(c.closed).isTrue();
    }

    @Test
    void grpcWithoutTheModelsIsUnimplemented() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CollectionStore store = new CollectionStore(root.resolve("grpc-off"), HttpApiTest.CPU);
                EmbeddingService embeddings = new EmbeddingService(new FakeModel(), BatchingConfig.defaults(),
                        HttpApiTest.LIMITS, registry)) {
            Health health = new Health();
            health.set(Health.State.READY);
            String name = InProcessServerBuilder.generateName();
            Server server = InProcessServerBuilder.forName(name)
                    .addService(new GrpcApi(embeddings, new CollectionService(store, embeddings), health)).build().start();
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            try {
                MmfuseGrpc.MmfuseBlockingStub stub = MmfuseGrpc.newBlockingStub(channel);
                assertStatus(() -> stub.generate(GenerateRequest.newBuilder().setText("a dog").build()),
                        Status.Code.UNIMPLEMENTED, "--gan");
                assertStatus(() -> stub.caption(CaptionRequest.newBuilder()
                        .setImage(ByteString.copyFrom(FakeModel.png(8, 8, "ok"))).build()), Status.Code.UNIMPLEMENTED, "--captioner");
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
    }

    private static void assertError(Http.Reply r, int status, String field) {
        assertThat(r.status()).as(r.text()).isEqualTo(status);
        if (field != null) {
            assertThat(r.errorField()).as(r.text()).isEqualTo(field);
        }
    }

    private static void assertStatus(Runnable call, Status.Code code, String messagePart) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(messagePart);
        });
    }
}
