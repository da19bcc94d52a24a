package io.mmfuse.caption;

import java.util.Arrays;
import java.util.List;

/**
 * A caption produced by the decoder.
 *
 * @param text the words joined by single spaces
 * @param words the generated words ({@code <eos>} excluded)
 * @param ids the generated ids, ending with {@link CaptionVocabulary#EOS} when {@code complete}
 * @param logProb sum of the log-probabilities of {@code ids}
 * @param score {@code logProb / ids.length}: the length-normalised log-probability beam search ranks by
 * @param complete the decoder ended the caption itself; false when it was cut at the maximum length
 */
public record GeneratedCaption(String text, List<String> words, int[] ids, double logProb, double score,
        boolean complete) {
    public GeneratedCaption {
        words = List.copyOf(words);
        ids = ids.clone();
    }

    @Override
    public int[] ids() {
        return ids.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GeneratedCaption g && text.equals(g.text) && words.equals(g.words)
                && Arrays.equals(ids, g.ids) && Double.compare(logProb, g.logProb) == 0
                && Double.compare(score, g.score) == 0 && complete == g.complete;
    }

    @Override
    public int hashCode() {
        return text.hashCode() * 31 + Arrays.hashCode(ids);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "\"%s\" (score %.4f, log p %.4f%s)", text, score, logProb,
                complete ? "" : ", cut at max length");
    }
}
