package io.mmfuse.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VocabularyTest {
    private static final List<String> CAPTIONS = List.of(
            "a dog runs on the grass .",
            "a black dog jumps",
            "the cat sleeps",
            "a cat and a dog",
            "   ",
            "zebra");
    private final Tokenizer tokenizer = new Tokenizer();

    @Test
    void specialTokensComeFirstThenCountDescendingThenTokenAscending() {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 1, 100);
        // counts: a=4, dog=3, cat=2, the=2, then singletons in alphabetical order
        assertThat(v.token(0)).isEqualTo(Vocabulary.PAD);
        assertThat(v.token(1)).isEqualTo(Vocabulary.UNK);
        assertThat(List.of(v.token(2), v.token(3), v.token(4), v.token(5))).containsExactly("a", "dog", "cat", "the");
        assertThat(v.token(6)).isEqualTo("and");
        assertThat(v.token(v.size() - 1)).isEqualTo("zebra");
        assertThat(v.id("grass")).isGreaterThan(1);
        assertThat(v.id("unicorn")).isEqualTo(Vocabulary.UNK_ID);
    }

    @Test
    void minCountDropsRareTokens() {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 2, 100);
        assertThat(v.size()).isEqualTo(6);
        assertThat(v.id("zebra")).isEqualTo(Vocabulary.UNK_ID);
        assertThat(v.id("the")).isEqualTo(5);
    }

    @Test
    void maxSizeCapsIncludingSpecials() {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 1, 4);
        assertThat(v.size()).isEqualTo(4);
        assertThat(v.id("a")).isEqualTo(2);
        assertThat(v.id("dog")).isEqualTo(3);
        assertThat(v.id("cat")).isEqualTo(Vocabulary.UNK_ID);
    }

    @Test
    void orderDoesNotDependOnCaptionOrder() {
        List<String> shuffled = new ArrayList<>(CAPTIONS);
        Collections.reverse(shuffled);
        Vocabulary a = Vocabulary.build(CAPTIONS, tokenizer, 1, 100);
        Vocabulary b = Vocabulary.build(shuffled, tokenizer, 1, 100);
        for (int i = 0; i < a.size(); i++) {
            assertThat(b.token(i)).isEqualTo(a.token(i));
        }
    }

    @Test
    void encodeTruncatesMapsUnknownAndPads() {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 1, 100);
        assertThat(v.encode("A dog, a cat!", 10)).containsExactly(v.id("a"), v.id("dog"), v.id("a"), v.id("cat"));
        assertThat(v.encode("a dog a cat", 2)).containsExactly(v.id("a"), v.id("dog"));
        int[] unknown = v.encode("unicorn pegasus", 8);
        assertThat(unknown).containsExactly(Vocabulary.UNK_ID, Vocabulary.UNK_ID);
        assertThat(Vocabulary.isAllUnknown(unknown)).isTrue();
        assertThat(Vocabulary.isAllUnknown(v.encode("a unicorn", 8))).isFalse();
        assertThat(v.encodePadded("the cat", 4)).containsExactly(v.id("the"), v.id("cat"), 0, 0);
    }

    @Test
    void blankCaptionIsRejected() {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 1, 100);
        for (String blank : new String[] {"", "   ", "\t\n", "\u00a0\u3000"}) {
            assertThatThrownBy(() -> v.encode(blank, 5))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("caption: empty or whitespace-only");
        }
        assertThatThrownBy(() -> v.encode(null, 5)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> v.encode("...", 5)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("caption:");
        assertThatThrownBy(() -> v.encode("a dog", 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("maxLen:");
    }

    @Test
    void badBuildArgumentsAreRejected() {
        assertThatThrownBy(() -> Vocabulary.build(CAPTIONS, tokenizer, 0, 10)).hasMessageStartingWith("minCount:");
        assertThatThrownBy(() -> Vocabulary.build(CAPTIONS, tokenizer, 1, 1)).hasMessageStartingWith("maxSize:");
        assertThatThrownBy(() -> Vocabulary.build(java.util.Arrays.asList("a", null), tokenizer, 1, 10))
                .hasMessageStartingWith("captions[1]:");
    }

    @Test
    void documentFrequencyAndSmoothedIdf() {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 2, 100);
        assertThat(v.documentCount()).isEqualTo(5); // the blank caption is not a document
        assertThat(v.documentFrequency(v.id("a"))).isEqualTo(3); // "a" twice in one caption counts once
        assertThat(v.documentFrequency(v.id("dog"))).isEqualTo(3);
        // captions with a dropped token: "runs on the grass", "black jumps", "sleeps", "and", "zebra"
        assertThat(v.documentFrequency(Vocabulary.UNK_ID)).isEqualTo(5);
        float[] idf = v.idf();
        assertThat(idf[Vocabulary.PAD_ID]).isZero();
        assertThat(idf[v.id("a")]).isCloseTo((float) (Math.log(6.0 / 4.0) + 1), org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(idf[v.id("the")]).isGreaterThan(idf[v.id("a")]);
        idf[2] = 99f;
        assertThat(v.idf()[2]).isNotEqualTo(99f);
    }

    @Test
    void saveLoadRoundTrip(@TempDir Path dir) throws Exception {
        Vocabulary v = Vocabulary.build(CAPTIONS, tokenizer, 1, 100);
        Path file = dir.resolve("sub/vocab.json");
        v.save(file);
        v.save(file); // overwriting is fine
        assertThat(Files.list(file.getParent())).containsExactly(file); // no temporary files left
        Vocabulary back = Vocabulary.load(file);
        assertThat(back.size()).isEqualTo(v.size());
        for (int i = 0; i < v.size(); i++) {
            assertThat(back.token(i)).isEqualTo(v.token(i));
            assertThat(back.documentFrequency(i)).isEqualTo(v.documentFrequency(i));
        }
        assertThat(back.idf()).containsExactly(v.idf());
        assertThat(back.documentCount()).isEqualTo(v.documentCount());
        assertThat(back.encode("a black dog", 5)).containsExactly(v.encode("a black dog", 5));
    }

    @Test
    void loadRejectsCorruptFiles(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage.json");
        Files.writeString(garbage, "{not json", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Vocabulary.load(garbage)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("garbage.json");
        Path noSpecials = dir.resolve("nospecials.json");
        Files.writeString(noSpecials, "{\"format\":\"mmfuse-vocabulary\",\"version\":1,\"documentCount\":1,"
                + "\"tokens\":[\"a\",\"b\"],\"documentFrequency\":[1,1],\"idf\":[1.0,1.0]}");
        assertThatThrownBy(() -> Vocabulary.load(noSpecials)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("<pad>");
    }
}
