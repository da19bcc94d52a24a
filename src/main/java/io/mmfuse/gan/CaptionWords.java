package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.text.Vocabulary;
import java.util.Arrays;
import java.util.List;

/**
 * The vocabulary words of each training caption: the labels of the discriminator's word head
 * (GanConfig.wordWeight). A caption's label is the set of its distinct known words ({@code <pad>}
 * and {@code <unk>} never count), so "a red circle above a blue square" asks the head for red,
 * circle, blue, square and the function words alike; which object has which colour is left to
 * the matching-aware discriminator.
 *
 * @param words per caption, its distinct word ids, sorted
 * @param classes vocabulary size: every id is in [2, classes)
 */
public record CaptionWords(int[][] words, int classes) {

    public CaptionWords {
        if (words == null || words.length == 0) {
            throw new InvalidInputException("words", "at least one caption is required");
        }
        if (classes <= Vocabulary.UNK_ID + 1) {
            throw new InvalidInputException("classes", "must exceed the two reserved ids, got " + classes);
        }
        for (int c = 0; c < words.length; c++) {
            if (words[c] == null || words[c].length == 0) {
                throw new InvalidInputException("words[" + c + "]", "has no known word");
            }
            for (int id : words[c]) {
                if (id <= Vocabulary.UNK_ID || id >= classes) {
                    throw new InvalidInputException("words[" + c + "]", "id " + id + " outside [2, " + classes + ")");
                }
            }
        }
    }

    /** Tokenises {@code captions} with the text model's vocabulary. */
    static CaptionWords of(MmfuseModel textModel, List<String> captions) {
        int[][] words = new int[captions.size()][];
        for (int c = 0; c < captions.size(); c++) {
            words[c] = distinctKnown(textModel.tokenize(captions.get(c), "captions[" + c + "]"));
        }
        return new CaptionWords(words, textModel.vocabulary().size());
    }

    static int[] distinctKnown(int[] ids) {
        return Arrays.stream(ids).filter(id -> id > Vocabulary.UNK_ID).distinct().sorted().toArray();
    }

    int captionCount() {
        return words.length;
    }

    /** Row i: 1 at the words of caption {@code captions[i]}, else 0; [captions.length x classes], row-major. */
    float[] targets(int[] captions) {
        float[] out = new float[Math.multiplyExact(captions.length, classes)];
        for (int i = 0; i < captions.length; i++) {
            for (int id : words[captions[i]]) {
                out[i * classes + id] = 1f;
            }
        }
        return out;
    }
}
