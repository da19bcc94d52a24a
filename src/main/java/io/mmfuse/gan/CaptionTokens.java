package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import java.util.Arrays;

/**
 * Token ids of every training caption and of its hard negative, for networks that read tokens
 * ({@link GanConfig.CaptionEncoding#LEARNED}). Arrays are held, not copied.
 *
 * @param captions per caption its token ids (at least one, each in [0, vocabulary))
 * @param hardNegatives null, or per caption the token ids of its hard negative (null where it has none)
 * @param vocabulary the text model's vocabulary size
 */
public record CaptionTokens(int[][] captions, int[][] hardNegatives, int vocabulary) {

    public CaptionTokens {
        if (captions == null || captions.length == 0) {
            throw new InvalidInputException("captions", "at least one caption is required");
        }
        if (vocabulary < 2) {
            throw new InvalidInputException("vocabulary", "must be >= 2, got " + vocabulary);
        }
        check("captions", captions, vocabulary, false);
        if (hardNegatives != null) {
            if (hardNegatives.length != captions.length) {
                throw new InvalidInputException("hardNegatives", "has " + hardNegatives.length + " rows for "
                        + captions.length + " captions");
            }
            check("hardNegatives", hardNegatives, vocabulary, true);
        }
    }

    private static void check(String name, int[][] rows, int vocabulary, boolean nullable) {
        for (int c = 0; c < rows.length; c++) {
            if (rows[c] == null && nullable) {
                continue;
            }
            if (rows[c] == null || rows[c].length == 0) {
                throw new InvalidInputException(name + "[" + c + "]", "has no token");
            }
            for (int id : rows[c]) {
                if (id < 0 || id >= vocabulary) {
                    throw new InvalidInputException(name + "[" + c + "]", "id " + id + " outside [0, " + vocabulary + ")");
                }
            }
        }
    }

    /** These tokens with hard negatives (one row per caption, null where none). */
    CaptionTokens withHardNegatives(int[][] negatives) {
        return new CaptionTokens(captions, negatives, vocabulary);
    }

    /** Rows {@code rows} of the captions. */
    int[][] rows(int[] rows) {
        int[][] out = new int[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = captions[rows[i]];
        }
        return out;
    }

    /** Row i: caption {@code captions[i]}'s hard negative where {@code fromOrder[i]}, else the caption itself. */
    int[][] mismatched(int[] rows, boolean[] fromOrder) {
        int[][] out = rows(rows);
        for (int i = 0; i < rows.length; i++) {
            if (fromOrder != null && fromOrder[i]) {
                if (hardNegatives == null || hardNegatives[rows[i]] == null) {
                    throw new IllegalStateException("caption " + rows[i] + " has no hard-negative tokens");
                }
                out[i] = hardNegatives[rows[i]];
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "CaptionTokens[" + captions.length + " captions, vocabulary " + vocabulary
                + (hardNegatives == null ? "" : ", " + Arrays.stream(hardNegatives).filter(r -> r != null).count()
                        + " hard negatives") + "]";
    }
}
