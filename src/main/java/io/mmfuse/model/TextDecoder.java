package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.scatter;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Reconstructs the founding design's text input, the bag-of-words vector over the vocabulary, from
 * a latent: Linear-ReLU-Linear to vocabSize outputs, trained with MSE against the multi-hot
 * presence vector of the caption's tokens ({@link #bagOfWordsTarget}).
 */
public final class TextDecoder extends Module {
    private final LinearImpl hidden;
    private final LinearImpl output;

    public TextDecoder(ModelConfig config) {
        hidden = Tensors.keep(register_module("fc1", new LinearImpl(config.commonDim(), config.hiddenDim())));
        output = Tensors.keep(register_module("out", new LinearImpl(config.hiddenDim(), config.vocabSize())));
    }

    /** [B, commonDim] -> [B, vocabSize]. */
    public Tensor forward(Tensor latent) {
        return output.forward(relu(hidden.forward(latent)));
    }

    /**
     * The multi-hot vector of each row of padded token ids: [B, vocabSize] float with 1 where the
     * token occurs. Column 0 (padding) is meaningless; the loss ignores it.
     */
    public static Tensor bagOfWordsTarget(Tensor tokens, Tensor like, long vocabSize) {
        Tensor zeros = like.new_full(new long[] {tokens.size(0), vocabSize}, new Scalar(0.0));
        return scatter(zeros, 1, tokens, new Scalar(1.0));
    }
}
