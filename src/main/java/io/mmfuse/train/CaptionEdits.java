package io.mmfuse.train;

import io.mmfuse.text.Vocabulary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Word-level edits of tokenised captions that training needs, resolved once against a vocabulary.
 *
 * <ul>
 *   <li>{@link #mirror}: a horizontally flipped image no longer shows "a dog to the left of a
 *       car"; swapping "left" and "right" keeps the pair true, as is usual for flip augmentation
 *       with spatial captions. Without it a contrastive model learns that left and right are
 *       interchangeable.</li>
 *   <li>{@link #swapLastPhrases}: a word-order hard negative in the manner of NegCLIP
 *       (Yuksekgonul et al., 2023): the last two noun phrases trade places, so "a red circle
 *       above a blue square" becomes "a blue square above a red circle", the same words
 *       describing a different picture. In-batch negatives almost never differ from a caption
 *       in order alone, which is why a contrastive text tower otherwise ignores order.</li>
 *   <li>{@link #replaceHead}: an object-replacement hard negative (SugarCrepe's REPLACE-OBJ,
 *       Hsieh et al., 2023): the head noun of one modified noun phrase becomes another head noun
 *       of the corpus, so "a red circle above a blue square" becomes "a red triangle above a blue
 *       square". Random in-batch mismatches differ in colour or place as well, so a model can
 *       reject them without ever looking at the object.</li>
 * </ul>
 *
 * <p>Noun phrases are found without a tagger: a phrase starts at a determiner ("a", "an", "the",
 * ...) and runs over at most {@value #MAX_PHRASE_WORDS} further words, stopping before the next
 * determiner or closed-class word (prepositions, conjunctions, forms of "be"). The last two
 * phrases are the ones swapped because descriptions that restate a relation ("a red circle and a
 * blue square, the red circle is above the blue square") put the relation last.
 */
public final class CaptionEdits {
    static final int MAX_PHRASE_WORDS = 3;
    private static final List<String> DETERMINERS = List.of("a", "an", "the", "another", "two", "three", "some");
    private static final List<String> CLOSED_CLASS = List.of("above", "below", "under", "over", "beneath",
            "behind", "beside", "near", "next", "left", "right", "of", "to", "in", "on", "at", "with", "by",
            "from", "into", "onto", "through", "across", "around", "while", "and", "or", "but", "is", "are",
            "was", "were", "has", "have", "that", "which", "who");

    /** No edits: mirror and swap leave every caption as it is. */
    public static final CaptionEdits NONE = new CaptionEdits(Set.of(), Set.of(), 0, 0);

    private final Set<Integer> determiners;
    private final Set<Integer> stops;
    private final int left;
    private final int right;

    private CaptionEdits(Set<Integer> determiners, Set<Integer> stops, int left, int right) {
        this.determiners = determiners;
        this.stops = stops;
        this.left = left;
        this.right = right;
    }

    /** The edits for captions encoded with {@code vocabulary}; words it lacks are simply never edited. */
    public static CaptionEdits of(Vocabulary vocabulary) {
        return new CaptionEdits(known(vocabulary, DETERMINERS), known(vocabulary, CLOSED_CLASS),
                known(vocabulary, "left"), known(vocabulary, "right"));
    }

    private static Set<Integer> known(Vocabulary v, List<String> words) {
        Set<Integer> ids = new HashSet<>();
        for (String w : words) {
            int id = known(v, w);
            if (id > 0) {
                ids.add(id);
            }
        }
        return Set.copyOf(ids);
    }

    /** The word's id, or 0 when the vocabulary maps it to unknown. */
    private static int known(Vocabulary v, String word) {
        int id = v.id(word);
        return id == Vocabulary.UNK_ID ? 0 : id;
    }

    /** True when {@link #mirror} changes anything, i.e. both "left" and "right" are in the vocabulary. */
    public boolean mirrors() {
        return left > 0 && right > 0;
    }

    /** The caption of the mirrored image: "left" and "right" swapped; the input itself when neither occurs. */
    public int[] mirror(int[] tokens) {
        if (!mirrors()) {
            return tokens;
        }
        int[] out = null;
        for (int i = 0; i < tokens.length; i++) {
            int t = tokens[i];
            if (t == left || t == right) {
                if (out == null) {
                    out = tokens.clone();
                }
                out[i] = t == left ? right : left;
            }
        }
        return out == null ? tokens : out;
    }

    /**
     * The caption with its last two noun phrases swapped, or null when it has fewer than two or
     * swapping changes nothing (two identical phrases).
     */
    public int[] swapLastPhrases(int[] tokens) {
        List<int[]> phrases = phrases(tokens);
        if (phrases.size() < 2) {
            return null;
        }
        int[] a = phrases.get(phrases.size() - 2);
        int[] b = phrases.get(phrases.size() - 1);
        int[] first = Arrays.copyOfRange(tokens, a[0], a[1]);
        int[] second = Arrays.copyOfRange(tokens, b[0], b[1]);
        if (Arrays.equals(first, second)) {
            return null;
        }
        int[] out = new int[tokens.length];
        int o = 0;
        o = copy(tokens, 0, a[0], out, o);
        o = copy(second, 0, second.length, out, o);
        o = copy(tokens, a[1], b[0], out, o);
        o = copy(first, 0, first.length, out, o);
        copy(tokens, b[1], tokens.length, out, o);
        return out;
    }

    /**
     * Head nouns to replace with: the last word of every noun phrase in {@code captions} that has a
     * modifier between determiner and head ("a red circle", not "an image"), most frequent first.
     */
    public int[] heads(List<int[]> captions) {
        Map<Integer, Integer> counts = new HashMap<>();
        for (int[] tokens : captions) {
            for (int[] p : phrases(tokens)) {
                if (p[1] - p[0] >= 3) {
                    counts.merge(tokens[p[1] - 1], 1, Integer::sum);
                }
            }
        }
        return counts.entrySet().stream()
                .sorted(Map.Entry.<Integer, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .mapToInt(Map.Entry::getKey).toArray();
    }

    /**
     * The caption with the head of one of its modified noun phrases (picked by {@code rng}) replaced
     * by another of {@code heads} (uniformly, so rare objects are asked about as often as common
     * ones), or null when the caption has no such phrase or no other head exists.
     */
    public int[] replaceHead(int[] tokens, int[] heads, Random rng) {
        List<int[]> modified = new ArrayList<>();
        for (int[] p : phrases(tokens)) {
            if (p[1] - p[0] >= 3) {
                modified.add(p);
            }
        }
        if (modified.isEmpty() || heads.length < 2) {
            return null;
        }
        int at = modified.get(rng.nextInt(modified.size()))[1] - 1;
        int replacement = heads[rng.nextInt(heads.length)];
        while (replacement == tokens[at]) {
            replacement = heads[rng.nextInt(heads.length)];
        }
        int[] out = tokens.clone();
        out[at] = replacement;
        return out;
    }

    /** [start, end) of every noun phrase, in order. */
    List<int[]> phrases(int[] tokens) {
        List<int[]> out = new ArrayList<>();
        int i = 0;
        while (i < tokens.length) {
            if (!determiners.contains(tokens[i])) {
                i++;
                continue;
            }
            int end = i + 1;
            while (end < tokens.length && end - i <= MAX_PHRASE_WORDS && tokens[end] != Vocabulary.PAD_ID
                    && !determiners.contains(tokens[end]) && !stops.contains(tokens[end])) {
                end++;
            }
            if (end > i + 1) {
                out.add(new int[] {i, end});
            }
            i = end;
        }
        return out;
    }

    private static int copy(int[] src, int from, int to, int[] dst, int at) {
        System.arraycopy(src, from, dst, at, to - from);
        return at + to - from;
    }
}
