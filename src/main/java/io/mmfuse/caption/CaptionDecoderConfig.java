package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;

/**
 * Shape of a {@link CaptionDecoder}. Immutable; stored as JSON in every captioner checkpoint, so
 * a loaded decoder is rebuilt with exactly the layers it was trained with. Start from
 * {@link #defaults()}; {@code imageDim} must equal the retrieval model's embedding dimension and
 * {@code vocabSize} the caption vocabulary's size.
 *
 * @param imageDim dimension of the image embedding the decoder is conditioned on
 * @param tokenDim dimension of the word embeddings fed to the GRU
 * @param hiddenDim GRU hidden size
 * @param vocabSize number of word ids, the four special tokens included
 * @param dropout dropout on the GRU outputs before the output projection (training only)
 * @param maxLength most words a generated caption may have; training captions are truncated to it
 */
public record CaptionDecoderConfig(int imageDim, int tokenDim, int hiddenDim, int vocabSize, double dropout,
        int maxLength) {
    public CaptionDecoderConfig {
        positive("imageDim", imageDim);
        positive("tokenDim", tokenDim);
        positive("hiddenDim", hiddenDim);
        positive("maxLength", maxLength);
        if (vocabSize <= CaptionVocabulary.FIRST_WORD) {
            throw new InvalidInputException("vocabSize", "must be > " + CaptionVocabulary.FIRST_WORD
                    + " (four special tokens and at least one word), got " + vocabSize);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidInputException("dropout", "must be in [0, 1), got " + dropout);
        }
    }

    /** 256-d image embeddings and word embeddings, a 512-unit GRU, dropout 0.3, captions of up to 20 words. */
    public static CaptionDecoderConfig defaults() {
        return new CaptionDecoderConfig(256, 256, 512, 10_000, 0.3, 20);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new InvalidInputException(name, "must be > 0, got " + v);
        }
    }

    public static final class Builder {
        private int imageDim;
        private int tokenDim;
        private int hiddenDim;
        private int vocabSize;
        private double dropout;
        private int maxLength;

        private Builder(CaptionDecoderConfig c) {
            imageDim = c.imageDim;
            tokenDim = c.tokenDim;
            hiddenDim = c.hiddenDim;
            vocabSize = c.vocabSize;
            dropout = c.dropout;
            maxLength = c.maxLength;
        }

        public Builder imageDim(int v) { imageDim = v; return this; }
        public Builder tokenDim(int v) { tokenDim = v; return this; }
        public Builder hiddenDim(int v) { hiddenDim = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder dropout(double v) { dropout = v; return this; }
        public Builder maxLength(int v) { maxLength = v; return this; }

        public CaptionDecoderConfig build() {
            return new CaptionDecoderConfig(imageDim, tokenDim, hiddenDim, vocabSize, dropout, maxLength);
        }
    }
}
