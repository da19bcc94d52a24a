package io.mmfuse.caption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mmfuse.InvalidInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

class BleuTest {
    private static final double EPS = 1e-12;

    /**
     * NLTK's corpus_bleu docstring example, token for token (case-sensitive, as NLTK compares).
     *
     * <pre>
     * hyp1 vs {ref1a, ref1b, ref1c}: clipped 1-grams 17/18, 2-grams 10/17, 3-grams 7/16, 4-grams 4/15
     * hyp2 vs {ref2a}:               clipped 1-grams 11/11, 2-grams  9/10, 3-grams 6/9,  4-grams 4/8
     * corpus: p1 = 28/29, p2 = 19/27, p3 = 13/25, p4 = 8/23
     * c = 18 + 11 = 29; closest reference lengths: 18 (of 16, 18, 16) and 11, so r = 29 and BP = 1
     * BLEU-4 = exp((ln 28/29 + ln 19/27 + ln 13/25 + ln 8/23) / 4) = 0.5920778868801042
     * </pre>
     */
    @Test
    void matchesNltkCorpusBleuDocstringExample() {
        List<String> hyp1 = List.of("It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the",
                "military", "always", "obeys", "the", "commands", "of", "the", "party");
        List<String> ref1a = List.of("It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the",
                "military", "will", "forever", "heed", "Party", "commands");
        List<String> ref1b = List.of("It", "is", "the", "guiding", "principle", "which", "guarantees", "the",
                "military", "forces", "always", "being", "under", "the", "command", "of", "the", "Party");
        List<String> ref1c = List.of("It", "is", "the", "practical", "guide", "for", "the", "army", "always", "to",
                "heed", "the", "directions", "of", "the", "party");
        List<String> hyp2 = List.of("he", "read", "the", "book", "because", "he", "was", "interested", "in", "world",
                "history");
        List<String> ref2a = List.of("he", "was", "interested", "in", "world", "history", "because", "he", "read",
                "the", "book");

        Bleu.Score s = Bleu.corpusTokens(List.of(hyp1, hyp2), List.of(List.of(ref1a, ref1b, ref1c), List.of(ref2a)));

        assertThat(s.matches()).containsExactly(28, 19, 13, 8);
        assertThat(s.totals()).containsExactly(29, 27, 25, 23);
        assertThat(s.hypothesisLength()).isEqualTo(29);
        assertThat(s.referenceLength()).isEqualTo(29);
        assertThat(s.bleu4()).isCloseTo(0.5920778868801042, within(1e-9));
        // The same sentences as strings: lower-casing changes nothing here ("party" already matches ref1c).
        Bleu.Score fromStrings = Bleu.corpus(List.of(String.join(" ", hyp1), String.join(" ", hyp2)),
                List.of(List.of(String.join(" ", ref1a), String.join(" ", ref1b), String.join(" ", ref1c)),
                        List.of(String.join(" ", ref2a))));
        assertThat(fromStrings.bleu4()).isCloseTo(0.5920778868801042, within(1e-9));
    }

    /**
     * hyp "the cat sat on the mat" (6 tokens), refs "the cat is on the mat" (6), "there is a cat on the mat" (7).
     * <pre>
     * 1-grams: the x2 (max ref count 2), cat, on, mat match, sat does not   -> 5/6
     * 2-grams: the cat, on the, the mat match; cat sat, sat on do not      -> 3/5
     * 3-grams: only "on the mat" matches of 4                               -> 1/4
     * 4-grams: none of 3                                                    -> 0/3
     * c = 6, closest r = 6, BP = exp(1 - 6/6) = 1
     * BLEU-1 = 5/6; BLEU-2 = sqrt(5/6 * 3/5) = sqrt(1/2); BLEU-3 = cbrt(5/6 * 3/5 * 1/4) = cbrt(1/8) = 1/2; BLEU-4 = 0
     * </pre>
     */
    @Test
    void handComputedSentenceWithTwoReferences() {
        Bleu.Score s = Bleu.corpus(List.of("The cat sat on the mat."),
                List.of(List.of("the cat is on the mat", "there is a cat on the mat")));
        assertThat(s.matches()).containsExactly(5, 3, 1, 0);
        assertThat(s.totals()).containsExactly(6, 5, 4, 3);
        assertThat(s.brevityPenalty()).isEqualTo(1.0);
        assertThat(s.bleu1()).isCloseTo(5.0 / 6, within(EPS));
        assertThat(s.bleu(2)).isCloseTo(Math.sqrt(0.5), within(EPS));
        assertThat(s.bleu(3)).isCloseTo(0.5, within(EPS));
        assertThat(s.bleu4()).isZero();
    }

    /**
     * Clipping (Papineni's example): "the" x7 against a reference with two "the": p1 = 2/7.
     * c = 7 &gt; r = 6, so BP = 1 and BLEU-1 = 2/7.
     */
    @Test
    void clipsRepeatedWordsToTheirReferenceCount() {
        Bleu.Score s = Bleu.corpus(List.of("the the the the the the the"), List.of(List.of("the cat is on the mat")));
        assertThat(s.matches()[0]).isEqualTo(2);
        assertThat(s.bleu1()).isCloseTo(2.0 / 7, within(EPS));
    }

