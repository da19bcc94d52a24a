package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.train.CaptionEdits;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * What the GAN trains on: real images and the caption embeddings of a frozen retrieval model.
 * Arrays are held, not copied; do not modify them while a trainer uses them.
 *
 * @param images imageCount x 3 x 64 x 64 floats, normalised to [-1, 1] like mmfuse's decoder output
 * @param imageCount number of images
 * @param captionEmbeddings C x textDim floats, each row L2-normalised
 * @param captionImage the image index (in [0, imageCount)) of each of the C captions
 * @param hardNegatives null, or C x textDim floats: row c embeds caption c's hard negative, the
 *     caption with its last two noun phrases swapped ({@link CaptionEdits#swapLastPhrases}) or with
 *     one object replaced ({@link CaptionEdits#replaceHead}), L2-normalised where
 *     {@code hasHardNegative[c]}, ignored elsewhere
 * @param hasHardNegative null exactly when {@code hardNegatives} is; which captions have one
 * @param words null, or the vocabulary words of each caption (labels of the discriminator's word
 *     head, GanConfig.wordWeight)
 * @param tokens null, or the token ids of each caption (and of its hard negative) for networks that
 *     read tokens (GanConfig.CaptionEncoding.LEARNED)
 */
public record GanTrainingData(float[] images, int imageCount, float[] captionEmbeddings, int[] captionImage,
                              float[] hardNegatives, boolean[] hasHardNegative, CaptionWords words,
                              CaptionTokens tokens) {
    static final int SIDE = GanConfig.SUPPORTED_IMAGE_SIZE;
    static final int IMAGE_FLOATS = 3 * SIDE * SIDE;
    private static final double NORM_TOLERANCE = 1e-3;
    private static final int EMBED_CHUNK = 1024;

    /** Training data without hard negatives. */
    public GanTrainingData(float[] images, int imageCount, float[] captionEmbeddings, int[] captionImage) {
        this(images, imageCount, captionEmbeddings, captionImage, null, null, null, null);
    }

    /** Training data without caption tokens. */
    public GanTrainingData(float[] images, int imageCount, float[] captionEmbeddings, int[] captionImage,
                           float[] hardNegatives, boolean[] hasHardNegative, CaptionWords words) {
        this(images, imageCount, captionEmbeddings, captionImage, hardNegatives, hasHardNegative, words, null);
    }

    public GanTrainingData {
        if ((hardNegatives == null) != (hasHardNegative == null)) {
            throw new InvalidInputException("hardNegatives", "and hasHardNegative must both be given or both be null");
        }
        if (hardNegatives != null && (hardNegatives.length != captionEmbeddings.length
                || hasHardNegative.length != captionImage.length)) {
            throw new InvalidInputException("hardNegatives", "must have one row (and flag) per caption");
        }
        if (hardNegatives != null) {
            requireFinite("hardNegatives", hardNegatives);
        }
        if (images == null) {
            throw new InvalidInputException("images", "is required");
        }
        if (captionEmbeddings == null) {
            throw new InvalidInputException("captionEmbeddings", "is required");
        }
        if (captionImage == null || captionImage.length == 0) {
            throw new InvalidInputException("captionImage", "at least one caption is required");
        }
        if (tokens != null && tokens.captions().length != captionImage.length) {
            throw new InvalidInputException("tokens", "has " + tokens.captions().length + " captions, the data "
                    + captionImage.length);
        }
        if (words != null && words.captionCount() != captionImage.length) {
            throw new InvalidInputException("words", "has " + words.captionCount() + " captions, the data "
                    + captionImage.length);
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

    /**
     * This data with one hard negative per caption (the same list, in the same order, that
     * {@link #embed} was given), embedded by the same model: the word-order swap; with
     * {@code objectReplacements}, for each caption one of the swap and an object replacement, drawn
     * with even odds by a generator seeded with {@code seed} (the replacement alone where there is
     * nothing to swap).
     */
    public GanTrainingData withHardNegatives(MmfuseModel textModel, List<String> captions, boolean objectReplacements,
            long seed) {
        if (captions.size() != captionImage.length) {
            throw new InvalidInputException("captions", "has " + captions.size() + " entries for "
                    + captionImage.length + " captions");
        }
        CaptionEdits edits = CaptionEdits.of(textModel.vocabulary());
        int dim = textDim();
        float[] out = new float[captionEmbeddings.length];
        boolean[] has = new boolean[captionImage.length];
        List<int[]> tokens = new ArrayList<>(captions.size());
        for (int c = 0; c < captions.size(); c++) {
            tokens.add(textModel.tokenize(captions.get(c), "captions[" + c + "]"));
        }
        int[] heads = objectReplacements ? edits.heads(tokens) : new int[0];
        Random rng = new Random(seed);
        List<int[]> swapped = new ArrayList<>();
        List<Integer> rows = new ArrayList<>();
        int[][] negativeTokens = new int[captions.size()][];
        for (int c = 0; c < captions.size(); c++) {
            int[] negative = edits.swapLastPhrases(tokens.get(c));
            if (objectReplacements && (negative == null || rng.nextBoolean())) {
                int[] replaced = edits.replaceHead(tokens.get(c), heads, rng);
                negative = replaced != null ? replaced : negative;
            }
            if (negative != null) {
                swapped.add(negative);
                rows.add(c);
                negativeTokens[c] = negative;
            }
        }
        for (int from = 0; from < swapped.size(); from += EMBED_CHUNK) {
            int to = Math.min(swapped.size(), from + EMBED_CHUNK);
            FloatMatrix e = textModel.embedTokens(swapped.subList(from, to).toArray(new int[0][]));
            for (int i = from; i < to; i++) {
                int c = rows.get(i);
                System.arraycopy(e.data(), (i - from) * dim, out, c * dim, dim);
                has[c] = true;
            }
        }
        return new GanTrainingData(images, imageCount, captionEmbeddings, captionImage, out, has, words,
                this.tokens == null ? null : this.tokens.withHardNegatives(negativeTokens));
    }

    /**
     * This data with each caption's vocabulary words (the same caption list, in the same order, that
     * {@link #embed} was given), tokenised by the text model: the labels of the word head.
     */
    public GanTrainingData withWords(MmfuseModel textModel, List<String> captions) {
        if (captions.size() != captionImage.length) {
            throw new InvalidInputException("captions", "has " + captions.size() + " entries for "
                    + captionImage.length + " captions");
        }
        return new GanTrainingData(images, imageCount, captionEmbeddings, captionImage, hardNegatives, hasHardNegative,
                CaptionWords.of(textModel, captions), tokens);
    }

    /**
     * This data with each caption's token ids (the same caption list, in the same order, that
     * {@link #embed} was given), tokenised by the text model, for networks that read tokens. Call it
     * before {@link #withHardNegatives}, which then adds the hard negatives' tokens.
     */
    public GanTrainingData withTokens(MmfuseModel textModel, List<String> captions) {
        if (captions.size() != captionImage.length) {
            throw new InvalidInputException("captions", "has " + captions.size() + " entries for "
                    + captionImage.length + " captions");
        }
        int[][] ids = new int[captions.size()][];
        for (int c = 0; c < ids.length; c++) {
            ids[c] = textModel.tokenize(captions.get(c), "captions[" + c + "]");
        }
        return new GanTrainingData(images, imageCount, captionEmbeddings, captionImage, hardNegatives, hasHardNegative,
                words, new CaptionTokens(ids, null, textModel.vocabulary().size()));
    }

    /** Number of captions with a hard negative. */
    public int hardNegativeCount() {
        int n = 0;
        if (hasHardNegative != null) {
            for (boolean h : hasHardNegative) {
                n += h ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * The mismatched-caption embeddings of a batch: row i is caption {@code captions[i]}'s hard
     * negative where {@code fromOrder[i]}, else caption {@code captions[i]}'s embedding.
     */
    float[] mismatchedEmbeddings(int[] captions, boolean[] fromOrder) {
        int dim = textDim();
        float[] out = new float[captions.length * dim];
        for (int i = 0; i < captions.length; i++) {
            float[] source = fromOrder != null && fromOrder[i] ? hardNegatives : captionEmbeddings;
            System.arraycopy(source, captions[i] * dim, out, i * dim, dim);
        }
        return out;
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
