package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.text.Tokenizer;
import io.mmfuse.text.Vocabulary;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CaptionEditsTest {
    private static final List<String> CAPTIONS = List.of(
            "a red circle above a blue square",
            "a red circle and a blue square, the red circle is above the blue square",
            "a dog runs to the left of a black car",
            "a yellow cross at the top right",
            "a dog and a dog",
            "two dogs play in the snow");
    private static final Vocabulary VOCAB = Vocabulary.build(CAPTIONS, new Tokenizer(), 1, 100);
    private static final CaptionEdits EDITS = CaptionEdits.of(VOCAB);

    private static int[] ids(String caption) {
        return VOCAB.encode(caption, 64);
    }

    private static String words(int[] ids) {
        return ids == null ? null : Arrays.stream(ids).mapToObj(VOCAB::token).collect(Collectors.joining(" "));
    }

    @Test
    void swapsTheLastTwoNounPhrases() {
        assertThat(words(EDITS.swapLastPhrases(ids("a red circle above a blue square"))))
                .isEqualTo("a blue square above a red circle");
        assertThat(words(EDITS.swapLastPhrases(ids(CAPTIONS.get(1)))))
                .isEqualTo("a red circle and a blue square the blue square is above the red circle");
        assertThat(words(EDITS.swapLastPhrases(ids("a dog runs to the left of a black car"))))
                .as("'the' directly before a closed-class word starts no phrase")
                .isEqualTo("a black car to the left of a dog runs");
    }

    @Test
    void noNegativeWhenSwappingChangesNothing() {
        assertThat(EDITS.swapLastPhrases(ids("a dog and a dog"))).isNull();
        assertThat(EDITS.swapLastPhrases(ids("a red circle"))).isNull();
        assertThat(EDITS.swapLastPhrases(ids("dogs play"))).isNull();
    }

    @Test
    void swappingKeepsTheMultisetOfWordsAndTheLength() {
        for (String c : CAPTIONS) {
            int[] in = ids(c);
            int[] out = EDITS.swapLastPhrases(in);
            if (out != null) {
                assertThat(out).hasSameSizeAs(in);
                assertThat(Arrays.stream(out).sorted().toArray()).containsExactly(Arrays.stream(in).sorted().toArray());
                assertThat(out).isNotEqualTo(in);
            }
        }
    }

    @Test
    void headsAreTheLastWordsOfModifiedPhrasesMostFrequentFirst() {
        List<int[]> corpus = CAPTIONS.stream().map(CaptionEditsTest::ids).toList();
        List<String> heads = Arrays.stream(EDITS.heads(corpus)).mapToObj(VOCAB::token).toList();
        assertThat(heads.subList(0, 2)).containsExactlyInAnyOrder("circle", "square");
        assertThat(heads).contains("car", "cross").doesNotContain("dog", "a", "red", "top");
    }

    @Test
    void replacingAHeadChangesExactlyOneObjectWord() {
        int[] heads = EDITS.heads(CAPTIONS.stream().map(CaptionEditsTest::ids).toList());
        java.util.Random rng = new java.util.Random(3);
        java.util.Set<String> seen = new java.util.HashSet<>();
        int[] in = ids("a red circle above a blue square");
        for (int i = 0; i < 200; i++) {
            int[] out = EDITS.replaceHead(in, heads, rng);
            assertThat(out).hasSameSizeAs(in);
            int changed = 0;
            for (int t = 0; t < in.length; t++) {
                if (out[t] != in[t]) {
                    changed++;
                    assertThat(t).as("only a phrase's last word").isIn(2, 6);
                    assertThat(heads).contains(out[t]);
                }
            }
            assertThat(changed).isEqualTo(1);
            seen.add(words(out));
        }
        assertThat(seen).contains("a red square above a blue square", "a red circle above a blue circle",
                "a red cross above a blue square", "a red circle above a blue car");
        assertThat(in).isEqualTo(ids("a red circle above a blue square")).as("input untouched");
    }

    @Test
    void noReplacementWithoutAModifiedPhraseOrAnAlternative() {
        int[] heads = EDITS.heads(CAPTIONS.stream().map(CaptionEditsTest::ids).toList());
        java.util.Random rng = new java.util.Random(1);
        assertThat(EDITS.replaceHead(ids("a dog and a dog"), heads, rng)).isNull();
        assertThat(EDITS.replaceHead(ids("a red circle"), new int[] {VOCAB.id("circle")}, rng)).isNull();
    }

    @Test
    void mirrorSwapsLeftAndRightOnly() {
        int[] in = ids("a yellow cross at the top right");
        assertThat(words(EDITS.mirror(in))).isEqualTo("a yellow cross at the top left");
        assertThat(words(EDITS.mirror(EDITS.mirror(in)))).isEqualTo("a yellow cross at the top right");
        assertThat(in).isEqualTo(ids("a yellow cross at the top right")).as("input untouched");
        int[] plain = ids("a red circle above a blue square");
        assertThat(EDITS.mirror(plain)).isSameAs(plain);
    }

    @Test
    void vocabularyWithoutTheWordsEditsNothing() {
        Vocabulary v = Vocabulary.build(List.of("dog cat"), new Tokenizer(), 1, 10);
        CaptionEdits e = CaptionEdits.of(v);
        int[] in = v.encode("dog cat", 8);
        assertThat(e.mirrors()).isFalse();
        assertThat(e.mirror(in)).isSameAs(in);
        assertThat(e.swapLastPhrases(in)).isNull();
        assertThat(CaptionEdits.NONE.swapLastPhrases(ids("a red circle above a blue square"))).isNull();
    }
}
