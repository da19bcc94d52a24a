package io.mmfuse.server;

import io.mmfuse.InvalidInputException;

/**
 * Bounds on what one request may ask for; each violation is answered with HTTP 400 / gRPC
 * INVALID_ARGUMENT naming the field.
 *
 * @param maxBatchItems texts or images per embedding request, items per add
 * @param maxTextChars characters per text or caption
 * @param maxImageBytes bytes per encoded image
 * @param maxImagePixels width x height declared by an image header (decompression bombs)
 * @param maxK neighbours per search
 * @param maxRequestBytes bytes per HTTP body or gRPC message
 */
public record ServiceLimits(int maxBatchItems, int maxTextChars, int maxImageBytes, long maxImagePixels, int maxK,
        int maxRequestBytes) {
    public ServiceLimits {
        if (maxBatchItems < 1 || maxTextChars < 1 || maxImageBytes < 1 || maxImagePixels < 1 || maxK < 1
                || maxRequestBytes < 1024) {
            throw new InvalidInputException("limits", "every limit must be positive (maxRequestBytes >= 1024)");
        }
    }

    public static ServiceLimits defaults() {
        return new ServiceLimits(256, 2048, 10 << 20, 40_000_000L, 1000, 64 << 20);
    }

    public ServiceLimits withMaxBatchItems(int n) {
        return new ServiceLimits(n, maxTextChars, maxImageBytes, maxImagePixels, maxK, maxRequestBytes);
    }

    public ServiceLimits withMaxTextChars(int n) {
        return new ServiceLimits(maxBatchItems, n, maxImageBytes, maxImagePixels, maxK, maxRequestBytes);
    }

    public ServiceLimits withMaxImageBytes(int n) {
        return new ServiceLimits(maxBatchItems, maxTextChars, n, maxImagePixels, maxK, maxRequestBytes);
    }

    public ServiceLimits withMaxImagePixels(long n) {
        return new ServiceLimits(maxBatchItems, maxTextChars, maxImageBytes, n, maxK, maxRequestBytes);
    }

    public ServiceLimits withMaxK(int n) {
        return new ServiceLimits(maxBatchItems, maxTextChars, maxImageBytes, maxImagePixels, n, maxRequestBytes);
    }

    public ServiceLimits withMaxRequestBytes(int n) {
        return new ServiceLimits(maxBatchItems, maxTextChars, maxImageBytes, maxImagePixels, maxK, n);
    }
}
