package io.mmfuse.train;

import io.mmfuse.model.ModelConfig;
import java.util.Random;

/**
 * Gathers one batch into reusable heap buffers: the images of the batch's captions (randomly
 * flipped and shifted when augmenting, in the same single copy pass) and the padded token ids.
 * The trainer then moves each buffer into a tensor with one bulk copy.
 */
final class BatchAssembler {
    private final TrainingData data;
    private final int side;
    private final int imageFloats;
    private final int maxTokens;
    private final int vocabSize;
    private final boolean augment;
    private final int maxShift;
    private final Random rng;
    private final float[] images;

    BatchAssembler(TrainingData data, ModelConfig model, int batchSize, boolean augment, Random rng) {
        this.data = data;
        this.side = data.imageSize();
        this.imageFloats = data.imageFloats();
        this.maxTokens = model.maxTokens();
        this.vocabSize = model.vocabSize();
        this.augment = augment;
        this.maxShift = Math.max(1, side / 16);
        this.rng = rng;
        this.images = new float[batchSize * imageFloats];
    }

    /** One assembled batch; {@code images} is the shared buffer, valid until the next call. */
    record Batch(int size, float[] images, long[] tokens, int tokenWidth, int[] imageIds) {
    }

    Batch assemble(int[] captions) {
        int b = captions.length;
        int[] imageIds = new int[b];
        for (int r = 0; r < b; r++) {
            int image = data.captionImage()[captions[r]];
            imageIds[r] = image;
            if (augment) {
                copyAugmented(image, r);
            } else {
                System.arraycopy(data.images(), image * imageFloats, images, r * imageFloats, imageFloats);
            }
        }
        int[][] rows = new int[b][];
        for (int r = 0; r < b; r++) {
            rows[r] = data.captionTokens()[captions[r]];
        }
        int[] width = new int[1];
        long[] tokens = io.mmfuse.model.Tensors.padTokens(rows, 0, b, maxTokens, vocabSize, width);
        return new Batch(b, images, tokens, width[0], imageIds);
    }

    /** Horizontal flip with p = 0.5 and a shift of up to maxShift pixels each way, edges replicated. */
    private void copyAugmented(int image, int slot) {
        boolean flip = rng.nextBoolean();
        int dx = rng.nextInt(2 * maxShift + 1) - maxShift;
        int dy = rng.nextInt(2 * maxShift + 1) - maxShift;
        float[] src = data.images();
        int srcBase = image * imageFloats;
        int dstBase = slot * imageFloats;
        int plane = side * side;
        int last = side - 1;
        for (int ch = 0; ch < 3; ch++) {
            int sp = srcBase + ch * plane;
            int dp = dstBase + ch * plane;
            for (int y = 0; y < side; y++) {
                int sy = Math.min(last, Math.max(0, y + dy));
                int srow = sp + sy * side;
                int drow = dp + y * side;
                for (int x = 0; x < side; x++) {
                    int sx = (flip ? last - x : x) + dx;
                    sx = Math.min(last, Math.max(0, sx));
                    images[drow + x] = src[srow + sx];
                }
            }
        }
    }
}
