package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import java.util.List;
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

    @Test
    void severalRankersVoteWithStandardisedScoresSoAWideSpreadDoesNotOutvoteTheOthers() {
        // one group of 3 candidates; A spreads wide and prefers 0 a little over 2; B spreads narrow and ranks 2 far first
        double[] a = {10.0, -20.0, 9.0};
        double[] b = {0.10, 0.11, 0.30};
        assertThat(CandidateRanking.best(numbered(3), List.of(a), 1, 1, 3)).as("A alone").containsExactly(0, 0);
        assertThat(CandidateRanking.best(numbered(3), List.of(b), 1, 1, 3)).as("B alone").containsExactly(2, -2);
        // raw sums would keep 0 (10.1 against 9.3); standardised, A's 0 and 2 are nearly level and B decides
        assertThat(CandidateRanking.best(numbered(3), List.of(a, b), 1, 1, 3)).containsExactly(2, -2);
        // a ranker that cannot tell the candidates apart changes nothing
        assertThat(CandidateRanking.best(numbered(3), List.of(a, new double[] {0.5, 0.5, 0.5}), 1, 1, 3))
                .containsExactly(0, 0);
    }

    @Test
    void oneRankersCosinesPickAsTheEmbeddingOverloadDoes() {
        float[] text = {1, 0, 0, 1};
        FloatMatrix e = FloatMatrix.of(new float[][] {{0, 1}, {0.6f, 0.8f}, {1, 0}, {0.8f, 0.6f}});
        assertThat(CandidateRanking.cosines(e, text, 2)).containsExactly(0, 0.6f, 0, 0.6f);
        assertThat(CandidateRanking.best(numbered(4), List.of(CandidateRanking.cosines(e, text, 2)), 2, 1, 2))
                .containsExactly(CandidateRanking.best(numbered(4), e, text, 2, 1, 2));
    }

    @Test
    void scoresThatDoNotFitTheImagesAreRejectedByName() {
        assertThatThrownBy(() -> CandidateRanking.best(numbered(4), List.of(), 1, 2, 2))
                .isInstanceOfSatisfying(InvalidInputException.class, x -> assertThat(x.input()).isEqualTo("scores"));
        assertThatThrownBy(() -> CandidateRanking.best(numbered(4), List.of(new double[4], new double[3]), 1, 2, 2))
                .isInstanceOfSatisfying(InvalidInputException.class, x -> assertThat(x.input()).isEqualTo("scores[1]"));
        assertThatThrownBy(() -> CandidateRanking.best(new float[7], List.of(new double[4]), 1, 2, 2))
                .isInstanceOfSatisfying(InvalidInputException.class, x -> assertThat(x.input()).isEqualTo("images"));
    }
}
