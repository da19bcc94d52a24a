package io.mmfuse.train;

import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.Tensors;
import java.util.Arrays;
import java.util.Random;

/**
 * Gathers one batch into reusable heap buffers: the images of the batch's captions (randomly
 * flipped and shifted when augmenting, in the same single copy pass; a flipped image's caption
 * has "left" and "right" swapped), the padded token ids and, when asked for, one word-order hard
 * negative per caption ({@link CaptionEdits#swapLastPhrases}); a share of the images is then
 * degraded ({@link ImageDegradation#degrade}) when asked for. The trainer then moves each buffer
 * into a tensor with one bulk copy.
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
    private final CaptionEdits edits;
    private final boolean orderNegatives;
    private final double degradeRate;

    BatchAssembler(TrainingData data, ModelConfig model, int batchSize, boolean augment, Random rng) {
        this(data, model, batchSize, augment, rng, CaptionEdits.NONE, false, 0);
    }

    BatchAssembler(TrainingData data, ModelConfig model, int batchSize, boolean augment, Random rng,
                   CaptionEdits edits, boolean orderNegatives, double degradeRate) {
        this.data = data;
        this.side = data.imageSize();
        this.imageFloats = data.imageFloats();
        this.maxTokens = model.maxTokens();
        this.vocabSize = model.vocabSize();
        this.augment = augment;
        this.maxShift = Math.max(1, side / 16);
        this.rng = rng;
        this.images = new float[batchSize * imageFloats];
        this.edits = edits;
        this.orderNegatives = orderNegatives;
        this.degradeRate = degradeRate;
    }

    /**
     * One assembled batch; {@code images} is the shared buffer, valid until the next call.
     * {@code negatives} (padded like {@code tokens}, {@code negativeWidth} wide) and
     * {@code hasNegative} are null unless order negatives were asked for; a row without a negative
     * repeats its own caption and must be masked.
     */
    record Batch(int size, float[] images, long[] tokens, int tokenWidth, int[] imageIds,
                 long[] negatives, int negativeWidth, boolean[] hasNegative) {
    }

    Batch assemble(int[] captions) {
        int b = captions.length;
        int[] imageIds = new int[b];
        int[][] rows = new int[b][];
        for (int r = 0; r < b; r++) {
            int image = data.captionImage()[captions[r]];
            imageIds[r] = image;
            rows[r] = data.captionTokens()[captions[r]];
            if (augment) {
                if (copyAugmented(image, r)) {
                    rows[r] = edits.mirror(rows[r]);
                }
            } else {
                System.arraycopy(data.images(), image * imageFloats, images, r * imageFloats, imageFloats);
            }
            if (degradeRate > 0 && rng.nextDouble() < degradeRate) {
                ImageDegradation.degrade(images, r * imageFloats, side, rng);
            }
        }
        int[] width = new int[1];
        long[] tokens = Tensors.padTokens(rows, 0, b, maxTokens, vocabSize, width);
        if (!orderNegatives) {
            return new Batch(b, images, tokens, width[0], imageIds, null, 0, null);
        }
        boolean[] has = new boolean[b];
        int[][] negativeRows = new int[b][];
        for (int r = 0; r < b; r++) {
            int[] cut = rows[r].length > maxTokens ? Arrays.copyOf(rows[r], maxTokens) : rows[r];
            int[] swapped = edits.swapLastPhrases(cut);
            has[r] = swapped != null;
            negativeRows[r] = has[r] ? swapped : cut;
        }
        int[] negativeWidth = new int[1];
        long[] negatives = Tensors.padTokens(negativeRows, 0, b, maxTokens, vocabSize, negativeWidth);
        return new Batch(b, images, tokens, width[0], imageIds, negatives, negativeWidth[0], has);
    }

    /**
     * Horizontal flip with p = 0.5 and a shift of up to maxShift pixels each way, edges replicated.
     *
     * @return whether the image was flipped
     */
    private boolean copyAugmented(int image, int slot) {
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
        return flip;
    }
}
