package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;
import io.mmfuse.text.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus-level BLEU (Papineni et al. 2002), the variant NLTK's {@code corpus_bleu} computes without
 * smoothing: clipped n-gram matches and hypothesis n-gram counts are summed over the whole corpus
 * before the precisions are taken, the precisions for orders 1..n are combined by a geometric mean
 * with uniform weights, and the brevity penalty uses, per hypothesis, the reference length closest
 * to the hypothesis length (ties go to the shorter reference).
 *
 * <p>Precision at an order with no hypothesis n-grams at all counts as 0, and any zero precision
 * makes the score 0, as in NLTK; BLEU-4 over hypotheses shorter than four tokens is therefore 0.
 *
 * <p>Strings are tokenised with {@link Tokenizer} (lower-case word tokens, punctuation dropped), so
 * "A dog ." and "a dog" are the same caption. The token-level methods compare tokens as given.
 */
public final class Bleu {
    /** BLEU-1 .. BLEU-4. */
    public static final int MAX_ORDER = 4;

    private static final Tokenizer TOKENIZER = new Tokenizer();

    private Bleu() {
    }

    /**
     * Corpus statistics and the scores derived from them.
     *
     * @param matches clipped n-gram matches summed over the corpus, index 0 = unigrams
     * @param totals hypothesis n-grams summed over the corpus, index 0 = unigrams
     * @param hypothesisLength c: total hypothesis tokens
     * @param referenceLength r: sum over hypotheses of the closest reference length
     */
    public record Score(long[] matches, long[] totals, long hypothesisLength, long referenceLength) {
        public Score {
            matches = matches.clone();
            totals = totals.clone();
        }

        /** Modified n-gram precision of one order (1..4); 0 when the corpus has no n-gram of that order. */
        public double precision(int order) {
            checkOrder(order);
            long total = totals[order - 1];
            return total == 0 ? 0.0 : matches[order - 1] / (double) total;
        }

        /** 1 when c &gt; r, else exp(1 - r/c); 0 for an empty corpus (c = 0). */
        public double brevityPenalty() {
            if (hypothesisLength == 0) {
                return 0.0;
            }
            if (hypothesisLength > referenceLength) {
                return 1.0;
            }
            return Math.exp(1.0 - referenceLength / (double) hypothesisLength);
        }

        /** Cumulative BLEU-n: BP * exp(sum_{i=1..n} ln(p_i) / n). */
        public double bleu(int order) {
            checkOrder(order);
            double bp = brevityPenalty();
            if (bp == 0.0) {
                return 0.0;
            }
            double logSum = 0;
            for (int i = 1; i <= order; i++) {
                double p = precision(i);
                if (p == 0.0) {
                    return 0.0;
                }
                logSum += Math.log(p) / order;
            }
            return bp * Math.exp(logSum);
        }

        public double bleu1() {
            return bleu(1);
        }

        public double bleu4() {
            return bleu(4);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Score s && Arrays.equals(matches, s.matches) && Arrays.equals(totals, s.totals)
                    && hypothesisLength == s.hypothesisLength && referenceLength == s.referenceLength;
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(matches) + Arrays.hashCode(totals) + Long.hashCode(hypothesisLength)
                    + 7 * Long.hashCode(referenceLength);
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "BLEU-1 %.4f BLEU-4 %.4f (p %s / %s, c %d, r %d)", bleu1(), bleu4(),
                    Arrays.toString(matches), Arrays.toString(totals), hypothesisLength, referenceLength);
        }

