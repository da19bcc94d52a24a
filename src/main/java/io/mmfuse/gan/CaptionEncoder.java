package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Tensors;
import io.mmfuse.text.Vocabulary;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.EmbeddingOptions;
import org.bytedeco.pytorch.GRUImpl;
import org.bytedeco.pytorch.GRUOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A caption's tokens -> an L2-normalised {@code textDim} vector, for {@link GanConfig.CaptionEncoding#LEARNED}:
 * word embeddings (64-d, the padding id maps to zeros) read by a one-layer GRU (128 units); its
 * output at the caption's last token goes through a linear map and is L2-normalised, so that what
 * follows sees the same scale as a frozen retrieval embedding. The generator and the discriminator
 * each own one and train it with their own loss.
 */
final class CaptionEncoder extends Module {
    static final int TOKEN_DIM = 64;
    static final int HIDDEN = 128;

    private final EmbeddingImpl embedding;
    private final GRUImpl gru;
    private final LinearImpl project;

    CaptionEncoder(int vocabulary, int textDim) {
        EmbeddingOptions eo = new EmbeddingOptions(vocabulary, TOKEN_DIM);
        eo.padding_idx().put((long) Vocabulary.PAD_ID);
        embedding = Tensors.keep(register_module("embedding", new EmbeddingImpl(eo)));
        GRUOptions go = new GRUOptions(TOKEN_DIM, HIDDEN);
        go.num_layers().put(1L);
        go.batch_first().put(true);
        gru = Tensors.keep(register_module("gru", new GRUImpl(go)));
        project = Tensors.keep(register_module("project", new LinearImpl(HIDDEN, textDim)));
    }

    /**
     * @param batch token ids and last-token masks from {@link #inputs}
     * @return [B, textDim], each row of unit L2 norm
     */
    Tensor forward(Inputs batch) {
        Tensor out = gru.forward(embedding.forward(batch.ids())).get0(); // [B, T, HIDDEN]
        Tensor last = out.mul(batch.lastToken()).sum(new long[] {1}); // [B, HIDDEN]
        return Tensors.l2NormalizeRows(project.forward(last));
    }

    /** A caption encoder registered in {@code owner} for LEARNED caption encoding, else null. */
    static CaptionEncoder register(Module owner, GanConfig config) {
        if (!config.learnedCaptions()) {
            return null;
        }
        if (config.captionVocabulary() == 0) {
            throw new InvalidInputException("captionVocabulary",
                    "must be set (the text model's vocabulary size) to build a caption encoder");
        }
        return Tensors.keep(owner.register_module("captions", new CaptionEncoder(config.captionVocabulary(), config.textDim())));
    }

    /** ids [B, T] (int64, padded with the padding id) and lastToken [B, T, 1] (1 at each row's last token). */
    record Inputs(Tensor ids, Tensor lastToken) {
    }

    /**
     * The tensors for captions {@code tokens} (each non-empty, ids in [0, vocabulary)); natives are
     * in the caller's PointerScope.
     */
    static Inputs inputs(int[][] tokens, int vocabulary, Device device) {
        int[] width = new int[1];
        long[] ids = Tensors.padTokens(tokens, 0, tokens.length, Integer.MAX_VALUE, vocabulary, width);
        float[] last = new float[tokens.length * width[0]];
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].length == 0) {
                throw new IllegalArgumentException("caption row " + i + " has no token");
            }
            last[i * width[0] + tokens[i].length - 1] = 1f;
        }
        return new Inputs(Tensors.longs(ids, device, tokens.length, width[0]),
                Tensors.floats(last, device, tokens.length, width[0], 1));
    }
}
