package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EpochPlanTest {
    private static int[] fivePerImage(int images) {
        int[] captionImage = new int[images * 5];
        for (int c = 0; c < captionImage.length; c++) {
            captionImage[c] = c / 5;
        }
        return captionImage;
    }

    @Test
    void everyCaptionOnceAndNoImageTwiceInABatch() {
        int[] captionImage = fivePerImage(200);
        List<int[]> batches = EpochPlan.batches(captionImage, 32, new Random(1));
        int[] seen = new int[captionImage.length];
        int repeats = 0;
        for (int[] batch : batches) {
            Set<Integer> images = new HashSet<>();
            for (int c : batch) {
                seen[c]++;
                if (!images.add(captionImage[c])) {
                    repeats++;
                }
            }
        }
        assertThat(seen).containsOnly(1);
        assertThat(repeats).isZero();
        assertThat(batches.subList(0, batches.size() - 1)).allMatch(b -> b.length == 32);
    }

    @Test
    void unavoidableRepeatsStillTrainAndSinglesAreDropped() {
        int[] captionImage = {0, 0, 0, 0, 1};
        List<int[]> batches = EpochPlan.batches(captionImage, 4, new Random(2));
        int total = batches.stream().mapToInt(b -> b.length).sum();
        assertThat(total).isGreaterThanOrEqualTo(captionImage.length - 1);
        assertThat(batches).allMatch(b -> b.length >= 2);
    }

    @Test
    void sameSeedSamePlanDifferentSeedDifferentPlan() {
        int[] captionImage = fivePerImage(50);
        List<int[]> a = EpochPlan.batches(captionImage, 16, new Random(7));
        List<int[]> b = EpochPlan.batches(captionImage, 16, new Random(7));
        List<int[]> c = EpochPlan.batches(captionImage, 16, new Random(8));
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(a.get(i)).containsExactly(b.get(i));
        }
        assertThat(Arrays.equals(a.get(0), c.get(0))).isFalse();
    }
}
