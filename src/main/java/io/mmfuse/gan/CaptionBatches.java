package io.mmfuse.gan;

import java.util.Random;

/**
 * Draws training batches: captions in a shuffled order (reshuffled after every pass, seeded), each
 * with its image and a mismatched caption for the matching-aware discriminator.
 *
 * <p>The mismatched caption of row i is the caption of row i+1 (the batch rolled by one); when that
 * caption shows the same image, the next row of the batch with another image is taken, and when
 * the whole batch shows one image, a random caption of another image from the whole data set.
 * With an order-negative rate r, a row whose caption has a hard negative uses it instead with
 * probability r: the objects swapped (or, with object negatives, possibly one object replaced).
 */
final class CaptionBatches {
    /**
     * Caption indices, their images, and for each row a caption of a different image, or (where
     * {@code wrongIsHardNegative[i]}) the row's own caption, meaning its hard negative.
     */
    record Batch(int[] captions, int[] images, int[] wrongCaptions, boolean[] wrongIsHardNegative) {
        int size() {
            return captions.length;
        }
    }

    private final GanTrainingData data;
    private final int batchSize;
    private final Random rng;
    private final double orderNegativeRate;
    private final int[] order;
    private int next;

    CaptionBatches(GanTrainingData data, int batchSize, Random rng) {
        this(data, batchSize, rng, 0);
    }

    CaptionBatches(GanTrainingData data, int batchSize, Random rng, double orderNegativeRate) {
        this.data = data;
        this.orderNegativeRate = data.hasHardNegative() == null ? 0 : orderNegativeRate;
        this.batchSize = batchSize;
        this.rng = rng;
        order = new int[data.captionCount()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        next = order.length; // shuffle on first use
    }

    Batch next() {
        int[] captions = new int[batchSize];
        int[] images = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            if (next == order.length) {
                shuffle();
            }
            captions[i] = order[next++];
            images[i] = data.captionImage()[captions[i]];
        }
        int[] wrong = wrongCaptions(captions, images);
        boolean[] fromOrder = new boolean[batchSize];
        if (orderNegativeRate > 0) {
            boolean[] has = data.hasHardNegative();
            for (int i = 0; i < batchSize; i++) {
                if (has[captions[i]] && rng.nextDouble() < orderNegativeRate) {
                    wrong[i] = captions[i];
                    fromOrder[i] = true;
                }
            }
        }
        return new Batch(captions, images, wrong, fromOrder);
    }

    private int[] wrongCaptions(int[] captions, int[] images) {
        int b = captions.length;
        int[] wrong = new int[b];
        for (int i = 0; i < b; i++) {
            wrong[i] = -1;
            for (int k = 1; k < b; k++) {
                int j = (i + k) % b;
                if (images[j] != images[i]) {
                    wrong[i] = captions[j];
                    break;
                }
            }
            if (wrong[i] < 0) {
                wrong[i] = randomCaptionNotOf(images[i]);
            }
        }
        return wrong;
    }

    private int randomCaptionNotOf(int image) {
        int[] captionImage = data.captionImage();
        int start = rng.nextInt(captionImage.length);
        for (int k = 0; k < captionImage.length; k++) {
            int c = (start + k) % captionImage.length;
            if (captionImage[c] != image) {
                return c;
            }
        }
        throw new IllegalStateException("every caption shows image " + image); // excluded by the trainer
    }

    private void shuffle() {
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        next = 0;
    }
}
