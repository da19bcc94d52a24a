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

    @Test
    void flippedImagesGetMirroredCaptionsAndOrderNegativesAreSwappedPhrases() {
        io.mmfuse.text.Vocabulary v = io.mmfuse.text.Vocabulary.build(
                java.util.List.of("a red circle to the left of a blue square", "on the right"), new io.mmfuse.text.Tokenizer(), 1, 50);
        int[] caption = v.encode("a red circle to the left of a blue square", 16);
        float[] px = new float[3 * S * S];
        for (int i = 0; i < px.length; i++) {
            px[i] = i % S; // the column index: a flip shows as a decreasing first row
        }
        TrainingData data = new TrainingData(px, 1, S, new int[][] {caption}, new int[] {0});
        ModelConfig mc = ModelConfig.builder().imageSize(S).vocabSize(v.size()).maxTokens(16).build();
        BatchAssembler a = new BatchAssembler(data, mc, 1, true, new Random(5), CaptionEdits.of(v), true, 0);
        int flipped = 0;
        for (int trial = 0; trial < 40; trial++) {
            BatchAssembler.Batch b = a.assemble(new int[] {0});
            boolean isFlipped = b.images()[S - 1] < b.images()[0];
            String words = text(v, b.tokens());
            assertThat(words).isEqualTo(isFlipped ? "a red circle to the right of a blue square"
                    : "a red circle to the left of a blue square");
            assertThat(b.hasNegative()).containsExactly(true);
            assertThat(text(v, b.negatives())).isEqualTo(isFlipped ? "a blue square to the right of a red circle"
                    : "a blue square to the left of a red circle");
            flipped += isFlipped ? 1 : 0;
        }
        assertThat(flipped).isBetween(5, 35);
        assertThat(new BatchAssembler(data, mc, 1, false, new Random(5)).assemble(new int[] {0}).negatives()).isNull();
    }

    private static String text(io.mmfuse.text.Vocabulary v, long[] ids) {
        StringBuilder sb = new StringBuilder();
        for (long id : ids) {
            if (id != 0) {
                sb.append(sb.length() == 0 ? "" : " ").append(v.token((int) id));
            }
        }
        return sb.toString();
    }

    @Test
    void degradeRateOneDegradesEveryImageAndZeroNone() {
        TrainingData data = traceable();
        int f = 3 * S * S;
        float[] plain = new BatchAssembler(data, model(), 2, false, new Random(5), CaptionEdits.NONE, false, 0)
                .assemble(new int[] {0, 1}).images().clone();
        assertThat(Arrays.copyOfRange(plain, 0, f)).containsExactly(Arrays.copyOfRange(data.images(), f, 2 * f));
        float[] degraded = new BatchAssembler(data, model(), 2, false, new Random(5), CaptionEdits.NONE, false, 1)
                .assemble(new int[] {0, 1}).images();
        for (int r = 0; r < 2; r++) {
            assertThat(Arrays.copyOfRange(degraded, r * f, (r + 1) * f)).as("image %d", r)
                    .isNotEqualTo(Arrays.copyOfRange(plain, r * f, (r + 1) * f));
        }
    }
}
