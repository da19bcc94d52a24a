package io.mmfuse.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mmfuse.image.ImageDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * The image path's first stage: decodes each request's images ({@link EmbeddingModel#prepareImage})
 * on a fixed pool of decode threads before they are batched. Decoding then overlaps the model's
 * work on the current batch instead of preceding it, and a bad image fails its request before it
 * takes a place in the batcher's queue.
 *
 * <p>The pool's queue is bounded (a full one refuses the whole request with
 * {@link OverloadedException}), and its threads are long-lived because fresh native threads per
 * batch grew the server's RSS under mixed load (bench/results/server-2026-11-27-vm-soak-arena2.md).
 * What it hands on are decoded images (3 x S x S floats, 48 KB at the default 64 px), so the
 * batcher's queue capacity also bounds that memory (48 MB for 1,024 images).
 *
 * <p>Metrics: {@code mmfuse.image.decode} (time per image, tag {@code outcome}),
 * {@code mmfuse.image.decode.queue} (images waiting for a decode thread).
 */
final class ImageDecodeStage {
    private final EmbeddingModel model;
    private final ThreadPoolExecutor pool;
    private final Timer ok;
    private final Timer rejected;

    /**
     * @param threads decode threads (OpenCV runs one thread per image; parallelism comes from
     *     decoding several images at once)
     * @throws io.mmfuse.InvalidInputException if threads or queueCapacity is below 1
     */
    ImageDecodeStage(EmbeddingModel model, int threads, int queueCapacity, MeterRegistry registry) {
        this.model = model;
        this.pool = ImageDecoder.newDecodePool(threads, queueCapacity);
        Gauge.builder("mmfuse.image.decode.queue", pool, p -> p.getQueue().size())
                .description("Images waiting for a decode thread").register(registry);
        this.ok = timer(registry, "ok");
        this.rejected = timer(registry, "rejected");
    }

    private static Timer timer(MeterRegistry registry, String outcome) {
        return Timer.builder("mmfuse.image.decode").description("Decoding one image before batching")
                .tag("outcome", outcome).publishPercentileHistogram().register(registry);
    }

    /**
     * Decodes all images of one request, admitted to the pool all or none.
     *
     * @throws io.mmfuse.InvalidInputException naming the first image (in order) that cannot be decoded
     * @throws OverloadedException if the pool's queue cannot take them all
     * @throws DeadlineExceededException if they are not done by {@code deadlineNanos} ({@link System#nanoTime()})
     */
    List<float[]> decode(IntFunction<String> fieldOf, List<byte[]> inputs, long deadlineNanos) {
        List<CompletableFuture<float[]>> futures = new ArrayList<>(inputs.size());
        try {
            for (int i = 0; i < inputs.size(); i++) {
                Task task = new Task(fieldOf.apply(i), inputs.get(i));
                futures.add(task.result);
                pool.execute(task);
            }
        } catch (RejectedExecutionException e) {
            futures.forEach(f -> f.cancel(false));
            throw new OverloadedException("image: decode queue full (" + pool.getQueue().size() + " images waiting)",
                    Duration.ofSeconds(1));
        }
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(false));
            throw new DeadlineExceededException("image: deadline exceeded while decoding");
        } catch (ExecutionException | CompletionException e) {
            // EmbeddingService.await below reports the first failure in input order
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while decoding");
        }
        return EmbeddingService.await(futures);
    }

    /** Stops the threads; images still queued fail at once rather than waiting out their deadline. */
    void stop() {
        for (Runnable r : pool.shutdownNow()) {
            if (r instanceof Task t) {
                t.result.completeExceptionally(new UnavailableException("image: shut down before this image was decoded"));
            }
        }
    }

    /** One image to decode; a task dropped by {@link #stop()} fails its future instead of leaving it pending. */
    private final class Task implements Runnable {
        private final String field;
        private final byte[] bytes;
        private final CompletableFuture<float[]> result = new CompletableFuture<>();

        Task(String field, byte[] bytes) {
            this.field = field;
            this.bytes = bytes;
        }

        @Override
        public void run() {
            if (result.isDone()) {
                return; // cancelled: its request failed or gave up
            }
            long t0 = System.nanoTime();
            try {
                float[] out = model.prepareImage(field, bytes);
                ok.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                result.complete(out);
            } catch (RuntimeException | Error e) {
                rejected.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                result.completeExceptionally(e);
            }
        }
    }
}
