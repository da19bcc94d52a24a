package io.mmfuse.caption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CaptionVocabularyTest {
    private static final List<String> CAPTIONS = List.of("A dog runs.", "a dog sits", "the dog runs", "a cat");

    @Test
    void specialTokensComeFirstThenWordsByCount() {
        CaptionVocabulary v = CaptionVocabulary.build(CAPTIONS, 2, 100);
        // counts: dog 3, a 3, runs 2; cat, sits, the once (dropped at min count 2); ties by token
        assertThat(v.size()).isEqualTo(4 + 3);
        assertThat(v.token(CaptionVocabulary.PAD)).isEqualTo("<pad>");
        assertThat(v.token(CaptionVocabulary.UNK)).isEqualTo("<unk>");
        assertThat(v.token(CaptionVocabulary.BOS)).isEqualTo("<bos>");
        assertThat(v.token(CaptionVocabulary.EOS)).isEqualTo("<eos>");
        assertThat(v.token(4)).isEqualTo("a");
        assertThat(v.token(5)).isEqualTo("dog");
        assertThat(v.token(6)).isEqualTo("runs");
        assertThat(v.id("cat")).isEqualTo(CaptionVocabulary.UNK);
        assertThat(v.id("<eos>")).as("special tokens are not words").isEqualTo(CaptionVocabulary.UNK);
    }

    @Test
    void encodesAndDecodes() {
        CaptionVocabulary v = CaptionVocabulary.build(CAPTIONS, 2, 100);
        assertThat(v.encode("A dog, the cat runs!", 20)).containsExactly(4, 5, 1, 1, 6);
        assertThat(v.encode("a dog runs", 2)).containsExactly(4, 5);
        assertThat(v.decode(new int[] {2, 4, 5, 6, 3, 5})).isEqualTo("a dog runs");
        assertThat(v.decode(new int[] {4, 1, 0})).isEqualTo("a <unk>");
        assertThatThrownBy(() -> v.encode(" ... ", 5)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("caption");
    }

    @Test
    void maxSizeCountsTheSpecialTokens() {
        assertThat(CaptionVocabulary.build(CAPTIONS, 1, 6).size()).isEqualTo(6);
        assertThatThrownBy(() -> CaptionVocabulary.build(CAPTIONS, 1, 4)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("maxSize");
        assertThatThrownBy(() -> CaptionVocabulary.build(CAPTIONS, 10, 100)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("captions");
    }

    @Test
    void jsonRoundTripAndRejection() {
        CaptionVocabulary v = CaptionVocabulary.build(CAPTIONS, 1, 100);
        assertThat(CaptionVocabulary.fromJson("v.json", v.toJson())).isEqualTo(v);
        assertThatThrownBy(() -> CaptionVocabulary.fromJson("v.json", "{".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("v.json");
        byte[] otherVersion = new String(v.toJson(), StandardCharsets.UTF_8).replace("\"version\" : 1", "\"version\" : 9")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CaptionVocabulary.fromJson("v.json", otherVersion))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("version 9");
        byte[] noSpecials = "{\"format\":\"mmfuse-caption-vocabulary\",\"version\":1,\"tokens\":[\"a\",\"b\"]}"
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CaptionVocabulary.fromJson("v.json", noSpecials))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("special");
    }
}
