package io.mmfuse.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private final Tokenizer tokenizer = new Tokenizer();

    @Test
    void englishPunctuationSeparatesAndIsDropped() {
        assertThat(tokenizer.tokenize("A child, in a pink dress -- climbing stairs ."))
                .containsExactly("a", "child", "in", "a", "pink", "dress", "climbing", "stairs");
        assertThat(tokenizer.tokenize("The dog's 2nd ball!")).containsExactly("the", "dog", "s", "2nd", "ball");
    }

    @Test
    void nfkcFoldsCompatibilityForms() {
        // Full-width Latin and the "fi" ligature are compatibility characters.
        assertThat(tokenizer.tokenize("ＤＯＧ ﬁsh")).containsExactly("dog", "fish");
    }

    @Test
    void eachCjkCharacterIsAToken() {
        assertThat(tokenizer.tokenize("一只狗在跑")).containsExactly("一", "只", "狗", "在", "跑");
        assertThat(tokenizer.tokenize("犬がボールを")).containsExactly("犬", "が", "ボ", "ー", "ル", "を");
        assertThat(tokenizer.tokenize("a dog 狗runs")).containsExactly("a", "dog", "狗", "runs");
    }

    @Test
    void emojiAndSymbolsAreSingleTokens() {
        assertThat(tokenizer.tokenize("dog🐶cat $5 1+1")).containsExactly("dog", "🐶", "cat", "$", "5", "1", "+", "1");
    }

    @Test
    void zwjSequencesSkinTonesAndFlagsStayWhole() {
        String family = "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67"; // man ZWJ woman ZWJ girl
        String wave = "\uD83D\uDC4B\uD83C\uDFFD"; // waving hand, medium skin tone
        String flags = "\uD83C\uDDEB\uD83C\uDDF7\uD83C\uDDE9\uD83C\uDDEA"; // FR DE
        assertThat(tokenizer.tokenize("a " + family + " " + wave + flags))
                .containsExactly("a", family, wave, "\uD83C\uDDEB\uD83C\uDDF7", "\uD83C\uDDE9\uD83C\uDDEA");
    }

    @Test
    void combiningMarksStayInsideWords() {
        // "cafe" + combining acute composes to "café" under NFKC.
        assertThat(tokenizer.tokenize("Cafe\u0301 open")).containsExactly("caf\u00e9", "open");
        // Devanagari vowel signs are combining marks.
        assertThat(tokenizer.tokenize("हिन्दी भाषा")).containsExactly("हिन्दी", "भाषा");
        // A leading stray mark has nothing to attach to and is dropped.
        assertThat(tokenizer.tokenize("\u0301dog")).containsExactly("dog");
    }

    @Test
    void loneSurrogatesAndControlsAreSeparators() {
        assertThat(tokenizer.tokenize("dog\uD800cat\uDC00 \u0000bird\u200B")).containsExactly("dog", "cat", "bird");
    }

    @Test
    void blankAndPunctuationOnlyGiveNoTokens() {
        assertThat(tokenizer.tokenize("")).isEmpty();
        assertThat(tokenizer.tokenize(" \t\u00a0\u3000 ")).isEmpty();
        assertThat(tokenizer.tokenize("... !!! ,")).isEmpty();
    }

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> tokenizer.tokenize(null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("text");
    }

    @Test
    void randomCodeUnitsNeverCrash() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int round = 0; round < 2000; round++) {
            char[] chars = new char[rnd.nextInt(1, 24)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = (char) rnd.nextInt(0, 0x10000);
            }
            for (String token : tokenizer.tokenize(new String(chars))) {
                assertThat(token).isNotEmpty();
            }
        }
    }
}