        private static void checkOrder(int order) {
            if (order < 1 || order > MAX_ORDER) {
                throw new InvalidInputException("order", "must be in 1.." + MAX_ORDER + ", got " + order);
            }
        }
    }

    /** The lower-case tokens BLEU compares for a caption (empty for blank or punctuation-only text). */
    public static List<String> tokens(String text) {
        if (text == null) {
            throw new InvalidInputException("text", "must not be null");
        }
        return TOKENIZER.tokenize(text);
    }

    /**
     * BLEU of hypothesis strings against their reference strings, tokenised with {@link #tokens}.
     *
     * @param references for each hypothesis, at least one reference
     */
    public static Score corpus(List<String> hypotheses, List<? extends List<String>> references) {
        checkSizes(hypotheses, references);
        Accumulator acc = new Accumulator();
        for (int i = 0; i < hypotheses.size(); i++) {
            acc.add(hypotheses.get(i), references.get(i), i);
        }
        return acc.score();
    }

    /** BLEU of pre-tokenised hypotheses against pre-tokenised references; tokens are compared as given. */
    public static Score corpusTokens(List<? extends List<String>> hypotheses,
            List<? extends List<? extends List<String>>> references) {
        checkSizes(hypotheses, references);
        Accumulator acc = new Accumulator();
        for (int i = 0; i < hypotheses.size(); i++) {
            acc.addTokens(hypotheses.get(i), references.get(i), i);
        }
        return acc.score();
    }

    private static void checkSizes(List<?> hypotheses, List<?> references) {
        if (hypotheses == null || references == null) {
            throw new InvalidInputException("hypotheses", "hypotheses and references are required");
        }
        if (hypotheses.isEmpty()) {
            throw new InvalidInputException("hypotheses", "no hypothesis given");
        }
        if (hypotheses.size() != references.size()) {
            throw new InvalidInputException("references", references.size() + " reference sets for "
                    + hypotheses.size() + " hypotheses");
        }
    }

    /**
     * Sums corpus statistics one hypothesis at a time, so an evaluation need not keep every
     * caption. Not thread-safe.
     */
    public static final class Accumulator {
        private final long[] matches = new long[MAX_ORDER];
        private final long[] totals = new long[MAX_ORDER];
        private long hypothesisLength;
        private long referenceLength;
        private int count;

        /** Adds one hypothesis string with its reference strings (tokenised with {@link #tokens}). */
        public Accumulator add(String hypothesis, List<String> references) {
            return add(hypothesis, references, count);
        }

        /** Adds one pre-tokenised hypothesis with its pre-tokenised references. */
        public Accumulator addTokens(List<String> hypothesis, List<? extends List<String>> references) {
            return addTokens(hypothesis, references, count);
        }

        private Accumulator add(String hypothesis, List<String> references, int index) {
            if (hypothesis == null) {
                throw new InvalidInputException("hypotheses[" + index + "]", "is null");
            }
            if (references == null) {
                throw new InvalidInputException("references[" + index + "]", "is null");
            }
            List<List<String>> refTokens = new ArrayList<>(references.size());
            for (int j = 0; j < references.size(); j++) {
                String ref = references.get(j);
                if (ref == null) {
                    throw new InvalidInputException("references[" + index + "][" + j + "]", "is null");
                }
                refTokens.add(tokens(ref));
            }
            return addTokens(tokens(hypothesis), refTokens, index);
        }

        private Accumulator addTokens(List<String> hypothesis, List<? extends List<String>> references, int index) {
            if (hypothesis == null) {
                throw new InvalidInputException("hypotheses[" + index + "]", "is null");
            }
            if (references == null || references.isEmpty()) {
                throw new InvalidInputException("references[" + index + "]", "needs at least one reference");
            }
            requireTokens(hypothesis, "hypotheses[" + index + "]");
            for (int j = 0; j < references.size(); j++) {
                requireTokens(references.get(j), "references[" + index + "][" + j + "]");
            }
            for (int n = 1; n <= MAX_ORDER; n++) {
                Map<List<String>, Integer> hyp = ngrams(hypothesis, n);
                Map<List<String>, Integer> maxRef = new HashMap<>();
                for (List<String> ref : references) {
                    ngrams(ref, n).forEach((g, c) -> maxRef.merge(g, c, Math::max));
                }
                long clipped = 0;
                long total = 0;
                for (Map.Entry<List<String>, Integer> e : hyp.entrySet()) {
                    clipped += Math.min(e.getValue(), maxRef.getOrDefault(e.getKey(), 0));
                    total += e.getValue();
                }
                matches[n - 1] += clipped;
                totals[n - 1] += total;
            }
            int c = hypothesis.size();
            hypothesisLength += c;
            referenceLength += closestReferenceLength(c, references);
            count++;
            return this;
        }

        /** Hypotheses added so far. */
        public int count() {
            return count;
        }

        public Score score() {
            return new Score(matches, totals, hypothesisLength, referenceLength);
        }
    }

    private static void requireTokens(List<String> tokens, String name) {
        if (tokens == null) {
            throw new InvalidInputException(name, "is null");
        }
        for (int i = 0; i < tokens.size(); i++) {
            if (tokens.get(i) == null) {
                throw new InvalidInputException(name, "token " + i + " is null");
            }
        }
    }

    /** The reference length nearest to c; of two equally near, the shorter. */
    static int closestReferenceLength(int c, List<? extends List<String>> references) {
        int best = -1;
        for (List<String> ref : references) {
            int r = ref.size();
            if (best < 0 || Math.abs(r - c) < Math.abs(best - c) || (Math.abs(r - c) == Math.abs(best - c) && r < best)) {
                best = r;
            }
        }
        return best;
    }

    private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
        Map<List<String>, Integer> out = new HashMap<>();
        for (int i = 0; i + n <= tokens.size(); i++) {
            out.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
        }
        return out;
    }
}
