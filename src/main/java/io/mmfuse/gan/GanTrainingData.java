package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.search.FloatMatrix;
import java.util.List;

/**
 * What the GAN trains on: real images and the caption embeddings of a frozen retrieval model.
 * Arrays are held, not copied; do not modify them while a trainer uses them.
 *
 * @param images imageCount x 3 x 64 x 64 floats, normalised to [-1, 1] like mmfuse's decoder output
 * @param imageCount number of images
 * @param captionEmbeddings C x textDim floats, each row L2-normalised
 * @param captionImage the image index (in [0, imageCount)) of each of the C captions
 */
public record GanTrainingData(float[] images, int imageCount, float[] captionEmbeddings, int[] captionImage) {
    static final int SIDE = GanConfig.SUPPORTED_IMAGE_SIZE;
    static final int IMAGE_FLOATS = 3 * SIDE * SIDE;
    private static final double NORM_TOLERANCE = 1e-3;

    public GanTrainingData {
        if (images == null) {
            throw new InvalidInputException("images", "is required");
        }
        if (captionEmbeddings == null) {
            throw new InvalidInputException("captionEmbeddings", "is required");
        }
        if (captionImage == null || captionImage.length == 0) {
            throw new InvalidInputException("captionImage", "at least one caption is required");
        }
        if (imageCount <= 0) {
            throw new InvalidInputException("imageCount", "must be > 0, got " + imageCount);
        }
        if ((long) imageCount * IMAGE_FLOATS != images.length) {
            throw new InvalidInputException("images", "has " + images.length + " floats, " + imageCount + " images of 3x"
                    + SIDE + "x" + SIDE + " need " + (long) imageCount * IMAGE_FLOATS);
        }
        if (captionEmbeddings.length == 0 || captionEmbeddings.length % captionImage.length != 0) {
            throw new InvalidInputException("captionEmbeddings", "has " + captionEmbeddings.length
                    + " floats, not a whole number of rows for " + captionImage.length + " captions");
        }
        int dim = captionEmbeddings.length / captionImage.length;
        for (int c = 0; c < captionImage.length; c++) {
            if (captionImage[c] < 0 || captionImage[c] >= imageCount) {
                throw new InvalidInputException("captionImage[" + c + "]",
                        "image index " + captionImage[c] + " outside [0, " + imageCount + ")");
            }
            double norm = 0;
            for (int j = c * dim; j < (c + 1) * dim; j++) {
                float v = captionEmbeddings[j];
                if (!Float.isFinite(v)) {
                    throw new InvalidInputException("captionEmbeddings[" + c + "]", "contains " + v);
                }
                norm += (double) v * v;
            }
            if (Math.abs(Math.sqrt(norm) - 1) > NORM_TOLERANCE) {
                throw new InvalidInputException("captionEmbeddings[" + c + "]",
                        "is not L2-normalised (norm " + Math.sqrt(norm) + ")");
            }
        }
        for (int i = 0; i < images.length; i++) {
            if (!Float.isFinite(images[i])) {
                throw new InvalidInputException("images[" + i / IMAGE_FLOATS + "]", "contains " + images[i]);
            }
        }
    }

    static void requireFinite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidInputException(name + "[" + i + "]", "is " + values[i]);
            }
        }
    }

    /**
     * Embeds {@code captions} with the retrieval model and pairs them with the images.
     *
     * @throws InvalidInputException naming {@code texts[i]} for a caption the model cannot embed
     */
    public static GanTrainingData embed(MmfuseModel textModel, float[] images, int imageCount, List<String> captions,
                                        int[] captionImage) {
        if (textModel == null) {
            throw new InvalidInputException("textModel", "is required");
        }
        FloatMatrix e = textModel.embedTexts(captions);
        return new GanTrainingData(images, imageCount, e.data(), captionImage);
    }

    public int captionCount() {
        return captionImage.length;
    }

    /** Dimension of the caption embeddings. */
    public int textDim() {
        return captionEmbeddings.length / captionImage.length;
    }

    /** Whether the captions name at least two different images (needed for mismatched pairs). */
    boolean hasTwoImages() {
        for (int c = 1; c < captionImage.length; c++) {
            if (captionImage[c] != captionImage[0]) {
                return true;
            }
        }
        return false;
    }
}
