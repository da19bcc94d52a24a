package io.mmfuse.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Token &lt;-&gt; id mapping with document frequencies, immutable and thread-safe.
 *
 * <p>Ids 0 and 1 are {@value #PAD} and {@value #UNK}; the other tokens follow by corpus count
 * descending, ties broken by token ascending, so the same captions always give the same ids.
 * Each caption counts as one document for {@link #documentFrequency(int)} and {@link #idf()}.
 */
public final class Vocabulary {
    public static final String PAD = "<pad>";
    public static final String UNK = "<unk>";
    public static final int PAD_ID = 0;
    public static final int UNK_ID = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final int documentCount;
    private final int[] documentFrequency;
    private final float[] idf;
    private final Tokenizer tokenizer;

    private Vocabulary(List<String> tokens, int documentCount, int[] documentFrequency, float[] idf,
            Tokenizer tokenizer) {
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
        this.documentCount = documentCount;
        this.documentFrequency = documentFrequency;
        this.idf = idf;
        this.tokenizer = tokenizer;
    }

    /**
     * Builds a vocabulary from captions. Captions without tokens (blank, punctuation only) are
     * skipped and do not count as documents. The document frequency of {@value #UNK} is the number
     * of captions with at least one token that was not kept.
     *
     * @param minCount a token is kept only if it occurs at least this often in the corpus (&gt;= 1)
     * @param maxSize the largest {@link #size()}, the two special tokens included (&gt;= 2); the
     *     most frequent tokens win
     */
    public static Vocabulary build(Iterable<String> captions, Tokenizer tokenizer, int minCount, int maxSize) {
        if (captions == null) {
            throw new InvalidInputException("captions", "must not be null");
        }
        if (tokenizer == null) {
            throw new InvalidInputException("tokenizer", "must not be null");
        }
        if (minCount < 1) {
            throw new InvalidInputException("minCount", "must be >= 1, was " + minCount);
        }
        if (maxSize < 2) {
            throw new InvalidInputException("maxSize", "must be >= 2 (room for <pad> and <unk>), was " + maxSize);
        }
        Map<String, Integer> counts = new HashMap<>();
        Map<String, Integer> docCounts = new HashMap<>();
        List<Set<String>> documents = new ArrayList<>();
        int index = 0;
        for (String caption : captions) {
            if (caption == null) {
                throw new InvalidInputException("captions[" + index + "]", "must not be null");
            }
            index++;
            List<String> toks = tokenizer.tokenize(caption);
            if (toks.isEmpty()) {
                continue;
            }
            Set<String> distinct = new HashSet<>(toks);
            documents.add(distinct);
            toks.forEach(t -> counts.merge(t, 1, Integer::sum));
            distinct.forEach(t -> docCounts.merge(t, 1, Integer::sum));
        }
        List<String> kept = counts.entrySet().stream()
                .filter(e -> e.getValue() >= minCount && !e.getKey().equals(PAD) && !e.getKey().equals(UNK))
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder())))
                .limit(maxSize - 2L)
                .map(Map.Entry::getKey)
                .toList();

        List<String> all = new ArrayList<>(kept.size() + 2);
        all.add(PAD);
        all.add(UNK);
        all.addAll(kept);
        Set<String> keptSet = new HashSet<>(kept);
        int[] df = new int[all.size()];
        df[UNK_ID] = (int) documents.stream().filter(d -> !keptSet.containsAll(d)).count();
        for (int i = 2; i < all.size(); i++) {
            df[i] = docCounts.get(all.get(i));
        }
        return new Vocabulary(all, documents.size(), df, smoothedIdf(documents.size(), df), tokenizer);
    }

    /**
     * Smoothed idf as in scikit-learn: {@code ln((1 + N) / (1 + df)) + 1}, so a token in every
     * document still weighs 1 and none divides by zero. {@value #PAD} gets 0 so padding never counts.
     */
    private static float[] smoothedIdf(int documentCount, int[] df) {
        float[] idf = new float[df.length];
        for (int i = 1; i < df.length; i++) {
            idf[i] = (float) (Math.log((1.0 + documentCount) / (1.0 + df[i])) + 1.0);
        }
        idf[PAD_ID] = 0f;
        return idf;
    }

    public int size() {
        return tokens.size();
    }

    /** The id of {@code token}, or {@link #UNK_ID} when it is not in the vocabulary. */
    public int id(String token) {
        return ids.getOrDefault(token, UNK_ID);
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new InvalidInputException("id", "must be in [0, " + tokens.size() + "), was " + id);
        }
        return tokens.get(id);
    }

    /**
     * Tokenises and maps a caption to ids, without padding.
     *
     * <p>Longer captions are truncated to their first {@code maxLen} tokens. Tokens outside the
     * vocabulary map to {@link #UNK_ID}, even when that is every token: whether an all-unknown
     * caption is usable is the caller's decision (see {@link #isAllUnknown(int[])}).
     *
     * @throws InvalidInputException ("caption") when the caption is null, empty or whitespace-only,
     *     or has no token at all (only punctuation or control characters); ("maxLen") when &lt; 1
     */
    public int[] encode(String caption, int maxLen) {
        if (maxLen < 1) {
            throw new InvalidInputException("maxLen", "must be >= 1, was " + maxLen);
        }
        if (caption == null || isWhitespaceOnly(caption)) {
            throw new InvalidInputException("caption", "empty or whitespace-only");
        }
        List<String> toks = tokenizer.tokenize(caption);
        if (toks.isEmpty()) {
            throw new InvalidInputException("caption", "has no words or symbols, only punctuation or control characters");
        }
        int n = Math.min(toks.size(), maxLen);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = id(toks.get(i));
        }
        return out;
    }

    /** {@link #encode} followed by {@link #PAD_ID} up to exactly {@code maxLen} ids. */
    public int[] encodePadded(String caption, int maxLen) {
        int[] ids = encode(caption, maxLen);
        return ids.length == maxLen ? ids : Arrays.copyOf(ids, maxLen); // PAD_ID is 0
    }

    public static boolean isAllUnknown(int[] ids) {
        return Arrays.stream(ids).allMatch(id -> id == UNK_ID || id == PAD_ID);
    }

    /** Smoothed inverse document frequency per id (a copy); multiply by term counts for TF-IDF. */
    public float[] idf() {
        return idf.clone();
    }

    public int documentFrequency(int id) {
        token(id); // range check
        return documentFrequency[id];
    }

    /** Number of non-blank captions the vocabulary was built from. */
    public int documentCount() {
        return documentCount;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Writes the vocabulary as JSON, atomically (temporary file, then rename). */
    public void save(Path path) throws IOException {
        AtomicFiles.write(path, toJson());
    }

    /** The JSON that {@link #save} writes, for callers that store it elsewhere (e.g. in a checkpoint). */
    public byte[] toJson() throws IOException {
        VocabularyFile file = new VocabularyFile(VocabularyFile.FORMAT, VocabularyFile.VERSION,
                documentCount, tokens, documentFrequency, idf);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(file);
    }

    public static Vocabulary load(Path path) throws IOException {
        return load(path, new Tokenizer());
    }

    /**
     * Reads a vocabulary written by {@link #save}.
     *
     * @throws InvalidInputException (named after the path) when the file is not a valid vocabulary
     * @throws java.nio.file.NoSuchFileException when it does not exist
     */
    public static Vocabulary load(Path path, Tokenizer tokenizer) throws IOException {
        return fromJson(path.toString(), Files.readAllBytes(path), tokenizer);
    }

    /**
     * Parses what {@link #toJson} produced.
     *
     * @param name how errors call the source
     * @throws InvalidInputException (named {@code name}) when the bytes are not a valid vocabulary
     */
    public static Vocabulary fromJson(String name, byte[] json, Tokenizer tokenizer) throws IOException {
        VocabularyFile file;
        try {
            file = JSON.readValue(json, VocabularyFile.class);
        } catch (JacksonException e) {
            throw new InvalidInputException(name, "not a vocabulary JSON file: " + e.getOriginalMessage(), e);
        }
        check(file, name);
        return new Vocabulary(file.tokens(), file.documentCount(), file.documentFrequency(), file.idf(), tokenizer);
    }

    private static void check(VocabularyFile f, String name) {
        if (!VocabularyFile.FORMAT.equals(f.format()) || f.version() != VocabularyFile.VERSION) {
            throw new InvalidInputException(name, "expected format " + VocabularyFile.FORMAT + " version "
                    + VocabularyFile.VERSION + ", found " + f.format() + " version " + f.version());
        }
        List<String> toks = f.tokens();
        if (toks == null || toks.size() < 2 || !PAD.equals(toks.get(PAD_ID)) || !UNK.equals(toks.get(UNK_ID))) {
            throw new InvalidInputException(name, "tokens must start with " + PAD + ", " + UNK);
        }
        if (toks.contains(null) || new HashSet<>(toks).size() != toks.size()) {
            throw new InvalidInputException(name, "tokens must be distinct and non-null");
        }
        if (f.documentFrequency() == null || f.documentFrequency().length != toks.size()
                || f.idf() == null || f.idf().length != toks.size()) {
            throw new InvalidInputException(name, "documentFrequency and idf must have one entry per token");
        }
        for (float w : f.idf()) {
            if (!Float.isFinite(w) || w < 0f) {
                throw new InvalidInputException(name, "idf values must be finite and >= 0, found " + w);
            }
        }
        if (f.documentCount() < 0) {
            throw new InvalidInputException(name, "documentCount must be >= 0");
        }
    }

    private static boolean isWhitespaceOnly(String s) {
        return s.codePoints().allMatch(cp -> Character.isWhitespace(cp) || Character.isSpaceChar(cp));
    }
}
