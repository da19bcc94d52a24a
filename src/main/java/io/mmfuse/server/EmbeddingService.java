package io.mmfuse.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * Embeds texts and images through one {@link DynamicBatcher} per modality, after checking every
 * input against the {@link ServiceLimits}. Blocking, thread-safe; the HTTP and gRPC edges and the
 * collection service all go through it.
 *
 * <p>Images pass through an {@link ImageDecodeStage} first: they are decoded while the model runs
 * the previous batch, and queued already decoded. A request is counted from its admission until
 * its images reach the batcher, so that {@link #close(Duration)} lets requests that are decoding
 * finish rather than fail.
 */
public final class EmbeddingService implements AutoCloseable {
    private final EmbeddingModel model;
    /** Set by the first close: admission stops, and that close gives up the phaser party and closes the model. */
    private final AtomicBoolean closing = new AtomicBoolean();
    private final ServiceLimits limits;
    private final DynamicBatcher<String, float[]> texts;
    private final DynamicBatcher<float[], float[]> images;
    private final ImageDecodeStage decoding;
    /** One party per image request between admission and its hand-off to the batcher, plus the service's own. */
    private final Phaser imageRequests = new Phaser(1);

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
        this.model = model;
        this.limits = limits;
        this.decoding = new ImageDecodeStage(model, decodeThreads, batching.queueCapacity(), registry); // validates first
        this.texts = new DynamicBatcher<>("text", batching, in -> rows(model.embedTexts(in), in.size(), "texts"), registry);
        this.images = new DynamicBatcher<>("image", batching, in -> rows(model.embedImages(in), in.size(), "images"),
                registry);
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
        if (closing.get() || register() < 0) {
            throw new UnavailableException("image: shutting down");
        }
        try {
            List<float[]> prepared = decoding.decode(fieldOf, inputs, deadlineNanos);
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
        // Only the first close gives up the service's party: a second deregistration would take a
        // request's party, and that request's own deregistration would then fail.
        boolean first = closing.compareAndSet(false, true);
        try {
            int phase = first ? imageRequests.arriveAndDeregister() : imageRequests.getPhase();
            try {
                if (phase >= 0) {
                    imageRequests.awaitAdvanceInterruptibly(phase, Math.max(1, drainTimeout.toNanos()), TimeUnit.NANOSECONDS);
                }
            } catch (TimeoutException e) {
                decoding.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Duration left = Duration.ofNanos(Math.max(1_000_000, until - System.nanoTime()));
            texts.close(left);
            images.close(left);
        } finally {
            decoding.stop();
            if (first) {
                model.close();
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
}
