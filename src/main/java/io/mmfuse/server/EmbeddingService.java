package io.mmfuse.server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageHeader;
import io.mmfuse.search.FloatMatrix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Phaser;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * Embeds texts and images through one {@link DynamicBatcher} per modality, after checking every
 * input against the {@link ServiceLimits}. Blocking, thread-safe; the HTTP and gRPC edges and the
 * collection service all go through it.
 *
 * <p>Images are decoded ({@link EmbeddingModel#prepareImage}) before they are queued, on a fixed
 * pool of decode threads: decoding the next requests then overlaps the model's work on the current
 * batch instead of preceding it, and a bad image fails its request before it takes a queue place.
 * The pool is bounded like the batchers' queues (a full pool rejects with
 * {@link OverloadedException}), and its threads are long-lived because fresh native threads per
 * batch grew the server's RSS under mixed load (bench/results/server-2026-11-27-vm-soak-arena2.md).
 * The image queue holds decoded images (3 x S x S floats, 48 KB at the default 64 px), so
 * {@link BatchingConfig#queueCapacity()} also bounds that memory (48 MB for 1,024 images).
 * Metrics: {@code mmfuse.image.decode} (time per image, tag {@code outcome}),
 * {@code mmfuse.image.decode.queue} (images waiting for a decode thread).
 */
public final class EmbeddingService implements AutoCloseable {
    private final EmbeddingModel model;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ServiceLimits limits;
    private final DynamicBatcher<String, float[]> texts;
    private final DynamicBatcher<float[], float[]> images;
    private final ThreadPoolExecutor decodePool;
    /** One party per image request between admission and its hand-off to the batcher, plus the service's own. */
    private final Phaser imageRequests = new Phaser(1);
    private volatile boolean accepting = true;
    private final Timer decodeOk;
    private final Timer decodeRejected;

    /** With one decode thread per available processor. */
    public EmbeddingService(EmbeddingModel model, BatchingConfig batching, ServiceLimits limits, MeterRegistry registry) {
        this(model, batching, limits, registry, Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param decodeThreads threads that decode images before batching (OpenCV runs one thread per
     *     image; parallelism comes from decoding several images at once)
     */
    public EmbeddingService(EmbeddingModel model, BatchingConfig batching, ServiceLimits limits, MeterRegistry registry,
            int decodeThreads) {
        if (decodeThreads < 1) {
            throw new InvalidInputException("decodeThreads", "must be >= 1, got " + decodeThreads);
        }
        this.model = model;
        this.limits = limits;
        this.texts = new DynamicBatcher<>("text", batching, in -> rows(model.embedTexts(in), in.size(), "texts"), registry);
        this.images = new DynamicBatcher<>("image", batching, in -> rows(model.embedImages(in), in.size(), "images"),
                registry);
        this.decodePool = ImageDecoder.newDecodePool(decodeThreads, batching.queueCapacity());
        Gauge.builder("mmfuse.image.decode.queue", decodePool, p -> p.getQueue().size())
                .description("Images waiting for a decode thread").register(registry);
        this.decodeOk = decodeTimer(registry, "ok");
        this.decodeRejected = decodeTimer(registry, "rejected");
    }

    private static Timer decodeTimer(MeterRegistry registry, String outcome) {
        return Timer.builder("mmfuse.image.decode").description("Decoding one image before batching")
                .tag("outcome", outcome).publishPercentileHistogram().register(registry);
    }

    private List<float[]> rows(FloatMatrix out, int n, String what) {
        int dim = model.dimension();
        if (out.rows() != n || out.cols() != dim) {
            throw new MmfuseException("model returned a " + out.rows() + "x" + out.cols() + " matrix for " + n + " " + what
                    + " of dimension " + dim);
        }
        List<float[]> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(out.row(i));
        }
        return rows;
    }

    public String modelFingerprint() {
        return model.fingerprint();
    }

    public int dimension() {
        return model.dimension();
    }

    public ServiceLimits limits() {
        return limits;
    }

    /** Embeds texts; {@code field} names the list in error messages ("texts" gives "texts[3]: ..."). */
    public FloatMatrix embedTexts(String field, List<String> inputs, Duration timeout) {
        checkCount(field, inputs);
        for (int i = 0; i < inputs.size(); i++) {
            checkText(field + "[" + i + "]", inputs.get(i));
        }
        List<float[]> rows = await(texts.submitAll(inputs, timeout));
        return toMatrix(rows);
    }

    /** Embeds encoded image files; an undecodable image fails the request with an error naming it. */
    public FloatMatrix embedImages(String field, List<byte[]> inputs, Duration timeout) {
        checkCount(field, inputs);
        return embedImages(i -> field + "[" + i + "]", inputs, timeout);
    }

    /**
     * Embeds images whose error names are given per position (e.g. "items[4].image"); the caller
     * has bounded the count. The first image that cannot be decoded fails the request, named.
     */
    public FloatMatrix embedImages(IntFunction<String> fieldOf, List<byte[]> inputs, Duration timeout) {
        for (int i = 0; i < inputs.size(); i++) {
            checkImage(fieldOf.apply(i), inputs.get(i));
        }
        long deadlineNanos = System.nanoTime() + images.effectiveDeadline(timeout).toNanos();
        List<CompletableFuture<float[]>> results;
        if (!accepting || register() < 0) {
            throw new UnavailableException("image: shutting down");
        }
        try {
            List<float[]> prepared = await(decodeAll(fieldOf, inputs), deadlineNanos);
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                throw new DeadlineExceededException("image: deadline exceeded while decoding");
            }
            results = images.submitAll(prepared, Duration.ofNanos(left));
        } finally {
            imageRequests.arriveAndDeregister();
        }
        return toMatrix(await(results));
    }

    /** A Phaser holds at most 65,535 parties: beyond that many image requests at once, refuse. */
    private int register() {
        try {
            return imageRequests.register();
        } catch (IllegalStateException e) {
            throw new OverloadedException("image: too many requests at once", Duration.ofSeconds(1));
        }
    }

    /** Starts decoding every image; all or none are admitted to the pool. */
    private List<CompletableFuture<float[]>> decodeAll(IntFunction<String> fieldOf, List<byte[]> inputs) {
        List<CompletableFuture<float[]>> futures = new ArrayList<>(inputs.size());
        try {
            for (int i = 0; i < inputs.size(); i++) {
                DecodeTask task = new DecodeTask(fieldOf.apply(i), inputs.get(i));
                futures.add(task.result());
                decodePool.execute(task);
            }
        } catch (RejectedExecutionException e) {
            futures.forEach(f -> f.cancel(false));
            throw new OverloadedException("image: decode queue full (" + decodePool.getQueue().size()
                    + " images waiting)", Duration.ofSeconds(1));
        }
        return futures;
    }

    /** One image to decode; a task dropped by a forced shutdown fails its future instead of leaving it pending. */
    private final class DecodeTask implements Runnable {
        private final String field;
        private final byte[] bytes;
        private final CompletableFuture<float[]> result = new CompletableFuture<>();

        DecodeTask(String field, byte[] bytes) {
            this.field = field;
            this.bytes = bytes;
        }

        CompletableFuture<float[]> result() {
            return result;
        }

        @Override
        public void run() {
            if (result.isDone()) {
                return; // cancelled: its request failed or gave up
            }
            long t0 = System.nanoTime();
            try {
                float[] out = model.prepareImage(field, bytes);
                decodeOk.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                result.complete(out);
            } catch (RuntimeException | Error e) {
                decodeRejected.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
                result.completeExceptionally(e);
            }
        }
    }

    public void checkText(String field, String text) {
        if (text == null) {
            throw new InvalidInputException(field, "must be a string");
        }
        if (text.isBlank()) {
            throw new InvalidInputException(field, "must not be empty");
        }
        if (text.length() > limits.maxTextChars()) {
            throw new InvalidInputException(field, "has " + text.length() + " characters, at most " + limits.maxTextChars()
                    + " allowed");
        }
    }

    public void checkImage(String field, byte[] image) {
        if (image == null || image.length == 0) {
            throw new InvalidInputException(field, "is empty");
        }
        if (image.length > limits.maxImageBytes()) {
            throw new InvalidInputException(field, "is " + image.length + " bytes, at most " + limits.maxImageBytes()
                    + " allowed");
        }
        ImageHeader header = ImageHeader.read(field, image);
        if (header.pixels() > limits.maxImagePixels()) {
            throw new InvalidInputException(field, "declares " + header.width() + "x" + header.height() + " = "
                    + header.pixels() + " pixels, at most " + limits.maxImagePixels() + " allowed");
        }
    }

    private void checkCount(String field, List<?> inputs) {
        if (inputs == null || inputs.isEmpty()) {
            throw new InvalidInputException(field, "must hold at least one entry");
        }
        if (inputs.size() > limits.maxBatchItems()) {
            throw new InvalidInputException(field, "has " + inputs.size() + " entries, at most " + limits.maxBatchItems()
                    + " allowed");
        }
    }

    private FloatMatrix toMatrix(List<float[]> rows) {
        int dim = model.dimension();
        float[] data = new float[rows.size() * dim];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, data, i * dim, dim);
        }
        return new FloatMatrix(rows.size(), dim, data);
    }

    /** {@link #await(List)} within a deadline ({@link System#nanoTime()} based). */
    static <T> List<T> await(List<CompletableFuture<T>> futures, long deadlineNanos) {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            futures.forEach(f -> f.cancel(false));
            throw new DeadlineExceededException("image: deadline exceeded while decoding");
        } catch (ExecutionException | CompletionException e) {
            // await below reports the first failure in input order
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while decoding");
        }
        return await(futures);
    }

    /** Waits for every future; on the first failure cancels the rest (still-queued ones never run). */
    static <T> List<T> await(List<CompletableFuture<T>> futures) {
        List<T> out = new ArrayList<>(futures.size());
        try {
            for (CompletableFuture<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (ExecutionException | CompletionException e) {
            futures.forEach(f -> f.cancel(false));
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new MmfuseException("embedding failed: " + cause, cause);
        } catch (CancellationException e) {
            throw new UnavailableException("request cancelled");
        } catch (InterruptedException e) {
            futures.forEach(f -> f.cancel(false));
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the model");
        }
    }

    /**
     * Stops admission, lets image requests that are decoding reach their batcher and queued inputs
     * finish, then closes the model adapter ({@link EmbeddingModel#close()}).
     */
    public void close(Duration drainTimeout) {
        long until = System.nanoTime() + drainTimeout.toNanos();
        try {
            accepting = false;
            // Only the first close gives up the service's party: a second deregistration would take a
            // request's party, and that request's own deregistration would then fail.
            int phase = closing.compareAndSet(false, true) ? imageRequests.arriveAndDeregister() : imageRequests.getPhase();
            try {
                if (phase >= 0) {
                    imageRequests.awaitAdvanceInterruptibly(phase, Math.max(1, drainTimeout.toNanos()), TimeUnit.NANOSECONDS);
                }
            } catch (TimeoutException e) {
                stopDecoding();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Duration left = Duration.ofNanos(Math.max(1_000_000, until - System.nanoTime()));
            texts.close(left);
            images.close(left);
        } finally {
            stopDecoding();
            if (closed.compareAndSet(false, true)) {
                model.close();
            }
        }
    }

    /** Images still queued for decoding fail at once rather than waiting out their deadline. */
    private void stopDecoding() {
        for (Runnable r : decodePool.shutdownNow()) {
            if (r instanceof DecodeTask t) {
                t.result().completeExceptionally(new UnavailableException("image: shut down before this image was decoded"));
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    DynamicBatcher<String, float[]> textBatcher() {
        return texts;
    }

    DynamicBatcher<float[], float[]> imageBatcher() {
        return images;
    }
}
