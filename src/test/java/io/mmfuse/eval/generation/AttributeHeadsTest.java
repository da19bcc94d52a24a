package io.mmfuse.eval.generation;

import static io.mmfuse.eval.generation.Scenes.cs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.model.Tensors;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.junit.jupiter.api.Test;

class AttributeHeadsTest {
    private static final List<SceneAttributes> EXAMPLES = List.of(
            SceneAttributes.single(cs(Colour.WHITE, Shape.CROSS), Region.BOTTOM_RIGHT),
            SceneAttributes.pair(RelationAxis.HORIZONTAL, cs(Colour.RED, Shape.CIRCLE), cs(Colour.BLUE, Shape.TRIANGLE)),
            SceneAttributes.single(cs(Colour.GREEN, Shape.SQUARE), Region.TOP_LEFT),
            SceneAttributes.pair(RelationAxis.VERTICAL, cs(Colour.ORANGE, Shape.SQUARE), cs(Colour.PURPLE, Shape.CROSS)));

    @Test
    void logitsPeakingAtTheTargetsDecodeBackToTheAttributes() {
        float[] logits = new float[EXAMPLES.size() * AttributeHeads.LOGITS];
        for (int i = 0; i < EXAMPLES.size(); i++) {
            int[] t = AttributeHeads.targets(EXAMPLES.get(i));
            for (AttributeHeads h : AttributeHeads.ALL) {
                if (t[h.ordinal()] != AttributeHeads.NOT_APPLICABLE) {
                    logits[i * AttributeHeads.LOGITS + h.offset() + t[h.ordinal()]] = 5f;
                }
            }
        }
        for (int i = 0; i < EXAMPLES.size(); i++) {
            assertThat(AttributeHeads.decode(logits, i)).isEqualTo(EXAMPLES.get(i));
        }
        assertThat(AttributeHeads.LOGITS).isEqualTo(2 + 2 + 7 + 4 + 7 + 4 + 9);
    }

    @Test
    void headsThatDoNotApplyHaveNoTarget() {
        int[] single = AttributeHeads.targets(EXAMPLES.get(0));
        int[] pair = AttributeHeads.targets(EXAMPLES.get(1));

        assertThat(single[AttributeHeads.AXIS.ordinal()]).isEqualTo(AttributeHeads.NOT_APPLICABLE);
        assertThat(single[AttributeHeads.COLOUR1.ordinal()]).isEqualTo(AttributeHeads.NOT_APPLICABLE);
        assertThat(single[AttributeHeads.REGION.ordinal()]).isEqualTo(Region.BOTTOM_RIGHT.ordinal());
        assertThat(pair[AttributeHeads.REGION.ordinal()]).isEqualTo(AttributeHeads.NOT_APPLICABLE);
        assertThat(pair[AttributeHeads.SHAPE1.ordinal()]).isEqualTo(Shape.TRIANGLE.ordinal());
    }

    /** The weighted log-softmax equals the sum over heads of a mean cross-entropy over the images each head applies to. */
    @Test
    void maskedCrossEntropyMatchesAHandComputedLoss() {
        int n = EXAMPLES.size();
        int[][] targets = new int[n][];
        for (int i = 0; i < n; i++) {
            targets[i] = AttributeHeads.targets(EXAMPLES.get(i));
        }
        float[] logits = new float[n * AttributeHeads.LOGITS];
        Random rnd = new Random(3);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (2 * rnd.nextGaussian());
        }
        int[] rows = {0, 1, 2, 3};

        double expected = 0;
        for (AttributeHeads h : AttributeHeads.ALL) {
            double sum = 0;
            int applicable = 0;
            for (int i = 0; i < n; i++) {
                int t = targets[i][h.ordinal()];
                if (t == AttributeHeads.NOT_APPLICABLE) {
                    continue;
                }
                int base = i * AttributeHeads.LOGITS + h.offset();
                double z = 0;
                for (int k = 0; k < h.classes; k++) {
                    z += Math.exp(logits[base + k]);
                }
                sum += Math.log(z) - logits[base + t];
                applicable++;
            }
            expected += sum / applicable;
        }

        double actual;
        try (PointerScope scope = new PointerScope()) {
            Device cpu = new Device("cpu");
            actual = AttributeClassifierTrainer.maskedCrossEntropy(
                    Tensors.floats(logits, cpu, n, AttributeHeads.LOGITS),
                    Tensors.floats(AttributeHeads.lossWeights(targets, rows), cpu, n, AttributeHeads.LOGITS)).item_float();
        }
        assertThat(actual).isCloseTo(expected, within(1e-4 * expected));
    }
}
