package io.mmfuse.model;

import io.mmfuse.InvalidInputException;

/**
 * Shape and objective of a {@link MultimodalAutoencoder}. Immutable; stored as JSON in every
 * checkpoint, so a loaded model is rebuilt with exactly the layers it was trained with.
 *
 * <p>Start from {@link #defaults()} and change fields with {@link #toBuilder()}; only {@code
 * vocabSize} normally has to be set (to the size of the vocabulary that produced the token ids).
 *
 * @param commonDim dimension of the shared embedding space
 * @param imageSize side of the square input images; a multiple of 16 (four halvings)
 * @param cnnWidth channels of the first conv block; the blocks use width x {1, 2, 4, 8}
 * @param imageNorm normalisation inside each conv block
 * @param textEncoder which text tower to build
 * @param vocabSize number of token ids, including 0 = padding
 * @param maxTokens tokens per caption that the model looks at; longer captions are truncated
 * @param tokenDim dimension of the token embeddings
 * @param hiddenDim width of the text MLP / conv layers and of the text decoder
 * @param tfidfWeighting BOW only: weight tokens by an IDF table (set from the training captions)
 *     instead of a plain mean
 * @param objective the cross-modal alignment term
 * @param reconstructionWeight weight of the two MSE reconstruction terms; 0 skips the decoders
 * @param initialTemperature softmax temperature at initialisation (CLIP: 0.07); learnable
 * @param maxLogitScale upper clamp of the learned logit scale 1/temperature (CLIP: 100)
 * @param dropout dropout before each projection into the common space
 */
