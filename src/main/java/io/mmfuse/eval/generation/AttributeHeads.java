package io.mmfuse.eval.generation;

import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Shape;

/**
 * The classifier's output layout: seven softmax heads side by side in one logit row, and the
 * mapping between {@link SceneAttributes} and per-head class indices. A head that does not apply
 * to an image (the relation axis of a single object, the region of a pair, slot 1 of a single
 * object) has target {@link #NOT_APPLICABLE} and contributes nothing to the loss.
 */
enum AttributeHeads {
    COUNT(2), AXIS(2), COLOUR0(Colour.values().length), SHAPE0(Shape.values().length),
    COLOUR1(Colour.values().length), SHAPE1(Shape.values().length), REGION(Region.CELLS);

    static final int NOT_APPLICABLE = -1;
    static final AttributeHeads[] ALL = values();
    /** Width of one logit row: the sum of all heads' classes. */
    static final int LOGITS;

    static {
        int offset = 0;
        for (AttributeHeads h : ALL) {
            h.offset = offset;
            offset += h.classes;
        }
        LOGITS = offset;
    }

    final int classes;
    private int offset;

    AttributeHeads(int classes) {
        this.classes = classes;
    }

    int offset() {
        return offset;
    }

    /** One class index per head, in declaration order, {@link #NOT_APPLICABLE} where a head does not apply. */
    static int[] targets(SceneAttributes a) {
        int[] t = new int[ALL.length];
        java.util.Arrays.fill(t, NOT_APPLICABLE);
        t[COUNT.ordinal()] = a.count() - 1;
        t[COLOUR0.ordinal()] = a.slot(0).colour().ordinal();
        t[SHAPE0.ordinal()] = a.slot(0).shape().ordinal();
        if (a.count() == 2) {
            t[AXIS.ordinal()] = a.axis() == RelationAxis.VERTICAL ? 0 : 1;
            t[COLOUR1.ordinal()] = a.slot(1).colour().ordinal();
            t[SHAPE1.ordinal()] = a.slot(1).shape().ordinal();
        } else {
            t[REGION.ordinal()] = a.region().ordinal();
        }
        return t;
    }

    /**
     * Loss weights for one batch, row-major {@code [rows.length, LOGITS]}: for every head that
     * applies to an image, {@code 1 / (images in the batch it applies to)} at the target class and
     * 0 elsewhere. Then {@code -sum(weights * logSoftmaxPerHead(logits))} is the sum over heads of
     * each head's mean cross-entropy over the images it applies to.
     */
    static float[] lossWeights(int[][] targets, int[] rows) {
        float[] w = new float[rows.length * LOGITS];
        for (AttributeHeads h : ALL) {
            int applicable = 0;
            for (int r : rows) {
                if (targets[r][h.ordinal()] != NOT_APPLICABLE) {
                    applicable++;
                }
            }
            for (int i = 0; i < rows.length; i++) {
                int t = targets[rows[i]][h.ordinal()];
                if (t != NOT_APPLICABLE) {
                    w[i * LOGITS + h.offset + t] = 1f / applicable;
                }
            }
        }
        return w;
    }

    /** The attributes a logit row predicts: each head's arg-max, read according to the predicted count. */
    static SceneAttributes decode(float[] logits, int row) {
        int base = row * LOGITS;
        ColourShape first = new ColourShape(Colour.values()[argmax(logits, base, COLOUR0)],
                Shape.values()[argmax(logits, base, SHAPE0)]);
        if (argmax(logits, base, COUNT) == 0) {
            return SceneAttributes.single(first, Region.cell(argmax(logits, base, REGION)));
        }
        RelationAxis axis = argmax(logits, base, AXIS) == 0 ? RelationAxis.VERTICAL : RelationAxis.HORIZONTAL;
        ColourShape second = new ColourShape(Colour.values()[argmax(logits, base, COLOUR1)],
                Shape.values()[argmax(logits, base, SHAPE1)]);
        return SceneAttributes.pair(axis, first, second);
    }

    /** Arg-max within one head; the lowest index wins ties. */
    private static int argmax(float[] logits, int base, AttributeHeads h) {
        int best = 0;
        for (int k = 1; k < h.classes; k++) {
            if (logits[base + h.offset + k] > logits[base + h.offset + best]) {
                best = k;
            }
        }
        return best;
    }
}
