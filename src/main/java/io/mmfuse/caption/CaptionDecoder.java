package io.mmfuse.caption;

import static org.bytedeco.pytorch.global.torch.dropout;
import static org.bytedeco.pytorch.global.torch.tanh;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.EmbeddingImpl;
import org.bytedeco.pytorch.EmbeddingOptions;
import org.bytedeco.pytorch.GRUImpl;
import org.bytedeco.pytorch.GRUOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;

/**
 * Image embedding to caption: the embedding, through Linear + tanh, becomes the initial hidden
 * state of a one-layer GRU that reads word embeddings; the GRU outputs go through dropout and a
 * Linear layer to logits over the caption vocabulary.
 *
 * <p>The image enters only through the initial state (Show-and-Tell style): the embedding is a
 * single 256-d vector already aligned with caption space by the retrieval model, so one projection
 * into the recurrent state is enough, and it keeps each decoding step a plain GRU step.
 *
 * <p>Native object: {@link #create} detaches it from any open PointerScope; close it when done. In
 * eval mode, forward passes may run concurrently from several threads.
 */
public final class CaptionDecoder extends Module {
    private final CaptionDecoderConfig config;
    private final DeviceChoice deviceChoice;
    private final Device device;
    private final LinearImpl initial;
    private final EmbeddingImpl embedding;
    private final GRUImpl gru;
    private final LinearImpl output;

    private CaptionDecoder(CaptionDecoderConfig config, DeviceChoice deviceChoice) {
        this.config = config;
        this.deviceChoice = deviceChoice;
        this.device = Tensors.keep(deviceChoice.toTorch());
        initial = Tensors.keep(register_module("init", new LinearImpl(config.imageDim(), config.hiddenDim())));
        EmbeddingOptions eo = new EmbeddingOptions(config.vocabSize(), config.tokenDim());
        eo.padding_idx().put((long) CaptionVocabulary.PAD);
        embedding = Tensors.keep(register_module("embedding", new EmbeddingImpl(eo)));
        GRUOptions go = new GRUOptions(config.tokenDim(), config.hiddenDim());
        go.num_layers().put(1L);
        go.batch_first().put(true);
        gru = Tensors.keep(register_module("gru", new GRUImpl(go)));
        output = Tensors.keep(register_module("out", new LinearImpl(config.hiddenDim(), config.vocabSize())));
    }

    /**
     * A freshly initialised decoder; {@code torch.manual_seed(seed)} first, so the same seed gives
     * the same weights.
     */
    public static CaptionDecoder create(CaptionDecoderConfig config, DeviceChoice device, long seed) {
        org.bytedeco.pytorch.global.torch.manual_seed(seed);
        return create(config, device);
    }

    /** A decoder initialised from LibTorch's global generator as it stands (to load weights into). */
    public static CaptionDecoder create(CaptionDecoderConfig config, DeviceChoice device) {
        if (config == null) {
            throw new InvalidInputException("config", "is required");
        }
        if (device == null) {
            throw new InvalidInputException("device", "is required");
        }
        try {
            CaptionDecoder d = Tensors.keep(new CaptionDecoder(config, device));
            if (device.isCuda()) {
                d.to(d.device, false);
            }
            return d;
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("building the caption decoder on " + device, e);
        }
    }

    /** Output of one decoding step. */
    public record Step(Tensor logits, Tensor hidden) {
    }

    /** [B, imageDim] -> [1, B, hiddenDim]: the GRU's initial state. */
    public Tensor initialHidden(Tensor imageEmbeddings) {
        return tanh(initial.forward(imageEmbeddings)).unsqueeze(0);
    }

    /**
     * Teacher forcing over whole sequences.
     *
     * @param imageEmbeddings [B, imageDim] float
     * @param inputTokens [B, T] int64: {@link CaptionVocabulary#BOS} followed by the caption's words,
     *     padded with {@link CaptionVocabulary#PAD}
     * @return [B, T, vocabSize] logits; position t predicts input token t + 1 (or {@code <eos>})
     */
    public Tensor forward(Tensor imageEmbeddings, Tensor inputTokens) {
        Tensor h0 = initialHidden(imageEmbeddings);
        T_TensorTensor_T out = gru.forward(embedding.forward(inputTokens), h0);
        return output.forward(dropout(out.get0(), config.dropout(), is_training()));
    }

    /**
     * One step for a batch of partial captions.
     *
     * @param tokens [B] int64, the last token of each partial caption
     * @param hidden [1, B, hiddenDim], the state after the tokens before it
     * @return logits [B, vocabSize] for the next token, and the new state
     */
    public Step step(Tensor tokens, Tensor hidden) {
        T_TensorTensor_T out = gru.forward(embedding.forward(tokens.unsqueeze(1)), hidden);
        Tensor y = dropout(out.get0().squeeze(1), config.dropout(), is_training());
        return new Step(output.forward(y), out.get1());
    }

    public CaptionDecoderConfig config() {
        return config;
    }

    public DeviceChoice deviceChoice() {
        return deviceChoice;
    }

    public Device device() {
        return device;
    }

    public long parameterCount() {
        try (PointerScope scope = new PointerScope()) {
            StringTensorDict params = named_parameters(true);
            long n = 0;
            for (long i = 0; i < params.size(); i++) {
                n += params.get(i).value().numel();
            }
            return n;
        }
    }
}
