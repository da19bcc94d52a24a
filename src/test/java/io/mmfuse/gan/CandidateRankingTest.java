package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.search.FloatMatrix;
import org.junit.jupiter.api.Test;

class CandidateRankingTest {
    /** Image i is a 2-float "image" holding {i, -i}, so the output names the candidates kept. */
    private static float[] numbered(int n) {
        float[] images = new float[2 * n];
        for (int i = 0; i < n; i++) {
            images[2 * i] = i;
            images[2 * i + 1] = -i;
        }
        return images;
    }

    @Test
    void keepsTheCandidateClosestToItsOwnPromptInEveryGroup() {
        // 2 prompts x 2 samples x 3 candidates; prompt 0 points along x, prompt 1 along y
        float[] text = {1, 0, 0, 1};
        FloatMatrix e = FloatMatrix.of(new float[][] {
                {0, 1}, {0.6f, 0.8f}, {1, 0},        // prompt 0, sample 0: candidate 2
                {0.8f, 0.6f}, {0, 1}, {0.6f, 0.8f},  // prompt 0, sample 1: candidate 0
                {1, 0}, {0.8f, 0.6f}, {0, 1},        // prompt 1, sample 0: candidate 2
                {1, 0}, {0, 1}, {0.6f, 0.8f}});      // prompt 1, sample 1: candidate 1
        float[] kept = CandidateRanking.best(numbered(12), e, text, 2, 2, 3);
        assertThat(kept).containsExactly(2, -2, 3, -3, 8, -8, 10, -10);
    }

    @Test
    void tiesKeepTheFirstCandidateAndOneCandidateKeepsEverything() {
        float[] text = {1, 0};
        FloatMatrix same = FloatMatrix.of(new float[][] {{0.6f, 0.8f}, {0.6f, 0.8f}});
        assertThat(CandidateRanking.best(numbered(2), same, text, 1, 1, 2)).containsExactly(0, 0);
        FloatMatrix two = FloatMatrix.of(new float[][] {{0, 1}, {1, 0}});
        assertThat(CandidateRanking.best(numbered(2), two, text, 1, 2, 1)).containsExactly(numbered(2));
    }
}
