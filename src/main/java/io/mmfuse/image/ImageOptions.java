package io.mmfuse.image;

import io.mmfuse.InvalidInputException;
import java.util.Arrays;

/**
 * How encoded images become model input.
 *
 * <p>Every image is squashed (aspect ratio not kept, nothing cropped) to {@code size x size}, then
 * each RGB channel value {@code v} in [0, 255] becomes {@code (v / 255 - mean[c]) / std[c]}. The
 * defaults (mean 0.5, std 0.5 for every channel) map pixels to [-1, 1]; pass the ImageNet
 * statistics (mean 0.485/0.456/0.406, std 0.229/0.224/0.225) for encoders trained with them.
 *
 * <p>{@code maxPixels} bounds width x height as declared by the file header and is checked before
 * anything is decoded (decompression bombs); {@code maxBytes} bounds the encoded size and, for
 * files, is checked before the file is read.
 *
 * @param size side of the square output in pixels, 1..4096 (default 64)
 * @param mean per-channel mean in R, G, B order, in [0, 1] units (default 0.5 each)
 * @param std per-channel standard deviation in R, G, B order, finite and &gt; 0 (default 0.5 each)
 * @param maxPixels largest accepted width x height (default 40,000,000)
 * @param maxBytes largest accepted encoded size in bytes (default 64 MiB)
 */
public record ImageOptions(int size, float[] mean, float[] std, long maxPixels, long maxBytes) {
    public static final int DEFAULT_SIZE = 64;
    public static final long DEFAULT_MAX_PIXELS = 40_000_000L;
    public static final long DEFAULT_MAX_BYTES = 64L << 20;
    /** Upper bound on {@link #size()}: a larger square is almost surely a unit mistake. */
    public static final int MAX_SIZE = 4096;

    public ImageOptions {
        if (size < 1 || size > MAX_SIZE) {
            throw new InvalidInputException("ImageOptions.size", "must be in 1.." + MAX_SIZE + ", got " + size);
        }
        mean = checkChannels("ImageOptions.mean", mean, false);
        std = checkChannels("ImageOptions.std", std, true);
        if (maxPixels < 1) {
            throw new InvalidInputException("ImageOptions.maxPixels", "must be positive, got " + maxPixels);
        }
        if (maxBytes < 1) {
            throw new InvalidInputException("ImageOptions.maxBytes", "must be positive, got " + maxBytes);
        }
    }

    /** 64 x 64, normalised to [-1, 1], 40 Mpx and 64 MiB limits. */
    public static ImageOptions defaults() {
        return new ImageOptions(DEFAULT_SIZE, new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f},
                DEFAULT_MAX_PIXELS, DEFAULT_MAX_BYTES);
    }

    public ImageOptions withSize(int newSize) {
        return new ImageOptions(newSize, mean, std, maxPixels, maxBytes);
    }

    public ImageOptions withNormalization(float[] newMean, float[] newStd) {
        return new ImageOptions(size, newMean, newStd, maxPixels, maxBytes);
    }

    public ImageOptions withMaxPixels(long newMaxPixels) {
        return new ImageOptions(size, mean, std, newMaxPixels, maxBytes);
    }

    public ImageOptions withMaxBytes(long newMaxBytes) {
        return new ImageOptions(size, mean, std, maxPixels, newMaxBytes);
    }

    /** Floats per decoded image: 3 * size * size. */
    public int floatsPerImage() {
        return 3 * size * size;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageOptions other
                && size == other.size
                && maxPixels == other.maxPixels
                && maxBytes == other.maxBytes
                && Arrays.equals(mean, other.mean)
                && Arrays.equals(std, other.std);
    }

    @Override
    public int hashCode() {
        return ((Integer.hashCode(size) * 31 + Arrays.hashCode(mean)) * 31 + Arrays.hashCode(std)) * 31
                + Long.hashCode(maxPixels) * 7 + Long.hashCode(maxBytes);
    }

    @Override
    public String toString() {
        return "ImageOptions[size=" + size + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std)
                + ", maxPixels=" + maxPixels + ", maxBytes=" + maxBytes + "]";
    }

    private static float[] checkChannels(String name, float[] values, boolean positive) {
        if (values == null || values.length != 3) {
            throw new InvalidInputException(name, "needs exactly 3 values (R, G, B), got "
                    + (values == null ? "null" : values.length));
        }
        for (float v : values) {
            if (!Float.isFinite(v) || (positive && v <= 0f)) {
                throw new InvalidInputException(name, "values must be finite" + (positive ? " and > 0" : "")
                        + ", got " + Arrays.toString(values));
            }
        }
        return values.clone();
    }
}
