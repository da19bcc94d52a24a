package io.mmfuse.train;

import io.mmfuse.InvalidInputException;

/**
 * Paired training (or validation) data in the form the model consumes. Arrays are not copied:
 * do not mutate them while a trainer or embedder uses them.
 *
 * @param images imageCount x 3 x imageSize x imageSize floats, CHW per image, already normalised
 *     by the image layer
 * @param imageCount number of images
 * @param imageSize side of every image
 * @param captionTokens token ids of each caption (0 = padding, never a real token); rows may have
 *     different lengths; rows longer than the model's maxTokens are truncated when batched
 * @param captionImage index of the image each caption describes
 */
public record TrainingData(float[] images, int imageCount, int imageSize, int[][] captionTokens, int[] captionImage) {
    public TrainingData {
        if (images == null || captionTokens == null || captionImage == null) {
            throw new InvalidInputException("trainingData", "images, captionTokens and captionImage are required");
        }
        if (imageCount <= 0) {
            throw new InvalidInputException("imageCount", "must be > 0, got " + imageCount);
        }
        if (imageSize <= 0) {
            throw new InvalidInputException("imageSize", "must be > 0, got " + imageSize);
        }
        long expected = (long) imageCount * 3 * imageSize * imageSize;
        if (images.length != expected) {
            throw new InvalidInputException("images", "has " + images.length + " floats, expected " + expected
                    + " (" + imageCount + " x 3 x " + imageSize + " x " + imageSize + ")");
        }
        if (captionTokens.length == 0) {
            throw new InvalidInputException("captionTokens", "no captions");
        }
        if (captionTokens.length != captionImage.length) {
            throw new InvalidInputException("captionImage", "has " + captionImage.length + " entries for "
                    + captionTokens.length + " captions");
        }
        for (int c = 0; c < captionImage.length; c++) {
            if (captionImage[c] < 0 || captionImage[c] >= imageCount) {
                throw new InvalidInputException("captionImage[" + c + "]",
                        "image index " + captionImage[c] + " outside [0, " + imageCount + ")");
            }
            if (captionTokens[c] == null) {
                throw new InvalidInputException("captionTokens[" + c + "]", "is null");
            }
        }
    }

    public int captionCount() {
        return captionTokens.length;
    }

    /** Floats per image (3 x S x S). */
    public int imageFloats() {
        return 3 * imageSize * imageSize;
    }

    /** Throws naming the first caption with a token id outside [0, vocabSize). */
    public void requireTokensBelow(int vocabSize) {
        for (int c = 0; c < captionTokens.length; c++) {
            int[] row = captionTokens[c];
            for (int j = 0; j < row.length; j++) {
                if (row[j] < 0 || row[j] >= vocabSize) {
                    throw new InvalidInputException("captionTokens[" + c + "][" + j + "]",
                            "id " + row[j] + " outside the model's vocabulary [0, " + vocabSize + ")");
                }
            }
        }
    }
}
