package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;
import io.mmfuse.image.ImageOptions;

/**
 * Shape of an {@link AttributeClassifier}. Immutable; start from {@link #defaults()} and use
 * {@link #toBuilder()}.
 *
 * @param imageSize side of the square input, a multiple of 16 (four blocks each halve it)
 * @param width channels of the first conv block; the others have 2x, 4x and 8x as many
 * @param cellChannels channels each cell of the last feature map is squeezed to before flattening
 * @param hidden units of the fully connected layer between the flattened feature map and the heads
 * @param dropout dropout before the heads while training, in [0, 1)
 */
public record AttributeClassifierConfig(int imageSize, int width, int cellChannels, int hidden, double dropout) {
    public AttributeClassifierConfig {
        if (imageSize < 16 || imageSize > 1024 || imageSize % 16 != 0) {
            throw new InvalidInputException("imageSize", "must be a multiple of 16 in [16, 1024], was " + imageSize);
        }
        if (width < 1 || width > 256) {
            throw new InvalidInputException("width", "must be in [1, 256], was " + width);
        }
        if (cellChannels < 1 || cellChannels > 1024) {
            throw new InvalidInputException("cellChannels", "must be in [1, 1024], was " + cellChannels);
        }
        if (hidden < 1 || hidden > 8192) {
            throw new InvalidInputException("hidden", "must be in [1, 8192], was " + hidden);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidInputException("dropout", "must be in [0, 1), was " + dropout);
        }
    }

    /** 64 px input, width 16 (16/32/64/128 channels), 16 channels per cell, 256 hidden units, dropout 0.1. */
    public static AttributeClassifierConfig defaults() {
        return new AttributeClassifierConfig(ImageOptions.DEFAULT_SIZE, 16, 16, 256, 0.1);
    }

    /** Side of the last feature map, flattened into the hidden layer so that positions survive. */
    int finalSide() {
        return imageSize / 16;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    public static final class Builder {
        private int imageSize;
        private int width;
        private int cellChannels;
        private int hidden;
        private double dropout;

        private Builder(AttributeClassifierConfig c) {
            imageSize = c.imageSize;
            width = c.width;
            cellChannels = c.cellChannels;
            hidden = c.hidden;
            dropout = c.dropout;
        }

        public Builder imageSize(int v) { imageSize = v; return this; }
        public Builder width(int v) { width = v; return this; }
        public Builder cellChannels(int v) { cellChannels = v; return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder dropout(double v) { dropout = v; return this; }

        public AttributeClassifierConfig build() {
            return new AttributeClassifierConfig(imageSize, width, cellChannels, hidden, dropout);
        }
    }
}
