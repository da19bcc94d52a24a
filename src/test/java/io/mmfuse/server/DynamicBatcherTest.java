package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.MmfuseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    private final List<Thread> batchThreads = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final CountDownLatch firstBatchStarted = new CountDownLatch(1);
    private DynamicBatcher<Integer, Integer> batcher;

    private DynamicBatcher<Integer, Integer> start(BatchingConfig config) {
        batcher = new DynamicBatcher<>("t", config, in -> {
            firstBatchStarted.countDown();
            assertThat(gate.await(10, TimeUnit.SECONDS)).isTrue();
            batches.add(List.copyOf(in));
            batchThreads.add(Thread.currentThread());
            if (in.contains(-1)) {
                throw new MmfuseException("poison in batch");
            }
            if (in.contains(-2)) {
                throw new StackOverflowError("native stack blown");
            }
            return in.stream().map(x -> x * 10).toList();
        }, registry);
        return batcher;
    }

    @AfterEach
    void stop() {
        gate.countDown();
        if (batcher != null) {
            batcher.close(Duration.ofSeconds(5));
        }
    }

    private static BatchingConfig config(int maxBatch, long maxWaitMs, int queue) {
        return new BatchingConfig(maxBatch, Duration.ofMillis(maxWaitMs), List.of(), queue, Duration.ofSeconds(10));
    }

    /** Blocks the worker inside a first batch so that later submissions pile up in the queue. */
    private CompletableFuture<Integer> occupyWorker() throws InterruptedException {
        gate = new CountDownLatch(1);
        CompletableFuture<Integer> first = batcher.submit(1000, null);
        assertThat(firstBatchStarted.await(5, TimeUnit.SECONDS)).isTrue();
        return first;
    }

    @Test
    void queuedInputsRunTogetherInBatchesOfAtMostMaxSize() throws Exception {
        start(config(4, 0, 100));
        CompletableFuture<Integer> first = occupyWorker();
        List<CompletableFuture<Integer>> rest = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rest.add(batcher.submit(i, null));
        }
        assertThat(batcher.queueDepth()).isEqualTo(10);
        gate.countDown();
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(10000);
        for (int i = 0; i < 10; i++) {
            assertThat(rest.get(i).get(5, TimeUnit.SECONDS)).isEqualTo(i * 10);
        }
        assertThat(batches).containsExactly(List.of(1000), List.of(0, 1, 2, 3), List.of(4, 5, 6, 7), List.of(8, 9));
        // All batches ran on the one dedicated worker thread.
        assertThat(batchThreads).allMatch(t -> t == batchThreads.get(0));
        assertThat(batchThreads.get(0).getName()).isEqualTo("mmfuse-batcher-t");
        assertThat(registry.get("mmfuse.batcher.batch.size").summary().count()).isEqualTo(4);
        assertThat(registry.get("mmfuse.batcher.batch.size").summary().max()).isEqualTo(4);
        // The worker counts an input just after completing its future, so the last count may trail.
        HttpApiTest.await(() -> registry.get("mmfuse.batcher.inputs").tag("outcome", "ok").counter().count() == 11);
    }

    @Test
    void aLoneClientNeverWaitsForCompany() throws Exception {
        start(config(8, 2000, 100));
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(batcher.submit(i, null).get(5, TimeUnit.SECONDS)).isEqualTo(i * 10);
        }
        // Three waits of maxWait would take 6 s; the adaptive rule runs each input at once.
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1500);
        assertThat(batches).containsExactly(List.of(0), List.of(1), List.of(2));
    }

    @Test
    void afterABiggerBatchAnInputWaitsAtMostMaxWaitForCompany() throws Exception {
        start(config(8, 300, 100));
        CompletableFuture<Integer> first = occupyWorker();
        List<CompletableFuture<Integer>> three = batcher.submitAll(List.of(1, 2, 3), null);
        gate.countDown();
        first.get(5, TimeUnit.SECONDS);
        for (CompletableFuture<Integer> f : three) {
            f.get(5, TimeUnit.SECONDS);
        }
        long t0 = System.nanoTime();
        assertThat(batcher.submit(4, null).get(5, TimeUnit.SECONDS)).isEqualTo(40);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isGreaterThanOrEqualTo(290).isLessThan(3000);
        assertThat(batches).containsExactly(List.of(1000), List.of(1, 2, 3), List.of(4));
    }

    @Test
    void aPreferredSizeRunsWithoutWaiting() throws Exception {
        start(config(8, 10_000, 100).withPreferredBatchSizes(List.of(3)));
        long t0 = System.nanoTime();
        List<CompletableFuture<Integer>> f = batcher.submitAll(List.of(1, 2, 3), null);
        for (CompletableFuture<Integer> x : f) {
            x.get(5, TimeUnit.SECONDS);
        }
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
        assertThat(batches).containsExactly(List.of(1, 2, 3));
    }

    @Test
    void aFailingBatchFailsOnlyItsOwnInputs() throws Exception {
        start(config(3, 0, 100));
        CompletableFuture<Integer> first = occupyWorker();
        List<CompletableFuture<Integer>> a = batcher.submitAll(List.of(1, -1, 2), null);
        List<CompletableFuture<Integer>> b = batcher.submitAll(List.of(3, 4), null);
        gate.countDown();
        first.get(5, TimeUnit.SECONDS);
        for (CompletableFuture<Integer> f : a) {
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(MmfuseException.class).hasMessageContaining("poison in batch");
        }
        assertThat(b.get(0).get(5, TimeUnit.SECONDS)).isEqualTo(30);
        assertThat(b.get(1).get(5, TimeUnit.SECONDS)).isEqualTo(40);
        assertThat(registry.get("mmfuse.batcher.inputs").tag("outcome", "failed").counter().count()).isEqualTo(3);
    }

    @Test
    void anErrorInTheModelFailsItsBatchButNotTheWorker() throws Exception {
        start(config(1, 0, 100));
        assertThatThrownBy(() -> batcher.submit(-2, null).get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(MmfuseException.class)
                .hasMessageContaining("native stack blown");
        assertThat(batcher.submit(5, null).get(5, TimeUnit.SECONDS)).isEqualTo(50);
    }

    @Test
    void aFullQueueRejectsAtOnceAndWhole() throws Exception {
        start(config(2, 0, 4));
        CompletableFuture<Integer> first = occupyWorker();
        batcher.submitAll(List.of(1, 2, 3), null);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> batcher.submitAll(List.of(4, 5), null)).isInstanceOf(OverloadedException.class)
                .hasMessageContaining("queue full")
                .satisfies(e -> assertThat(((OverloadedException) e).retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1)));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1000);
        // Nothing of the rejected request was queued; one more single input still fits.
        assertThat(batcher.queueDepth()).isEqualTo(3);
        CompletableFuture<Integer> fits = batcher.submit(6, null);
        gate.countDown();
        assertThat(fits.get(5, TimeUnit.SECONDS)).isEqualTo(60);
        first.get(5, TimeUnit.SECONDS);
        assertThat(registry.get("mmfuse.batcher.inputs").tag("outcome", "rejected").counter().count()).isEqualTo(2);
    }

    @Test
    void anExpiredInputFailsWithDeadlineExceededAndNeverRuns() throws Exception {
        start(config(4, 0, 100));
        CompletableFuture<Integer> first = occupyWorker();
        CompletableFuture<Integer> late = batcher.submit(7, Duration.ofMillis(50));
        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(DeadlineExceededException.class);
        gate.countDown();
        first.get(5, TimeUnit.SECONDS);
        CompletableFuture<Integer> after = batcher.submit(8, null);
        after.get(5, TimeUnit.SECONDS);
        assertThat(batches).containsExactly(List.of(1000), List.of(8));
    }

    @Test
    void aRequestMayOnlyShortenTheDefaultDeadline() {
        start(config(1, 0, 10).withDefaultDeadline(Duration.ofSeconds(2)));
        assertThat(batcher.effectiveDeadline(null)).isEqualTo(Duration.ofSeconds(2));
        assertThat(batcher.effectiveDeadline(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(2));
        assertThat(batcher.effectiveDeadline(Duration.ofMillis(300))).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void closeDrainsQueuedInputsThenRefusesNewOnes() throws Exception {
        start(config(2, 0, 100));
        CompletableFuture<Integer> first = occupyWorker();
        List<CompletableFuture<Integer>> queued = batcher.submitAll(List.of(1, 2, 3), null);
        Thread closer = new Thread(() -> batcher.close(Duration.ofSeconds(5)));
        closer.start();
        Thread.sleep(50);
        assertThatThrownBy(() -> batcher.submit(9, null)).isInstanceOf(UnavailableException.class);
        gate.countDown();
        closer.join(5000);
        assertThat(first.get()).isEqualTo(10000);
        for (int i = 0; i < 3; i++) {
            assertThat(queued.get(i).get()).isEqualTo((i + 1) * 10);
        }
    }
}
