package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatentRefinementTest {
    @Test
    void aStepTurnsEachRowTowardsItsGradientAndKeepsItsLength() {
        int dim = 40;
        Random r = new Random(3);
        float[] rows = new float[2 * dim];
        float[] grad = new float[2 * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) r.nextGaussian();
            grad[i] = (float) r.nextGaussian() * (i < dim ? 1e-3f : 50f); // the gradient's scale does not matter
        }
        float[] before = rows.clone();
        float[] norms = {norm(rows, 0, dim), norm(rows, 1, dim)};
        LatentRefinement.ascend(rows, grad, norms, dim);
        for (int i = 0; i < 2; i++) {
            assertThat(norm(rows, i, dim)).as("row %d keeps its length", i).isCloseTo(norms[i], offset(1e-4f));
            double turned = Math.acos(dot(rows, before, i, dim) / (norms[i] * norms[i]));
            assertThat(turned).as("row %d turns by about STEP radians", i)
                    .isBetween(0.5 * LatentRefinement.STEP, LatentRefinement.STEP * 1.01);
            assertThat(dot(rows, grad, i, dim)).as("row %d moved uphill", i).isGreaterThan(dot(before, grad, i, dim));
        }
    }

    @Test
    void aRowWithoutGradientOrLengthStaysWhereItIs() {
        float[] rows = {1, 2, 0, 0};
        float[] grad = {0, 0, 5, 5};
        LatentRefinement.ascend(rows, grad, new float[] {(float) Math.sqrt(5), 0}, 2);
        assertThat(rows).containsExactly(1, 2, 0, 0);
    }

    private static float norm(float[] rows, int row, int dim) {
        return (float) Math.sqrt(dot(rows, rows, row, dim));
    }

    private static double dot(float[] a, float[] b, int row, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) a[row * dim + d] * b[row * dim + d];
        }
        return s;
    }
}