    /**
     * "a dog runs" against "a dog runs fast" (4) and "a big dog runs on grass" (6): closest r = 4.
     * p1 = 3/3, p2 = 2/2, p3 = 1/1, no 4-gram. BP = exp(1 - 4/3) = exp(-1/3).
     */
    @Test
    void brevityPenaltyUsesTheClosestReference() {
        Bleu.Score s = Bleu.corpus(List.of("a dog runs"), List.of(List.of("a dog runs fast", "a big dog runs on grass")));
        assertThat(s.referenceLength()).isEqualTo(4);
        assertThat(s.brevityPenalty()).isCloseTo(Math.exp(-1.0 / 3), within(EPS));
        assertThat(s.bleu1()).isCloseTo(Math.exp(-1.0 / 3), within(EPS));
        assertThat(s.bleu(3)).isCloseTo(Math.exp(-1.0 / 3), within(EPS));
        assertThat(s.bleu4()).as("no 4-gram in the hypothesis").isZero();
    }

    /**
     * Hypothesis of 5 tokens, references of 4 and 6: equally near, the shorter (4) wins, so c = 5 &gt; r = 4
     * and BP = 1 (the longer would give exp(1 - 6/5) = 0.8187). All unigrams occur in the 6-token reference.
     */
    @Test
    void closestReferenceLengthTiesGoToTheShorter() {
        Bleu.Score s = Bleu.corpus(List.of("one two three four five"),
                List.of(List.of("one two three four", "one two three four five six")));
        assertThat(s.referenceLength()).isEqualTo(4);
        assertThat(s.bleu1()).isEqualTo(1.0);
        assertThat(Bleu.closestReferenceLength(5, List.of(List.of("a", "b", "c", "d", "e", "f"), List.of("a", "b", "c", "d"))))
                .isEqualTo(4);
    }

    /**
     * Statistics are summed over the corpus, not averaged per sentence: the two sentences above give
     * p1 = (5 + 3) / (6 + 3) = 8/9, c = 9, r = 6 + 4 = 10, BP = exp(1 - 10/9), BLEU-1 = exp(-1/9) * 8/9.
     */
    @Test
    void sumsStatisticsOverTheCorpus() {
        Bleu.Score s = Bleu.corpus(List.of("the cat sat on the mat", "a dog runs"), List.of(
                List.of("the cat is on the mat", "there is a cat on the mat"),
                List.of("a dog runs fast", "a big dog runs on grass")));
        assertThat(s.bleu1()).isCloseTo(Math.exp(-1.0 / 9) * 8 / 9, within(EPS));
        Bleu.Accumulator acc = new Bleu.Accumulator().add("the cat sat on the mat",
                List.of("the cat is on the mat", "there is a cat on the mat")).add("a dog runs",
                List.of("a dog runs fast", "a big dog runs on grass"));
        assertThat(acc.score()).isEqualTo(s);
        assertThat(acc.count()).isEqualTo(2);
    }

    @Test
    void identicalHypothesisScoresOneWhateverTheCaseAndPunctuation() {
        Bleu.Score s = Bleu.corpus(List.of("A man, riding a bike down the hill."),
                List.of(List.of("a man riding a bike down the hill")));
        for (int n = 1; n <= 4; n++) {
            assertThat(s.bleu(n)).isEqualTo(1.0);
        }
    }

    @Test
    void noMatchingNgramsScoresZero() {
        Bleu.Score s = Bleu.corpus(List.of("zebra quantum violin"), List.of(List.of("a dog runs on the grass")));
        assertThat(s.bleu1()).isZero();
        assertThat(s.bleu4()).isZero();
    }

    /**
     * An empty hypothesis contributes no n-grams but its reference length still counts: with a perfect
     * 6-token second hypothesis, p_n = 1 and BP = exp(1 - (4 + 6)/6) = exp(-2/3).
     */
    @Test
    void emptyHypothesisScoresZeroAndIsPenalisedInACorpus() {
        assertThat(Bleu.corpus(List.of(""), List.of(List.of("a dog"))).bleu1()).isZero();
        assertThat(Bleu.corpus(List.of(" . "), List.of(List.of("a dog"))).bleu4()).isZero();
        Bleu.Score s = Bleu.corpus(List.of("", "a cat sits on a mat"),
                List.of(List.of("a dog runs fast"), List.of("a cat sits on a mat")));
        assertThat(s.bleu4()).isCloseTo(Math.exp(-2.0 / 3), within(EPS));
    }

    @Test
    void rejectsMalformedInput() {
        assertThatThrownBy(() -> Bleu.corpus(List.of(), List.of())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("hypotheses");
        assertThatThrownBy(() -> Bleu.corpus(List.of("a"), List.of())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("references");
        assertThatThrownBy(() -> Bleu.corpus(List.of("a"), List.of(List.of()))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("references[0]");
        assertThatThrownBy(() -> Bleu.corpus(java.util.Arrays.asList("a", null), List.of(List.of("a"), List.of("b"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("hypotheses[1]");
        assertThatThrownBy(() -> Bleu.corpus(List.of("a"), List.of(List.of("a"))).bleu(5))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("order");
    }
}
