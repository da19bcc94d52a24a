package io.mmfuse.train;

import io.mmfuse.model.ModelConfig;
import java.util.Random;

/**
 * Tiny paired data with learnable structure: each image is a smooth colour field (a random colour
 * per quadrant plus a little noise) and each of its captions names it with an image-specific token
 * plus a few tokens shared by everyone. A model that learns anything retrieves far above chance.
 */
final class SyntheticData {
    static final int VOCAB = 64;
    static final int FILLER_FROM = 40; // ids 40..63 are shared noise words

    private SyntheticData() {
    }

    /** Small, fast model for tests (32x32 images, width 8, 32-d space). */
    static ModelConfig.Builder tinyModel() {
        return ModelConfig.builder().imageSize(32).cnnWidth(8).commonDim(32).tokenDim(32).hiddenDim(64)
                .vocabSize(VOCAB).maxTokens(8).dropout(0.0);
    }

    static TrainingData make(int images, int captionsPerImage, int side, long seed) {
        Random r = new Random(seed);
        int plane = side * side;
        float[] px = new float[images * 3 * plane];
        int half = side / 2;
        for (int i = 0; i < images; i++) {
            float[][] quadrant = new float[4][3];
            for (float[] q : quadrant) {
                for (int ch = 0; ch < 3; ch++) {
                    q[ch] = (float) (r.nextGaussian() * 1.2);
                }
            }
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        int q = (y < half ? 0 : 2) + (x < half ? 0 : 1);
                        px[i * 3 * plane + ch * plane + y * side + x] = quadrant[q][ch] + (float) (r.nextGaussian() * 0.1);
                    }
                }
            }
        }
        int n = images * captionsPerImage;
        int[][] tokens = new int[n][];
        int[] captionImage = new int[n];
        for (int c = 0; c < n; c++) {
            int image = c / captionsPerImage;
            captionImage[c] = image;
            int len = 2 + r.nextInt(4);
            int[] row = new int[len];
            row[0] = 1 + (image % (FILLER_FROM - 1)); // the identifying word
            for (int j = 1; j < len; j++) {
                row[j] = FILLER_FROM + r.nextInt(VOCAB - FILLER_FROM);
            }
            tokens[c] = row;
        }
        return new TrainingData(px, images, side, tokens, captionImage);
    }
}
