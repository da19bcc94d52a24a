package io.mmfuse.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ObjectivesTest {
    private static final Tensor NO_SCALE = null;

    private static float loss(AlignmentObjective o, float[] img, float[] txt, int d, float scale, int[] ids) {
        try (PointerScope s = new PointerScope()) {
            int b = img.length / d;
            Tensor i = Tensor.create(img, b, d);
            Tensor t = Tensor.create(txt, b, d);
            return o.loss(i, t, Tensor.create(new float[] {scale}, 1), ids).item_float();
        }
    }

    @Test
    void seedIsMinusTheMeanCosineOfTruePairs() {
        AlignmentObjective seed = new SeedAlignmentObjective();
        float[] e = {1, 0, 0, 1};
        assertThat(loss(seed, e, e, 2, 1, null)).isCloseTo(-1f, offset(1e-6f));
        assertThat(loss(seed, e, new float[] {-1, 0, 0, -1}, 2, 1, null)).isCloseTo(1f, offset(1e-6f));
        // pair 0 aligned (cos 1), pair 1 orthogonal (cos 0): -(1 + 0) / 2
        assertThat(loss(seed, e, new float[] {1, 0, 1, 0}, 2, 1, null)).isCloseTo(-0.5f, offset(1e-6f));
    }

    @Test
    void contrastiveMatchesTheHandComputedInfoNce() {
        AlignmentObjective c = new ContrastiveObjective();
        float[] e = {1, 0, 0, 1};
        // logits = 2 * I: each row's CE = log(1 + e^-2); both directions equal.
        double expected = Math.log(1 + Math.exp(-2));
        assertThat(loss(c, e, e, 2, 2, new int[] {0, 1})).isCloseTo((float) expected, offset(1e-6f));
        // texts swapped: the true pair now has the lower logit.
        double swapped = Math.log(1 + Math.exp(2));
        assertThat(loss(c, e, new float[] {0, 1, 1, 0}, 2, 2, new int[] {0, 1})).isCloseTo((float) swapped, offset(1e-5f));
    }

    @Test
    void contrastiveMasksCaptionsOfTheSameImage() {
        AlignmentObjective c = new ContrastiveObjective();
        // Two rows showing the same image with different captions: without the mask each row would
        // be pushed away from the other; with it the only candidate left is the true one.
        float[] img = {1, 0, 1, 0};
        float[] txt = {1, 0, 0.6f, 0.8f};
        assertThat(loss(c, img, txt, 2, 10, new int[] {4, 4})).isCloseTo(0f, offset(1e-4f));
        assertThat(loss(c, img, txt, 2, 10, new int[] {4, 5})).isGreaterThan(0.5f);
        assertThat(ContrastiveObjective.falseNegatives(new int[] {1, 2, 3}, 3)).isNull();
        assertThat(ContrastiveObjective.falseNegatives(new int[] {1, 2, 1}, 3))
                .containsExactly(false, false, true, false, false, false, true, false, false);
    }

    @Test
    void hardNegativesAddOneImageToTextColumnPerRow() {
        AlignmentObjective c = new ContrastiveObjective();
        assertThat(c.takesHardNegatives()).isTrue();
        assertThat(new SeedAlignmentObjective().takesHardNegatives()).isFalse();
        float[] e = {1, 0, 0, 1};
        try (PointerScope s = new PointerScope()) {
            Tensor img = Tensor.create(e, 2, 2);
            Tensor scale = Tensor.create(new float[] {2}, 1);
            // Row 0's negative is orthogonal to image 0 (logit 0), row 1's negative is masked.
            Tensor neg = Tensor.create(new float[] {0, 1, 0, 1}, 2, 2);
            float withNeg = c.loss(img, img, scale, new int[] {0, 1}, neg, new boolean[] {true, false}).item_float();
            // image->text row 0: log(1 + 2e^-2); row 1: log(1 + e^-2); text->image: log(1 + e^-2) each.
            double i2t = (Math.log(1 + 2 * Math.exp(-2)) + Math.log(1 + Math.exp(-2))) / 2;
            double t2i = Math.log(1 + Math.exp(-2));
            assertThat(withNeg).isCloseTo((float) ((i2t + t2i) / 2), offset(1e-5f));
            float allMasked = c.loss(img, img, scale, new int[] {0, 1}, neg, new boolean[] {false, false}).item_float();
            assertThat(allMasked).isCloseTo(loss(c, e, e, 2, 2, new int[] {0, 1}), offset(1e-6f));
            // A negative identical to the true caption halves row 0's probability at best.
            float confusable = c.loss(img, img, scale, new int[] {0, 1}, img, new boolean[] {true, true}).item_float();
            assertThat(confusable).isGreaterThan(withNeg);
        }
    }

    @Test
    void objectivesWithoutHardNegativesRefuseThem() {
        try (PointerScope s = new PointerScope()) {
            Tensor e = Tensor.create(new float[] {1, 0, 0, 1}, 2, 2);
            Tensor scale = Tensor.create(new float[] {1}, 1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SeedAlignmentObjective()
                            .loss(e, e, scale, null, e, new boolean[] {true, true}))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no hard negatives");
        }
    }

    @Test
    void bagOfWordsTargetIsMultiHot() {
        try (PointerScope s = new PointerScope()) {
            Tensor tokens = Tensor.create(new long[] {2, 2, 4, 0, 1, 0}, 2, 3);
            float[] t = Tensors.toHeap(TextDecoder.bagOfWordsTarget(tokens, Tensor.create(new float[] {0}, 1), 5));
            assertThat(t).containsExactly(0, 0, 1, 0, 1, /* row 2 */ 1, 1, 0, 0, 0);
        }
    }
}
