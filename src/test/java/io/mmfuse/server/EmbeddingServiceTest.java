package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The image path's decode stage: before batching, bounded, drained on close, under the request's deadline. */
class EmbeddingServiceTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeModel model = new FakeModel();
    private EmbeddingService service;

    private EmbeddingService start(BatchingConfig batching, int decodeThreads) {
        service = new EmbeddingService(model, batching, HttpApiTest.LIMITS, registry, decodeThreads);
        return service;
    }

    @AfterEach
    void stop() {
        model.gate.countDown();
        model.prepareGate.countDown();
        if (service != null) {
            service.close(Duration.ofSeconds(5));
        }
    }

    private static byte[] png(String payload) {
        return FakeModel.png(4, 4, payload);
    }

    private CompletableFuture<FloatMatrix> embedAsync(byte[]... images) {
        return CompletableFuture.supplyAsync(() -> service.embedImages("images", List.of(images), null));
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(until);
            Thread.sleep(2);
        }
    }

    /** A service with one image request held inside its decode stage. */
    private CompletableFuture<FloatMatrix> startHeldInDecoding(byte[] image) throws InterruptedException {
        start(BatchingConfig.defaults(), 2);
        model.prepareGate = new CountDownLatch(1);
        CompletableFuture<FloatMatrix> decoding = embedAsync(image);
        waitFor(() -> model.preparing.get() == 1);
        return decoding;
    }

    private void assertReleasedAndEmbedded(CompletableFuture<FloatMatrix> decoding, byte[] image) throws Exception {
        model.prepareGate.countDown();
        assertThat(decoding.get(5, TimeUnit.SECONDS).row(0)).containsExactly(FakeModel.bytesVector(image));
    }

    private double decodeQueue() {
        return registry.get("mmfuse.image.decode.queue").gauge().value();
    }

    @Test
    void aBadImageFailsItsRequestByNameBeforeAnyBatchRuns() {
        start(BatchingConfig.defaults(), 2);
        assertThatThrownBy(() -> service.embedImages("images", List.of(png("ok"), png("BAD")), null))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.input()).isEqualTo("images[1]");
                    assertThat(e.getMessage()).contains("corrupt pixel data");
                });
        assertThat(model.imageBatchSizes).isEmpty();
        assertThat(model.prepareThreads).isNotEmpty().allMatch(t -> t.startsWith("mmfuse-image-decode-"));
        assertThat(registry.get("mmfuse.image.decode").tag("outcome", "rejected").timer().count()).isEqualTo(1);
    }

    @Test
    void imagesAreDecodedWhileTheModelRunsAnEarlierBatch() throws Exception {
        start(BatchingConfig.defaults().withMaxWait(Duration.ZERO), 2);
        model.gate = new CountDownLatch(1);
        CompletableFuture<FloatMatrix> first = embedAsync(png("a"));
        waitFor(() -> model.entered.get() == 1);
        CompletableFuture<FloatMatrix> second = embedAsync(png("b"), png("c"));
        waitFor(() -> model.preparing.get() == 3); // b and c decoded while a's batch is held
        assertThat(model.entered.get()).isEqualTo(1);
        model.gate.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS).row(0)).containsExactly(FakeModel.bytesVector(png("a")));
        FloatMatrix bc = second.get(5, TimeUnit.SECONDS);
        assertThat(bc.row(0)).containsExactly(FakeModel.bytesVector(png("b")));
        assertThat(bc.row(1)).containsExactly(FakeModel.bytesVector(png("c")));
        assertThat(model.threads).allMatch(t -> t.equals("mmfuse-batcher-image"));
    }

    @Test
    void aFullDecodeQueueRejectsAtOnceAndAdmitsAllOrNothing() throws Exception {
        start(new BatchingConfig(2, Duration.ZERO, List.of(), 2, Duration.ofSeconds(10)), 1);
        model.prepareGate = new CountDownLatch(1);
        CompletableFuture<FloatMatrix> held = embedAsync(png("x"), png("y")); // x decodes (held), y waits
        waitFor(() -> model.preparing.get() == 1 && decodeQueue() == 1);
        // z1 would fit the queue, z2 not: the request is refused whole and z1 is never decoded.
        assertThatThrownBy(() -> service.embedImages("images", List.of(png("z1"), png("z2")), null))
                .isInstanceOf(OverloadedException.class).hasMessageContaining("decode queue full");
        model.prepareGate.countDown();
        assertThat(held.get(5, TimeUnit.SECONDS).rows()).isEqualTo(2);
        waitFor(() -> decodeQueue() == 0);
        assertThat(model.preparing.get()).isEqualTo(2);
    }

    @Test
    void closeLetsRequestsThatAreDecodingFinishAndRefusesNewOnes() throws Exception {
        CompletableFuture<FloatMatrix> decoding = startHeldInDecoding(png("p"));
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> service.close(Duration.ofSeconds(5)));
        waitFor(() -> {
            try {
                service.embedImages("images", List.of(png("late BAD")), null); // admitted: fails fast, not held
                return false;
            } catch (InvalidInputException e) {
                return false;
            } catch (UnavailableException e) {
                return true;
            }
        });
        assertThat(closing).isNotDone();
        assertReleasedAndEmbedded(decoding, png("p"));
        closing.get(5, TimeUnit.SECONDS);
        assertThat(model.closes.get()).isEqualTo(1);
    }

    @Test
    void aSecondCloseWhileARequestDecodesNeitherFailsItNorReturnsEarly() throws Exception {
        CompletableFuture<FloatMatrix> decoding = startHeldInDecoding(png("q"));
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> service.close(Duration.ofSeconds(5)));
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> service.close(Duration.ofSeconds(5)));
        Thread.sleep(100);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertReleasedAndEmbedded(decoding, png("q"));
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);
        assertThat(model.closes.get()).isEqualTo(1);
    }

    @Test
    void theRequestDeadlineCoversDecoding() {
        start(BatchingConfig.defaults(), 1);
        model.prepareGate = new CountDownLatch(1);
        assertThatThrownBy(() -> service.embedImages("images", List.of(png("slow")), Duration.ofMillis(100)))
                .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("decoding");
        assertThat(model.imageBatchSizes).isEmpty();
    }
}
