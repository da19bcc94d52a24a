package io.mmfuse.server;

import io.mmfuse.InvalidInputException;
import java.time.Duration;
import java.util.List;

/**
 * How the dynamic batcher groups requests for one model operation.
 *
 * @param maxBatchSize most inputs handed to the model at once (1 turns batching off)
 * @param maxWait how long the oldest queued input may wait for company before its batch runs
 * @param preferredBatchSizes sizes at which a batch runs at once, without waiting for maxWait
 *     (e.g. sizes a GPU kernel is tuned for); may be empty
 * @param queueCapacity inputs that may wait; beyond it requests are rejected at once (HTTP 503,
 *     gRPC RESOURCE_EXHAUSTED) instead of queueing without bound
 * @param defaultDeadline how long a request may take in all; a request may ask for less, never more
 */
public record BatchingConfig(int maxBatchSize, Duration maxWait, List<Integer> preferredBatchSizes, int queueCapacity,
        Duration defaultDeadline) {
    public BatchingConfig {
        if (maxBatchSize < 1) {
            throw new InvalidInputException("maxBatchSize", "must be >= 1, got " + maxBatchSize);
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new InvalidInputException("maxWait", "must be >= 0, got " + maxWait);
        }
        preferredBatchSizes = List.copyOf(preferredBatchSizes == null ? List.of() : preferredBatchSizes);
        for (int size : preferredBatchSizes) {
            if (size < 1 || size > maxBatchSize) {
                throw new InvalidInputException("preferredBatchSizes", "size " + size + " is outside 1.." + maxBatchSize);
            }
        }
        if (queueCapacity < maxBatchSize) {
            throw new InvalidInputException("queueCapacity", "must be >= maxBatchSize (" + maxBatchSize + "), got " + queueCapacity);
        }
        if (defaultDeadline == null || defaultDeadline.isZero() || defaultDeadline.isNegative()) {
            throw new InvalidInputException("defaultDeadline", "must be positive, got " + defaultDeadline);
        }
    }

    /** 32 per batch, 2 ms wait, 1024 queued, 30 s deadline. */
    public static BatchingConfig defaults() {
        return new BatchingConfig(32, Duration.ofMillis(2), List.of(), 1024, Duration.ofSeconds(30));
    }

    /** No batching: each input runs alone (for comparisons). */
    public static BatchingConfig unbatched() {
        return new BatchingConfig(1, Duration.ZERO, List.of(), 1024, Duration.ofSeconds(30));
    }

    public BatchingConfig withMaxBatchSize(int size) {
        return new BatchingConfig(size, maxWait, preferredBatchSizes, Math.max(queueCapacity, size), defaultDeadline);
    }

    public BatchingConfig withMaxWait(Duration wait) {
        return new BatchingConfig(maxBatchSize, wait, preferredBatchSizes, queueCapacity, defaultDeadline);
    }

    public BatchingConfig withPreferredBatchSizes(List<Integer> sizes) {
        return new BatchingConfig(maxBatchSize, maxWait, sizes, queueCapacity, defaultDeadline);
    }

    public BatchingConfig withQueueCapacity(int capacity) {
        return new BatchingConfig(maxBatchSize, maxWait, preferredBatchSizes, capacity, defaultDeadline);
    }

    public BatchingConfig withDefaultDeadline(Duration deadline) {
        return new BatchingConfig(maxBatchSize, maxWait, preferredBatchSizes, queueCapacity, deadline);
    }
}
