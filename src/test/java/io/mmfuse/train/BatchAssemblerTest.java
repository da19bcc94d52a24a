package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.model.ModelConfig;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchAssemblerTest {
    private static final int S = 16;

    /** Pixel value encodes (image, channel, y, x) so every copy can be traced back. */
    private static TrainingData traceable() {
        float[] px = new float[2 * 3 * S * S];
        for (int i = 0; i < px.length; i++) {
            px[i] = i;
        }
        int[][] tokens = {{5, 6, 7}, {1}, {2, 3, 4, 5, 6, 7, 8, 9, 10, 11}};
        return new TrainingData(px, 2, S, tokens, new int[] {1, 0, 1});
    }

    private static ModelConfig model() {
        return ModelConfig.builder().imageSize(S).vocabSize(20).maxTokens(4).build();
    }

    @Test
    void copiesImagesAndPadsOrTruncatesTokens() {
        TrainingData data = traceable();
        BatchAssembler a = new BatchAssembler(data, model(), 3, false, new Random(1));
        BatchAssembler.Batch b = a.assemble(new int[] {2, 1});
        int f = 3 * S * S;
        assertThat(b.size()).isEqualTo(2);
        assertThat(b.imageIds()).containsExactly(1, 0);
        assertThat(Arrays.copyOfRange(b.images(), 0, f)).containsExactly(Arrays.copyOfRange(data.images(), f, 2 * f));
        assertThat(Arrays.copyOfRange(b.images(), f, 2 * f)).containsExactly(Arrays.copyOfRange(data.images(), 0, f));
        assertThat(b.tokenWidth()).isEqualTo(4);
        assertThat(b.tokens()).containsExactly(2, 3, 4, 5, /* row 2 */ 1, 0, 0, 0);
    }

    @Test
    void augmentationOnlyFlipsAndShiftsWithinTheImage() {
        TrainingData data = traceable();
        BatchAssembler a = new BatchAssembler(data, model(), 1, true, new Random(3));
        int f = 3 * S * S;
        boolean sawChange = false;
        for (int trial = 0; trial < 20; trial++) {
            float[] out = a.assemble(new int[] {0}).images(); // caption 0 -> image 1
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < S; y++) {
                    for (int x = 0; x < S; x++) {
                        int src = (int) out[ch * S * S + y * S + x] - f; // offset of image 1
                        assertThat(src / (S * S)).as("channel kept").isEqualTo(ch);
                        int sy = (src % (S * S)) / S;
                        assertThat(Math.abs(sy - y)).as("vertical shift").isLessThanOrEqualTo(S / 16);
                    }
                }
            }
            sawChange |= !Arrays.equals(out, Arrays.copyOfRange(data.images(), f, 2 * f));
        }
        assertThat(sawChange).isTrue();
    }
}
