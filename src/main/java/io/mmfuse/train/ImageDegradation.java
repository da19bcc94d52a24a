package io.mmfuse.train;

import java.util.Random;

/**
 * Two ways to take fine detail out of a CHW image in the normalised [-1, 1] space, in place: a 2x2
 * low-pass (each 2x2 block replaced by its mean) and additive Gaussian noise.
 *
 * <p>Why: a retrieval model trained only on clean synthetic images reads shapes from pixel-exact
 * edges (on the shapes data its shape reading falls from 92 % to 53 % under a 2x2 low-pass and to
 * 58 % under noise of sd 0.2: bench/results/generation-2026-11-28l-vm.md). Used as a GAN's matching
 * critic it then rewards texture instead of outlines. Showing it degraded images in training makes
 * it read outlines.
 */
public final class ImageDegradation {
    /** Largest noise sd drawn by {@link #degrade}. */
    public static final double MAX_NOISE_SD = 0.2;

    private ImageDegradation() {
    }

    /**
     * Each 2x2 block of each of the {@code planes} side×side planes starting at {@code offset} replaced
     * by its mean; with an odd side the last row and column stay as they are.
     */
    public static void lowPass2(float[] buf, int offset, int planes, int side) {
        for (int p = 0; p < planes; p++) {
            int base = offset + p * side * side;
            for (int y = 0; y + 1 < side; y += 2) {
                for (int x = 0; x + 1 < side; x += 2) {
                    int i = base + y * side + x;
                    float m = (buf[i] + buf[i + 1] + buf[i + side] + buf[i + side + 1]) / 4;
                    buf[i] = m;
                    buf[i + 1] = m;
                    buf[i + side] = m;
                    buf[i + side + 1] = m;
                }
            }
        }
    }

    /** Adds N(0, sd²) to {@code length} values from {@code offset}, clamped to [-1, 1]. */
    public static void addNoise(float[] buf, int offset, int length, double sd, Random rng) {
        for (int i = offset; i < offset + length; i++) {
            buf[i] = (float) Math.max(-1, Math.min(1, buf[i] + sd * rng.nextGaussian()));
        }
    }

    /**
     * One random degradation of a 3×side×side image: with even odds a 2x2 low-pass or noise with sd
     * drawn uniformly from (0, {@link #MAX_NOISE_SD}].
     */
    public static void degrade(float[] buf, int offset, int side, Random rng) {
        if (rng.nextBoolean()) {
            lowPass2(buf, offset, 3, side);
        } else {
            addNoise(buf, offset, 3 * side * side, MAX_NOISE_SD * (1 - rng.nextDouble()), rng);
        }
    }
}
