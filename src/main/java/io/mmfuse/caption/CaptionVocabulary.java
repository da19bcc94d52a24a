package io.mmfuse.caption;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.text.Tokenizer;
import io.mmfuse.text.Vocabulary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The caption decoder's word ids: {@value #PAD_TOKEN} (0), {@value #UNK_TOKEN} (1),
 * {@value #BOS_TOKEN} (2), {@value #EOS_TOKEN} (3), then the words of a {@link Vocabulary} built on
 * the training captions in its order (count descending, ties by token). Words come from
 * {@link Tokenizer}, which drops punctuation, so no caption word can collide with the bracketed
 * special tokens. Immutable and thread-safe.
 */
public final class CaptionVocabulary {
    public static final String PAD_TOKEN = "<pad>";
    public static final String UNK_TOKEN = "<unk>";
    public static final String BOS_TOKEN = "<bos>";
    public static final String EOS_TOKEN = "<eos>";
    public static final int PAD = 0;
    public static final int UNK = 1;
    public static final int BOS = 2;
    public static final int EOS = 3;
    /** Id of the most frequent word. */
    public static final int FIRST_WORD = 4;

    static final String FORMAT = "mmfuse-caption-vocabulary";
    static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final List<String> tokens;
    private final Map<String, Integer> ids = new HashMap<>();
    private final Tokenizer tokenizer = new Tokenizer();

    /** JSON form; field names are the file format. */
    record File(String format, int version, List<String> tokens) {
    }

    private CaptionVocabulary(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        for (int i = 0; i < this.tokens.size(); i++) {
            ids.put(this.tokens.get(i), i);
        }
    }

    /**
     * Words occurring at least {@code minCount} times in {@code captions}, the most frequent first,
     * at most {@code maxSize} ids in all (the four special tokens included).
     */
    public static CaptionVocabulary build(Iterable<String> captions, int minCount, int maxSize) {
        if (maxSize < FIRST_WORD + 1) {
            throw new InvalidInputException("maxSize", "must be >= " + (FIRST_WORD + 1) + " (four special tokens and a word), got " + maxSize);
        }
        // Vocabulary reserves two ids (<pad>, <unk>); we reserve four.
        Vocabulary base = Vocabulary.build(captions, new Tokenizer(), minCount, maxSize - 2);
        List<String> all = new ArrayList<>(List.of(PAD_TOKEN, UNK_TOKEN, BOS_TOKEN, EOS_TOKEN));
        for (int i = 2; i < base.size(); i++) {
            all.add(base.token(i));
        }
        if (all.size() == FIRST_WORD) {
            throw new InvalidInputException("captions", "no word occurs at least " + minCount + " times");
        }
        return new CaptionVocabulary(all);
    }

    /** A vocabulary of exactly these words (ids from {@link #FIRST_WORD} in the given order); for tests and tools. */
    public static CaptionVocabulary ofWords(List<String> words) {
        if (words == null || words.isEmpty()) {
            throw new InvalidInputException("words", "no word given");
        }
        List<String> all = new ArrayList<>(List.of(PAD_TOKEN, UNK_TOKEN, BOS_TOKEN, EOS_TOKEN));
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w == null || w.isEmpty() || all.contains(w)) {
                throw new InvalidInputException("words[" + i + "]", "must be a non-empty, distinct word, got " + w);
            }
            all.add(w);
        }
        return new CaptionVocabulary(all);
    }

    public int size() {
        return tokens.size();
    }

    /** The id of a word, or {@link #UNK} when it is not in the vocabulary. */
    public int id(String word) {
        Integer id = ids.get(word);
        return id == null || id < FIRST_WORD ? UNK : id;
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new InvalidInputException("id", "must be in [0, " + tokens.size() + "), got " + id);
        }
        return tokens.get(id);
    }

    /**
     * The word ids of a caption, without {@link #BOS} or {@link #EOS}, truncated to {@code maxWords};
     * unknown words map to {@link #UNK}.
     *
     * @throws InvalidInputException ("caption") when the caption has no word at all
     */
    public int[] encode(String caption, int maxWords) {
        if (maxWords < 1) {
            throw new InvalidInputException("maxWords", "must be >= 1, got " + maxWords);
        }
        if (caption == null) {
            throw new InvalidInputException("caption", "is null");
        }
        List<String> words = tokenizer.tokenize(caption);
        if (words.isEmpty()) {
            throw new InvalidInputException("caption", "has no words");
        }
        int n = Math.min(words.size(), maxWords);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = id(words.get(i));
        }
        return out;
    }

    /** The words of a generated id sequence: stops at {@link #EOS}, skips {@link #PAD} and {@link #BOS}. */
    public List<String> words(int[] ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id == EOS) {
                break;
            }
            if (id == PAD || id == BOS) {
                continue;
            }
            out.add(token(id));
        }
        return out;
    }

    /** {@link #words} joined by single spaces. */
    public String decode(int[] ids) {
        return String.join(" ", words(ids));
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(new File(FORMAT, VERSION, tokens));
        } catch (IOException e) {
            throw new MmfuseException("cannot serialise the caption vocabulary: " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@link #toJson} output.
     *
     * @param name how to call the source in error messages (a file name)
     * @throws InvalidInputException naming {@code name} when the JSON is not a caption vocabulary
     */
    public static CaptionVocabulary fromJson(String name, byte[] json) {
        File f;
        try {
            f = JSON.readValue(json, File.class);
        } catch (JacksonException e) {
            throw new InvalidInputException(name, "is not a caption vocabulary: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidInputException(name, "cannot be read: " + e.getMessage(), e);
        }
        if (f == null || !FORMAT.equals(f.format())) {
            throw new InvalidInputException(name, "has no \"format\": \"" + FORMAT + "\"");
        }
        if (f.version() != VERSION) {
            throw new InvalidInputException(name, "format version " + f.version() + ", this build reads " + VERSION);
        }
        List<String> t = f.tokens();
        if (t == null || t.size() <= FIRST_WORD || !t.subList(0, FIRST_WORD).equals(List.of(PAD_TOKEN, UNK_TOKEN, BOS_TOKEN, EOS_TOKEN))) {
            throw new InvalidInputException(name, "must list the four special tokens first and at least one word");
        }
        if (t.stream().anyMatch(s -> s == null || s.isEmpty()) || t.stream().distinct().count() != t.size()) {
            throw new InvalidInputException(name, "tokens must be non-empty and distinct");
        }
        return new CaptionVocabulary(t);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaptionVocabulary v && tokens.equals(v.tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }
}
