package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.Cancellation;
import io.mmfuse.CancelledException;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.gan.Sampling;
import io.mmfuse.server.grpc.GrpcApi;
import io.mmfuse.server.grpc.v1.GenerateRequest;
import io.mmfuse.server.grpc.v1.GenerateResponse;
import io.mmfuse.server.grpc.v1.MmfuseGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a generate request's deadline, or its caller hanging up, does to the work already running for it. */
class GenerationServiceTest {
    @TempDir
    Path root;

    /** "slow" prompts take up to STEPS steps of 5 ms (a long refinement), asking the cancellation before each. */
    static final class SteppingGenerator implements ImageGenerator {
        static final int STEPS = 4000;
        final AtomicInteger stepsRun = new AtomicInteger();
        final CountDownLatch slowEnded = new CountDownLatch(1);

        @Override
        public byte[] generatePng(String prompt, int samples, long seed, Sampling sampling, Cancellation cancel) {
            if (prompt.startsWith("slow")) {
                try {
                    for (int step = 0; step < STEPS; step++) {
                        cancel.check("refining images");
                        stepsRun.incrementAndGet();
                        Thread.sleep(5);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    slowEnded.countDown();
                }
            }
            return ("PNG|" + prompt).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aRequestPastItsDeadlineStopsItsRunningWorkAndTheNextRequestIsServed() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SteppingGenerator g = new SteppingGenerator();
        try (EmbeddingService checks = new EmbeddingService(new FakeModel(), BatchingConfig.defaults(), HttpApiTest.LIMITS, registry);
                GenerationService service = new GenerationService(g, null, checks, BatchingConfig.defaults(), registry)) {
            Throwable late = catchThrowable(() -> service.generate("slow refine", 4, 1L, Sampling.DEFAULT.withRefineSteps(500),
                    Duration.ofMillis(200)));
            assertThat(ErrorMapping.of(late).code()).as("%s", late).isEqualTo("DEADLINE_EXCEEDED");
            // the 4000 steps would take 20 s; stopped at the deadline, the work ends within a step of it
            assertThat(g.slowEnded.await(10, TimeUnit.SECONDS)).as("slow work ended after %d steps", g.stepsRun.get()).isTrue();
            assertThat(g.stepsRun.get()).isLessThan(SteppingGenerator.STEPS / 2);
            assertThat(service.generate("a red circle", 1, 1L, Sampling.DEFAULT, Duration.ofSeconds(5)))
                    .isEqualTo("PNG|a red circle".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void aCallerThatHangsUpStopsItsRunningWork() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SteppingGenerator g = new SteppingGenerator();
        AtomicBoolean gone = new AtomicBoolean();
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try (EmbeddingService checks = new EmbeddingService(new FakeModel(), BatchingConfig.defaults(), HttpApiTest.LIMITS, registry);
                GenerationService service = new GenerationService(g, null, checks, BatchingConfig.defaults(), registry)) {
            Future<byte[]> call = caller.submit(() -> service.generate("slow refine", 4, 1L, Sampling.DEFAULT, Duration.ofSeconds(60),
                    gone::get));
            while (g.stepsRun.get() < 5) {
                Thread.sleep(5);
            }
            gone.set(true);
            assertThat(g.slowEnded.await(10, TimeUnit.SECONDS)).as("slow work ended after %d steps", g.stepsRun.get()).isTrue();
            assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(CancelledException.class);
            assertThat(g.stepsRun.get()).isLessThan(SteppingGenerator.STEPS / 2);
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void aGrpcClientThatCancelsStopsItsRunningWork() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SteppingGenerator g = new SteppingGenerator();
        try (CollectionStore store = new CollectionStore(root.resolve("grpc"), HttpApiTest.CPU);
                EmbeddingService embeddings = new EmbeddingService(new FakeModel(), BatchingConfig.defaults(), HttpApiTest.LIMITS, registry);
                GenerationService generation = new GenerationService(g, null, embeddings, BatchingConfig.defaults(), registry)) {
            Health health = new Health();
            health.set(Health.State.READY);
            String name = InProcessServerBuilder.generateName();
            Server server = InProcessServerBuilder.forName(name)
                    .addService(new GrpcApi(embeddings, new CollectionService(store, embeddings), generation, health)).build().start();
            ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
            Context.CancellableContext call = Context.current().withCancellation();
            try {
                MmfuseGrpc.MmfuseStub stub = MmfuseGrpc.newStub(channel);
                call.run(() -> stub.generate(GenerateRequest.newBuilder().setText("slow refine").setRefine(500).build(),
                        new StreamObserver<GenerateResponse>() {
                            @Override
                            public void onNext(GenerateResponse value) {
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        }));
                while (g.stepsRun.get() < 5) {
                    Thread.sleep(5);
                }
                call.cancel(null);
                assertThat(g.slowEnded.await(10, TimeUnit.SECONDS)).as("slow work ended after %d steps", g.stepsRun.get()).isTrue();
                assertThat(g.stepsRun.get()).isLessThan(SteppingGenerator.STEPS / 2);
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
        }
    }

    @Test
    void cancelledWorkIsReportedAsADeadlineAtTheEdges() {
        assertThat(ErrorMapping.of(new io.mmfuse.CancelledException("refining images: cancelled before it finished")))
                .satisfies(e -> {
                    assertThat(e.code()).isEqualTo("DEADLINE_EXCEEDED");
                    assertThat(e.httpStatus()).isEqualTo(504);
                });
    }
}