public record ModelConfig(
        int commonDim,
        int imageSize,
        int cnnWidth,
        ImageNorm imageNorm,
        TextEncoderKind textEncoder,
        int vocabSize,
        int maxTokens,
        int tokenDim,
        int hiddenDim,
        boolean tfidfWeighting,
        Objective objective,
        double reconstructionWeight,
        double initialTemperature,
        double maxLogitScale,
        double dropout) {

    /** Text tower. */
    public enum TextEncoderKind {
        /** Mean (or IDF-weighted mean) of token embeddings, then an MLP: a sparse bag of words. */
        BOW,
        /** Token embeddings, two 1-D convolutions (width 3), masked max-pool: sees word order. */
        TOKENS,
        /**
         * As TOKENS with three convolutions dilated 1, 2, 4: a 15-token window, wide enough for
         * relations such as "a red circle to the left of a blue square".
         */
        DILATED
    }

    /** Cross-modal alignment term of the training loss. */
    public enum Objective {
        /** The founding design's -mean(sum(t*i)), on L2-normalised embeddings so it is bounded. */
        SEED,
        /** Symmetric InfoNCE over the in-batch similarity matrix with a learned temperature. */
        CONTRASTIVE
    }

    /** Normalisation in the conv blocks. */
    public enum ImageNorm {
        /** BatchNorm: the fastest on CPU; running statistics are used in eval mode. */
        BATCH,
        /** GroupNorm (8 groups): independent of the batch, about 2x slower on CPU. */
        GROUP
    }

    public ModelConfig {
        positive("commonDim", commonDim);
        positive("cnnWidth", cnnWidth);
        positive("vocabSize", vocabSize);
        positive("maxTokens", maxTokens);
        positive("tokenDim", tokenDim);
        positive("hiddenDim", hiddenDim);
        if (imageSize < 16 || imageSize % 16 != 0) {
            throw new InvalidInputException("imageSize", "must be a positive multiple of 16, got " + imageSize);
        }
        if (vocabSize < 2) {
            throw new InvalidInputException("vocabSize", "must be at least 2 (id 0 is padding), got " + vocabSize);
        }
        if (imageNorm == null) {
            throw new InvalidInputException("imageNorm", "is required");
        }
        if (textEncoder == null) {
            throw new InvalidInputException("textEncoder", "is required");
        }
        if (objective == null) {
            throw new InvalidInputException("objective", "is required");
        }
        if (tfidfWeighting && textEncoder != TextEncoderKind.BOW) {
            throw new InvalidInputException("tfidfWeighting", "only applies to the BOW text encoder");
        }
        if (!(reconstructionWeight >= 0) || Double.isInfinite(reconstructionWeight)) {
            throw new InvalidInputException("reconstructionWeight", "must be finite and >= 0, got " + reconstructionWeight);
        }
        if (!(initialTemperature > 0) || Double.isInfinite(initialTemperature)) {
            throw new InvalidInputException("initialTemperature", "must be finite and > 0, got " + initialTemperature);
        }
        if (!(maxLogitScale >= 1) || Double.isInfinite(maxLogitScale)) {
            throw new InvalidInputException("maxLogitScale", "must be finite and >= 1, got " + maxLogitScale);
        }
        if (1 / initialTemperature > maxLogitScale) {
            throw new InvalidInputException("initialTemperature",
                    "1/" + initialTemperature + " exceeds maxLogitScale " + maxLogitScale);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidInputException("dropout", "must be in [0, 1), got " + dropout);
        }
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new InvalidInputException(name, "must be > 0, got " + value);
        }
    }

    /**
     * Contrastive BOW model at 64x64, CNN width 32, no reconstruction. vocabSize is a placeholder
     * (10000): set it to the vocabulary's size.
     */
    public static ModelConfig defaults() {
        return new ModelConfig(256, 64, 32, ImageNorm.BATCH, TextEncoderKind.BOW, 10_000, 32, 256, 512,
                false, Objective.CONTRASTIVE, 0.0, 0.07, 100.0, 0.1);
    }

    /** The founding design: seed alignment plus both reconstructions at weight 1. */
    public static ModelConfig seedDesign() {
        return defaults().toBuilder().objective(Objective.SEED).reconstructionWeight(1.0).build();
    }

    public boolean reconstructs() {
        return reconstructionWeight > 0;
    }

    /** Floats in one CHW image this model takes. */
    public int imageFloats() {
        return 3 * imageSize * imageSize;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    /** Mutable builder; every setter returns this. */
    public static final class Builder {
        private int commonDim;
        private int imageSize;
        private int cnnWidth;
        private ImageNorm imageNorm;
        private TextEncoderKind textEncoder;
        private int vocabSize;
        private int maxTokens;
        private int tokenDim;
        private int hiddenDim;
        private boolean tfidfWeighting;
        private Objective objective;
        private double reconstructionWeight;
        private double initialTemperature;
        private double maxLogitScale;
        private double dropout;

        private Builder(ModelConfig c) {
            commonDim = c.commonDim;
            imageSize = c.imageSize;
            cnnWidth = c.cnnWidth;
            imageNorm = c.imageNorm;
            textEncoder = c.textEncoder;
            vocabSize = c.vocabSize;
            maxTokens = c.maxTokens;
            tokenDim = c.tokenDim;
            hiddenDim = c.hiddenDim;
            tfidfWeighting = c.tfidfWeighting;
            objective = c.objective;
            reconstructionWeight = c.reconstructionWeight;
            initialTemperature = c.initialTemperature;
            maxLogitScale = c.maxLogitScale;
            dropout = c.dropout;
        }

        public Builder commonDim(int v) { commonDim = v; return this; }
        public Builder imageSize(int v) { imageSize = v; return this; }
        public Builder cnnWidth(int v) { cnnWidth = v; return this; }
        public Builder imageNorm(ImageNorm v) { imageNorm = v; return this; }
        public Builder textEncoder(TextEncoderKind v) { textEncoder = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder maxTokens(int v) { maxTokens = v; return this; }
        public Builder tokenDim(int v) { tokenDim = v; return this; }
        public Builder hiddenDim(int v) { hiddenDim = v; return this; }
        public Builder tfidfWeighting(boolean v) { tfidfWeighting = v; return this; }
        public Builder objective(Objective v) { objective = v; return this; }
        public Builder reconstructionWeight(double v) { reconstructionWeight = v; return this; }
        public Builder initialTemperature(double v) { initialTemperature = v; return this; }
        public Builder maxLogitScale(double v) { maxLogitScale = v; return this; }
        public Builder dropout(double v) { dropout = v; return this; }

        public ModelConfig build() {
            return new ModelConfig(commonDim, imageSize, cnnWidth, imageNorm, textEncoder, vocabSize, maxTokens,
                    tokenDim, hiddenDim, tfidfWeighting, objective, reconstructionWeight, initialTemperature,
                    maxLogitScale, dropout);
        }
    }
}
