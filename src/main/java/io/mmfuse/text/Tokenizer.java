package io.mmfuse.text;

import io.mmfuse.InvalidInputException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a caption into lower-case word, ideograph and symbol tokens. Stateless and thread-safe.
 *
 * <p>Rules, applied to code points (never to UTF-16 chars) after NFKC normalisation and
 * {@code toLowerCase(Locale.ROOT)}:
 *
 * <ul>
 *   <li>a run of letters and digits (with any combining marks inside it) is one word token;
 *   <li>every Han, Hiragana or Katakana letter is a token of its own, because those scripts do not
 *       separate words with spaces and a per-character vocabulary is the honest fallback;
 *   <li>a symbol (math, currency, modifier, other symbol; this covers emoji) is one token together
 *       with what extends it into one visible glyph: variation selectors and other marks, skin-tone
 *       modifiers, tag characters, ZWJ-joined symbols, and a pair of regional indicators (a flag);
 *   <li>whitespace, punctuation, control and format characters, unassigned code points and lone
 *       surrogates separate tokens and are dropped. So {@code "man's"} gives {@code man}, {@code s}.
 * </ul>
 */
public final class Tokenizer {
    private static final int ZWJ = 0x200D;

    public List<String> tokenize(String text) {
        if (text == null) {
            throw new InvalidInputException("text", "must not be null");
        }
        String s = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        List<String> tokens = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        // True while the last emitted ideograph/symbol token directly precedes the cursor, so that
        // a following combining mark still belongs to it.
        boolean markAttachesToLast = false;
        int i = 0;
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isIdeograph(cp)) {
                flush(word, tokens);
                tokens.add(new String(Character.toChars(cp)));
                markAttachesToLast = true;
                i += Character.charCount(cp);
            } else if (Character.isLetterOrDigit(cp)) {
                word.appendCodePoint(cp);
                markAttachesToLast = false;
                i += Character.charCount(cp);
            } else if (isMark(cp)) {
                if (word.length() > 0) {
                    word.appendCodePoint(cp);
                } else if (markAttachesToLast) {
                    int last = tokens.size() - 1;
                    tokens.set(last, tokens.get(last) + new String(Character.toChars(cp)));
                }
                i += Character.charCount(cp);
            } else if (isSymbol(cp)) {
                flush(word, tokens);
                StringBuilder cluster = new StringBuilder();
                i = readSymbolCluster(s, i, cluster);
                tokens.add(cluster.toString());
                markAttachesToLast = true;
            } else {
                flush(word, tokens);
                markAttachesToLast = false;
                i += Character.charCount(cp);
            }
        }
        flush(word, tokens);
        return tokens;
    }

    /** Appends the symbol at {@code start} and everything that extends it; returns the next index. */
    private static int readSymbolCluster(String s, int start, StringBuilder out) {
        int first = s.codePointAt(start);
        out.appendCodePoint(first);
        int i = start + Character.charCount(first);
        if (isRegionalIndicator(first)) {
            if (i < s.length() && isRegionalIndicator(s.codePointAt(i))) {
                int second = s.codePointAt(i);
                out.appendCodePoint(second);
                i += Character.charCount(second);
            }
            return i;
        }
        while (i < s.length()) {
            int cp = s.codePointAt(i);
            if (isMark(cp) || isEmojiModifier(cp) || isTag(cp)) {
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
            } else if (cp == ZWJ && i + 1 < s.length() && isSymbol(s.codePointAt(i + 1))) {
                int next = s.codePointAt(i + 1);
                out.appendCodePoint(cp).appendCodePoint(next);
                i += 1 + Character.charCount(next);
            } else {
                break;
            }
        }
        return i;
    }

    private static void flush(StringBuilder word, List<String> tokens) {
        if (word.length() > 0) {
            tokens.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isIdeograph(int cp) {
        if (!Character.isLetter(cp)) {
            return false;
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN
                || script == Character.UnicodeScript.HIRAGANA
                || script == Character.UnicodeScript.KATAKANA;
    }

    private static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK
                || type == Character.ENCLOSING_MARK
                || type == Character.COMBINING_SPACING_MARK;
    }

    private static boolean isSymbol(int cp) {
        int type = Character.getType(cp);
        return type == Character.MATH_SYMBOL
                || type == Character.CURRENCY_SYMBOL
                || type == Character.MODIFIER_SYMBOL
                || type == Character.OTHER_SYMBOL;
    }

    private static boolean isRegionalIndicator(int cp) {
        return cp >= 0x1F1E6 && cp <= 0x1F1FF;
    }

    private static boolean isEmojiModifier(int cp) {
        return cp >= 0x1F3FB && cp <= 0x1F3FF;
    }

    /** Tag characters spell subdivision flags such as England after a black flag. */
    private static boolean isTag(int cp) {
        return cp >= 0xE0020 && cp <= 0xE007F;
    }
}
