package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.dropout;
import static org.bytedeco.pytorch.global.torch.ne;
import static org.bytedeco.pytorch.global.torch.ones;
import static org.bytedeco.pytorch.global.torch.relu;

import io.mmfuse.InvalidInputException;
import org.bytedeco.pytorch.EmbeddingBagImpl;
import org.bytedeco.pytorch.EmbeddingBagOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.kMean;
import org.bytedeco.pytorch.kSum;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The founding design's text branch (bag-of-words vector -> MLP) computed sparsely: the first
 * Linear(vocab, d) applied to a count vector equals a sum of d-dimensional embedding rows, so an
 * EmbeddingBag over the token ids gives the same function without a [B, vocab] input. The bag is
 * averaged (mean of token embeddings, padding excluded) or, with TF-IDF, weighted by the
 * normalised IDF of each token. Then ReLU-MLP into the common space.
 */
public final class BagOfWordsEncoder extends TextEncoder {
    private final EmbeddingBagImpl bag;
    private final LinearImpl hidden;
    private final LinearImpl projection;
    private final Tensor idf; // null unless TF-IDF weighting
    private final double dropout;
    private final int vocabSize;

    public BagOfWordsEncoder(ModelConfig config) {
        this.dropout = config.dropout();
        this.vocabSize = config.vocabSize();
        EmbeddingBagOptions o = new EmbeddingBagOptions(config.vocabSize(), config.tokenDim());
        if (config.tfidfWeighting()) {
            o.mode().put(new kSum()); // per-sample weights require sum mode; weights sum to 1 per bag
        } else {
            o.mode().put(new kMean());
        }
        o.padding_idx().put(0L);
        bag = Tensors.keep(register_module("bag", new EmbeddingBagImpl(o)));
        hidden = Tensors.keep(register_module("fc1", new LinearImpl(config.tokenDim(), config.hiddenDim())));
        projection = Tensors.keep(register_module("proj", new LinearImpl(config.hiddenDim(), config.commonDim())));
        idf = config.tfidfWeighting() ? Tensors.keep(register_buffer("idf", ones(config.vocabSize()))) : null;
    }

    @Override
    public Tensor forward(Tensor tokens) {
        Tensor pooled;
        if (idf == null) {
            pooled = bag.forward(tokens);
        } else {
            Tensor w = idf.index_select(0, tokens.flatten()).view(tokens.size(0), tokens.size(1))
                    .mul(ne(tokens, new Scalar(0L)).to(ScalarType.Float));
            Tensor total = w.sum(new long[] {1}, true, new org.bytedeco.pytorch.ScalarTypeOptional()).clamp_min(new Scalar(1e-6));
            pooled = bag.forward(tokens, new Tensor(), w.div(total));
        }
        Tensor h = relu(hidden.forward(pooled));
        return projection.forward(dropout(h, dropout, is_training()));
    }

    /**
     * Installs inverse document frequencies (one per token id, computed from the training
     * captions). Only valid with tfidfWeighting; the table is saved with the model.
     */
    public void setIdf(float[] values) {
        if (idf == null) {
            throw new InvalidInputException("idf", "this model was configured without tfidfWeighting");
        }
        if (values.length != vocabSize) {
            throw new InvalidInputException("idf", "has " + values.length + " entries, vocabulary has " + vocabSize);
        }
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
             org.bytedeco.pytorch.NoGradGuard noGrad = new org.bytedeco.pytorch.NoGradGuard()) {
            idf.copy_(Tensors.floats(values, idf.device(), values.length));
        }
    }

    boolean weighted() {
        return idf != null;
    }
}
