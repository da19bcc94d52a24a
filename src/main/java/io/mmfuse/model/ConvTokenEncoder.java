package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.dropout;
import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv1dImpl;
import org.bytedeco.pytorch.Conv1dOptions;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.EmbeddingOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Order-aware text tower: token embeddings, two width-3 1-D convolutions (so bigrams and trigrams
 * such as "not red" or "black dog" get their own features), max-pool over the real (non-padding)
 * positions, linear projection. Chosen over a GRU, which the anchors measured ~9x slower per
 * example on this class of CPU, and over a transformer, which needs more data than Flickr8k.
 */
public final class ConvTokenEncoder extends TextEncoder {
    private final EmbeddingImpl embedding;
    private final Conv1dImpl conv1;
    private final Conv1dImpl conv2;
    private final LinearImpl projection;
    private final double dropout;

    public ConvTokenEncoder(ModelConfig config) {
        this.dropout = config.dropout();
        EmbeddingOptions eo = new EmbeddingOptions(config.vocabSize(), config.tokenDim());
        eo.padding_idx().put(0L);
        embedding = Tensors.keep(register_module("embedding", new EmbeddingImpl(eo)));
        conv1 = Tensors.keep(register_module("conv1", new Conv1dImpl(conv(config.tokenDim(), config.hiddenDim()))));
        conv2 = Tensors.keep(register_module("conv2", new Conv1dImpl(conv(config.hiddenDim(), config.hiddenDim()))));
        projection = Tensors.keep(register_module("proj", new LinearImpl(config.hiddenDim(), config.commonDim())));
    }

    private static Conv1dOptions conv(int in, int out) {
        Conv1dOptions o = new Conv1dOptions(in, out, new LongPointer(1).put(3L));
        o.padding().put(new LongPointer(1).put(1L));
        return o;
    }

    @Override
    public Tensor forward(Tensor tokens) {
        Tensor x = embedding.forward(tokens).transpose(1, 2); // [B, D, L]
        x = relu(conv1.forward(x));
        x = relu(conv2.forward(x));
        // After ReLU every feature is >= 0, so zeroing the padding positions leaves the max over
        // the real tokens unchanged (and an all-padding caption pools to zeros, not -inf).
        Tensor real = tokens.ne(new Scalar(0L)).unsqueeze(1).to(ScalarType.Float);
        Tensor pooled = x.mul(real).amax(new long[] {2}, false);
        return projection.forward(dropout(pooled, dropout, is_training()));
    }
}
