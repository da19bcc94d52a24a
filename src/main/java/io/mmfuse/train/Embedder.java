package io.mmfuse.train;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.FloatMatrix;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Turns images and token ids into L2-normalised float32 embeddings on the heap, for indexing and
 * querying. Thread-safe: any number of threads may embed concurrently (the model is in eval mode
 * and read-only; each call runs under its own NoGradGuard and per-batch PointerScope on the
 * calling thread). {@link #close()} waits for running calls; calls after it throw
 * IllegalStateException.
 */
public final class Embedder implements AutoCloseable {
    private final MultimodalAutoencoder model;
    private final boolean ownsModel;
    private final int batchSize;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    /**
     * Wraps a model the caller keeps owning (it is switched to eval mode; do not train it while
     * this embedder is in use).
     */
    public Embedder(MultimodalAutoencoder model) {
        this(model, false, BatchedInference.DEFAULT_BATCH);
    }

    private Embedder(MultimodalAutoencoder model, boolean ownsModel, int batchSize) {
        if (model == null) {
            throw new InvalidInputException("model", "is required");
        }
        if (batchSize <= 0) {
            throw new InvalidInputException("batchSize", "must be > 0, got " + batchSize);
        }
        this.model = model;
        this.ownsModel = ownsModel;
        this.batchSize = batchSize;
        model.eval();
    }

    /** Loads a checkpoint onto the automatically chosen device; the embedder owns the model. */
    public static Embedder open(Path checkpointDir) {
        return new Embedder(Checkpoint.load(checkpointDir).model(), true, BatchedInference.DEFAULT_BATCH);
    }

    /** Loads a checkpoint onto {@code device}; the embedder owns the model. */
    public static Embedder open(Path checkpointDir, DeviceChoice device) {
        return new Embedder(Checkpoint.load(checkpointDir, device).model(), true, BatchedInference.DEFAULT_BATCH);
    }

    /**
     * An embedder over a model the caller keeps owning, with another inference batch size (larger
     * batches amortise per-call overhead; smaller ones cap peak native memory).
     */
    public static Embedder withBatchSize(MultimodalAutoencoder model, int batchSize) {
        return new Embedder(model, false, batchSize);
    }

    /**
     * @param chw n images, each 3 x S x S floats normalised like the training images
     * @return n x commonDim, unit rows
     */
    public FloatMatrix embedImages(float[] chw, int n) {
        lock.readLock().lock();
        try {
            requireOpen();
            return BatchedInference.images(model, chw, n, batchSize);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * @param tokens one row of token ids per caption (0 = padding); rows longer than maxTokens are
     *     truncated
     * @return tokens.length x commonDim, unit rows
     */
    public FloatMatrix embedTexts(int[][] tokens) {
        lock.readLock().lock();
        try {
            requireOpen();
            return BatchedInference.texts(model, tokens, batchSize);
        } finally {
            lock.readLock().unlock();
        }
    }

    public ModelConfig config() {
        return model.config();
    }

    /** Embedding dimension (commonDim). */
    public int dimension() {
        return model.config().commonDim();
    }

    public DeviceChoice device() {
        return model.deviceChoice();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("embedder is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                if (ownsModel) {
                    model.close();
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
