package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ImageDegradationTest {
    @Test
    void lowPassReplacesEach2x2BlockByItsMeanAndLeavesAnOddEdge() {
        // one 3x3 plane after a 2-float prefix that must stay untouched
        float[] buf = {9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        ImageDegradation.lowPass2(buf, 2, 1, 3);
        // block (1, 2, 4, 5) -> 3; last column (3, 6) and last row (7, 8, 9) unchanged
        assertThat(buf).containsExactly(9, 9, 3, 3, 3, 3, 3, 6, 7, 8, 9);
    }

    @Test
    void lowPassRemovesACheckerboardEntirely() {
        int side = 8;
        float[] buf = new float[3 * side * side];
        for (int i = 0; i < buf.length; i++) {
            int y = (i / side) % side;
            int x = i % side;
            buf[i] = (x + y) % 2 == 0 ? 0.5f : -0.5f;
        }
        ImageDegradation.lowPass2(buf, 0, 3, side);
        for (float v : buf) {
            assertThat(v).isEqualTo(0f);
        }
    }

    @Test
    void noiseHasTheAskedSpreadStaysInRangeAndIsSeeded() {
        float[] buf = new float[100_000];
        ImageDegradation.addNoise(buf, 0, buf.length, 0.1, new Random(1));
        double sum = 0;
        double sq = 0;
        for (float v : buf) {
            assertThat(v).isBetween(-1f, 1f);
            sum += v;
            sq += v * v;
        }
        double mean = sum / buf.length;
        assertThat(mean).isCloseTo(0, within(0.003));
        assertThat(Math.sqrt(sq / buf.length - mean * mean)).isCloseTo(0.1, within(0.003));

        float[] edge = new float[1000];
        Arrays.fill(edge, 1f);
        ImageDegradation.addNoise(edge, 0, edge.length, 0.2, new Random(2));
        for (float v : edge) {
            assertThat(v).isLessThanOrEqualTo(1f);
        }

        float[] a = new float[64];
        float[] b = new float[64];
        ImageDegradation.addNoise(a, 0, 64, 0.2, new Random(7));
        ImageDegradation.addNoise(b, 0, 64, 0.2, new Random(7));
        assertThat(a).containsExactly(b);
    }

    @Test
    void degradeChangesOnlyTheGivenImage() {
        int side = 4;
        int f = 3 * side * side;
        Random values = new Random(3);
        float[] buf = new float[3 * f];
        for (int i = 0; i < buf.length; i++) {
            buf[i] = (float) (values.nextDouble() * 2 - 1);
        }
        float[] before = buf.clone();
        ImageDegradation.degrade(buf, f, side, new Random(4));
        assertThat(Arrays.copyOfRange(buf, 0, f)).containsExactly(Arrays.copyOfRange(before, 0, f));
        assertThat(Arrays.copyOfRange(buf, 2 * f, 3 * f)).containsExactly(Arrays.copyOfRange(before, 2 * f, 3 * f));
        assertThat(Arrays.copyOfRange(buf, f, 2 * f)).isNotEqualTo(Arrays.copyOfRange(before, f, 2 * f));
    }
}
