package io.mmfuse.model;

import io.mmfuse.InvalidInputException;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * The founding design's multimodal autoencoder, made trainable: an image encoder and a text encoder
 * into a common space, a decoder per modality, and a learned logit scale for the contrastive
 * objective. Retrieval uses the L2-normalised encoder outputs ({@link #embedImages},
 * {@link #embedTexts}); the decoders read the un-normalised latents.
 *
 * <p>Native object: create it outside any PointerScope you are about to close (or rely on
 * {@link #create}, which detaches it), and {@link #close()} it when done. In eval mode, forward
 * passes may run concurrently from several threads (LibTorch modules are read-only then).
 */
public final class MultimodalAutoencoder extends Module {
    private final ModelConfig config;
    private final DeviceChoice deviceChoice;
    private final Device device;
    private final ImageEncoder imageEncoder;
    private final TextEncoder textEncoder;
    private final ImageDecoder imageDecoder;
    private final TextDecoder textDecoder;
    private final Tensor logLogitScale;
    private final Scalar maxLogLogitScale;

    private MultimodalAutoencoder(ModelConfig config, DeviceChoice deviceChoice) {
        this.config = config;
        this.deviceChoice = deviceChoice;
        this.device = Tensors.keep(deviceChoice.toTorch());
        imageEncoder = Tensors.keep(register_module("image_encoder", new ImageEncoder(config)));
        textEncoder = Tensors.keep(register_module("text_encoder", TextEncoder.create(config)));
        imageDecoder = Tensors.keep(register_module("image_decoder", new ImageDecoder(config)));
        textDecoder = Tensors.keep(register_module("text_decoder", new TextDecoder(config)));
        logLogitScale = Tensors.keep(register_parameter("log_logit_scale",
                Tensor.create(new float[] {(float) Math.log(1 / config.initialTemperature())}, 1)));
        maxLogLogitScale = Tensors.keep(new Scalar(Math.log(config.maxLogitScale())));
    }

    /**
     * A freshly initialised model on the given device. Initial weights come from LibTorch's global
     * generator: call {@code torch.manual_seed} first for a reproducible start.
     */
    public static MultimodalAutoencoder create(ModelConfig config, DeviceChoice device) {
        if (config == null) {
            throw new InvalidInputException("config", "is required");
        }
        if (device == null) {
            throw new InvalidInputException("device", "is required");
        }
        MultimodalAutoencoder m;
        try {
            m = Tensors.keep(new MultimodalAutoencoder(config, device));
            if (device.isCuda()) {
                m.to(m.device, false);
            }
        } catch (RuntimeException e) {
            if (e instanceof io.mmfuse.MmfuseException me) {
                throw me;
            }
            throw Tensors.nativeFailure("building the model on " + device, e);
        }
        return m;
    }

    /** Seeds LibTorch's global generator, then {@link #create(ModelConfig, DeviceChoice)}: same seed, same weights. */
    public static MultimodalAutoencoder create(ModelConfig config, DeviceChoice device, long seed) {
        org.bytedeco.pytorch.global.torch.manual_seed(seed);
        return create(config, device);
    }

    /** What the encoders and decoders produced for one batch. Reconstructions are null when off. */
    public record Outputs(Tensor imageLatent, Tensor textLatent, Tensor imageEmbedding, Tensor textEmbedding,
                          Tensor reconstructedImages, Tensor reconstructedBagOfWords) {
    }

    /**
     * One training forward pass over paired inputs.
     *
     * @param images [B, 3, S, S] float on {@link #device()}
     * @param tokens [B, L] int64 padded token ids on {@link #device()}
     * @param reconstruct also run both decoders
     */
    public Outputs forward(Tensor images, Tensor tokens, boolean reconstruct) {
        Tensor imageLatent = imageEncoder.forward(images);
        Tensor textLatent = textEncoder.forward(tokens);
        return new Outputs(imageLatent, textLatent, Tensors.l2NormalizeRows(imageLatent), Tensors.l2NormalizeRows(textLatent),
                reconstruct ? imageDecoder.forward(imageLatent) : null,
                reconstruct ? textDecoder.forward(textLatent) : null);
    }

    /** [B, 3, S, S] -> [B, commonDim], unit rows. */
    public Tensor embedImages(Tensor images) {
        return Tensors.l2NormalizeRows(imageEncoder.forward(images));
    }

    /** [B, L] padded int64 token ids -> [B, commonDim], unit rows. */
    public Tensor embedTexts(Tensor tokens) {
        return Tensors.l2NormalizeRows(textEncoder.forward(tokens));
    }

    /** exp of the learned log-scale, clamped at maxLogitScale like CLIP (1/temperature). */
    public Tensor logitScale() {
        return logLogitScale.clamp(new ScalarOptional(), new ScalarOptional(maxLogLogitScale)).exp();
    }

    /** Sets the IDF table of a BOW encoder built with tfidfWeighting (see {@link BagOfWordsEncoder#setIdf}). */
    public void setIdf(float[] idf) {
        if (!(textEncoder instanceof BagOfWordsEncoder bow) || !bow.weighted()) {
            throw new InvalidInputException("idf", "this model was configured without tfidfWeighting");
        }
        bow.setIdf(idf);
    }

    public ModelConfig config() {
        return config;
    }

    public DeviceChoice deviceChoice() {
        return deviceChoice;
    }

    /** The model's device handle; owned by the model, do not close. */
    public Device device() {
        return device;
    }

    public ImageEncoder imageEncoder() {
        return imageEncoder;
    }

    public TextEncoder textEncoder() {
        return textEncoder;
    }

    public ImageDecoder imageDecoder() {
        return imageDecoder;
    }

    public TextDecoder textDecoder() {
        return textDecoder;
    }

    /** Trainable scalars in the whole model. */
    public long parameterCount() {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            TensorVector params = parameters();
            long n = 0;
            for (long i = 0; i < params.size(); i++) {
                n += params.get(i).numel();
            }
            return n;
        }
    }
}
