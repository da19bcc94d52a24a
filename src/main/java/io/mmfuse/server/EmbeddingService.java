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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * Embeds texts and images through one {@link DynamicBatcher} per modality, after checking every
 * input against the {@link ServiceLimits}. Blocking, thread-safe; the HTTP and gRPC edges and the
 * collection service all go through it.
 */
public final class EmbeddingService implements AutoCloseable {
    private final EmbeddingModel model;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ServiceLimits limits;
    private final DynamicBatcher<String, float[]> texts;
    private final DynamicBatcher<byte[], ImageEmbedding> images;

    public EmbeddingService(EmbeddingModel model, BatchingConfig batching, ServiceLimits limits, MeterRegistry registry) {
        this.model = model;
        this.limits = limits;
        int dim = model.dimension();
        this.texts = new DynamicBatcher<>("text", batching, in -> {
            FloatMatrix out = model.embedTexts(in);
            if (out.rows() != in.size() || out.cols() != dim) {
                throw new MmfuseException("model returned a " + out.rows() + "x" + out.cols() + " matrix for " + in.size()
                        + " texts of dimension " + dim);
            }
            List<float[]> rows = new ArrayList<>(in.size());
            for (int i = 0; i < in.size(); i++) {
                rows.add(out.row(i));
            }
            return rows;
        }, registry);
        this.images = new DynamicBatcher<>("image", batching, model::embedImages, registry);
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
     * has bounded the count.
     */
    public FloatMatrix embedImages(IntFunction<String> fieldOf, List<byte[]> inputs, Duration timeout) {
        for (int i = 0; i < inputs.size(); i++) {
            checkImage(fieldOf.apply(i), inputs.get(i));
        }
        List<ImageEmbedding> results = await(images.submitAll(inputs, timeout));
        List<float[]> rows = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) {
            ImageEmbedding r = results.get(i);
            if (r instanceof ImageEmbedding.Failure f) {
                throw new InvalidInputException(fieldOf.apply(i), f.reason());
            }
            float[] v = ((ImageEmbedding.Success) r).vector();
            if (v.length != model.dimension()) {
                throw new MmfuseException("model returned " + v.length + " values for an image, expected " + model.dimension());
            }
            rows.add(v);
        }
        return toMatrix(rows);
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

    /** Stops admission, lets queued inputs finish, then closes the model adapter ({@link EmbeddingModel#close()}). */
    public void close(Duration drainTimeout) {
        try {
            texts.close(drainTimeout);
            images.close(drainTimeout);
        } finally {
            if (closed.compareAndSet(false, true)) {
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

    DynamicBatcher<byte[], ImageEmbedding> imageBatcher() {
        return images;
    }
}
