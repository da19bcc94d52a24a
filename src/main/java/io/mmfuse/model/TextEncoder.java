package io.mmfuse.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/** A text tower: padded token ids [B, L] (int64, 0 = padding) -> [B, commonDim], not normalised. */
public abstract class TextEncoder extends Module {
    public abstract Tensor forward(Tensor tokens);

    /** The tower the config asks for. */
    public static TextEncoder create(ModelConfig config) {
        return switch (config.textEncoder()) {
            case BOW -> new BagOfWordsEncoder(config);
            case TOKENS, DILATED -> new ConvTokenEncoder(config);
        };
    }
}
