package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * Precomputed image embeddings with their captions as word ids, the input of
 * {@link CaptionerTrainer}. The embeddings come from the frozen retrieval model, so an epoch never
 * touches pixels.
 *
 * @param embeddings one row per image (unit vectors from the retrieval model)
 * @param captions word ids per caption, without {@code <bos>}/{@code <eos>}, each non-empty
 * @param captionImage for each caption, its image's row in {@code embeddings}
 */
public record CaptionTrainingData(FloatMatrix embeddings, int[][] captions, int[] captionImage) {
    public CaptionTrainingData {
        if (embeddings == null || captions == null || captionImage == null) {
            throw new InvalidInputException("captionTrainingData", "embeddings, captions and captionImage are required");
        }
        if (captions.length != captionImage.length) {
            throw new InvalidInputException("captionImage", captionImage.length + " entries for " + captions.length
                    + " captions");
        }
        if (captions.length == 0) {
            throw new InvalidInputException("captions", "no caption given");
        }
        for (int i = 0; i < captions.length; i++) {
            if (captions[i] == null || captions[i].length == 0) {
                throw new InvalidInputException("captions[" + i + "]", "has no words");
            }
            if (captionImage[i] < 0 || captionImage[i] >= embeddings.rows()) {
                throw new InvalidInputException("captionImage[" + i + "]", captionImage[i] + " is not an image row (0.."
                        + (embeddings.rows() - 1) + ")");
            }
        }
    }

    /**
     * Encodes captions with {@code vocabulary}; a caption without any word is left out.
     *
     * @param captionImage for each caption, its row in {@code embeddings}
     */
    public static CaptionTrainingData encode(FloatMatrix embeddings, List<String> captions, int[] captionImage,
            CaptionVocabulary vocabulary, int maxWords) {
        if (captions == null || captionImage == null || captions.size() != captionImage.length) {
            throw new InvalidInputException("captions", "one image index per caption is required");
        }
        List<int[]> ids = new ArrayList<>(captions.size());
        List<Integer> owners = new ArrayList<>(captions.size());
        for (int i = 0; i < captions.size(); i++) {
            if (Bleu.tokens(captions.get(i)).isEmpty()) {
                continue;
            }
            ids.add(vocabulary.encode(captions.get(i), maxWords));
            owners.add(captionImage[i]);
        }
        return new CaptionTrainingData(embeddings, ids.toArray(new int[0][]),
                owners.stream().mapToInt(Integer::intValue).toArray());
    }

    public int captionCount() {
        return captions.length;
    }

    public int imageCount() {
        return embeddings.rows();
    }

    /** Throws unless every word id is below {@code vocabSize}. */
    void requireIdsBelow(int vocabSize, String name) {
        for (int i = 0; i < captions.length; i++) {
            for (int id : captions[i]) {
                if (id < 0 || id >= vocabSize) {
                    throw new InvalidInputException(name + ".captions[" + i + "]", "id " + id
                            + " outside the decoder's vocabulary [0, " + vocabSize + ")");
                }
            }
        }
    }
}
