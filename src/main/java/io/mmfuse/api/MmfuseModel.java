package io.mmfuse.api;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.image.DecodedBatch;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.image.ImageSource;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.text.Vocabulary;
import io.mmfuse.train.Checkpoint;
import io.mmfuse.train.Embedder;
import io.mmfuse.train.LoadedCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;

/**
 * A trained checkpoint ready for inference: text and image pre-processing plus the two encoders.
 * Thread-safe; close it to free the model's native memory.
 *
 * <pre>{@code
 * try (MmfuseModel model = MmfuseModel.load(Path.of("runs/quickstart/checkpoint"))) {
 *     FloatMatrix t = model.embedTexts(List.of("a red circle above a blue square"));
 *     FloatMatrix i = model.embedImage(ImageSource.of(Path.of("photo.jpg")));
 * }
 * }</pre>
 */
public final class MmfuseModel implements AutoCloseable {
    /** Name of the vocabulary file inside a checkpoint directory. */
    public static final String VOCABULARY_FILE = "vocabulary.json";

    private final Embedder embedder;
    private final Vocabulary vocabulary;
    private final ImageDecoder decoder;
    private final ModelConfig config;
    private final String fingerprint;

    private final LoadedCheckpoint owned;

    private MmfuseModel(LoadedCheckpoint owned, Vocabulary vocabulary, String fingerprint) {
        this.owned = owned;
        this.embedder = new Embedder(owned.model());
        this.config = owned.config();
        this.vocabulary = vocabulary;
        this.fingerprint = fingerprint;
        this.decoder = new ImageDecoder(imageOptionsFor(config));
    }

    /** Loads a checkpoint onto CUDA when LibTorch has it, else the CPU. */
    public static MmfuseModel load(Path checkpointDir) {
        return load(checkpointDir, Devices.auto());
    }

    public static MmfuseModel load(Path checkpointDir, DeviceChoice device) {
        LoadedCheckpoint loaded = Checkpoint.load(checkpointDir, device);
        try {
            byte[] vocabBytes = loaded.extras().get(VOCABULARY_FILE);
            if (vocabBytes == null) {
                throw new MmfuseException(checkpointDir + ": checkpoint has no " + VOCABULARY_FILE);
            }
            Vocabulary vocabulary = readVocabulary(vocabBytes);
            String fp = sha256(Files.readAllBytes(checkpointDir.resolve("config.json")));
            return new MmfuseModel(loaded, vocabulary, fp);
        } catch (IOException e) {
            loaded.close();
            throw new MmfuseException("cannot read checkpoint " + checkpointDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /** The pre-processing the model was trained with: its input size, values in [-1, 1]. */
    public static ImageOptions imageOptionsFor(ModelConfig config) {
        return ImageOptions.defaults().withSize(config.imageSize());
    }

    public ModelConfig config() {
        return config;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public ImageDecoder imageDecoder() {
        return decoder;
    }

    public int dimension() {
        return config.commonDim();
    }

    /**
     * Identifies the exact weights (hash of the checkpoint manifest, which holds the weights'
     * hash): stored with every index so that vectors from different models are never mixed.
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * Embeds captions (unit vectors). Over-long captions are truncated to the model's maxTokens.
     *
     * @throws InvalidInputException naming {@code texts[i]} for an empty caption or one with no
     *     word the model knows (its embedding would be meaningless)
     */
    public FloatMatrix embedTexts(List<String> texts) {
        if (texts == null || texts.isEmpty()) {
            throw new InvalidInputException("texts", "no text given");
        }
        int[][] tokens = new int[texts.size()][];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = tokenize(texts.get(i), "texts[" + i + "]");
        }
        return embedder.embedTexts(tokens);
    }

    /**
     * The token ids the model sees for {@code text}.
     *
     * @param name how to call the text in an error message
     * @throws InvalidInputException for an empty text or one with no known word
     */
    public int[] tokenize(String text, String name) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(name, "empty or whitespace-only");
        }
        int[] ids;
        try {
            ids = vocabulary.encode(text, config.maxTokens());
        } catch (InvalidInputException e) {
            throw new InvalidInputException(name, e.getMessage(), e);
        }
        if (Vocabulary.isAllUnknown(ids)) {
            throw new InvalidInputException(name, "no word of \"" + abbreviate(text) + "\" is in the model's vocabulary");
        }
        return ids;
    }

    /** Embeds one image; a bad image throws {@link io.mmfuse.image.ImageDecodeException}. */
    public FloatMatrix embedImage(ImageSource image) {
        return embedder.embedImages(decoder.decode(image), 1);
    }

    /** Embeds many images, decoding in parallel; bad images are skipped and listed. */
    public ImageEmbeddings embedImages(List<ImageSource> images, int threads) {
        return embedImages(images, null, threads);
    }

    /**
     * {@link #embedImages(List, int)} decoding on a long-lived pool (see
     * {@link ImageDecoder#newDecodePool(int)}); null = a pool of its own for this call.
     */
    public ImageEmbeddings embedImages(List<ImageSource> images, ExecutorService decodePool, int threads) {
        if (images == null || images.isEmpty()) {
            throw new InvalidInputException("images", "no image given");
        }
        DecodedBatch batch = decoder.decodeAll(images, decodePool, threads, null);
        List<Skipped> skipped = new ArrayList<>();
        for (DecodedBatch.Failure f : batch.failures()) {
            skipped.add(new Skipped(f.name(), f.reason().name(), f.message()));
        }
        List<String> names = new ArrayList<>();
        for (DecodedBatch.Decoded d : batch.decoded()) {
            names.add(d.name());
        }
        FloatMatrix vectors = batch.count() == 0 ? new FloatMatrix(0, dimension(), new float[0])
                : embedder.embedImages(batch.data(), batch.count());
        return new ImageEmbeddings(vectors, names, skipped);
    }

    /**
     * The network behind this model, for callers that need gradients through it (the GAN's latent
     * refinement). This model owns it: do not close it or train it, nor use it after {@link #close()}.
     */
    public MultimodalAutoencoder network() {
        return owned.model();
    }

    /** Embeds images already decoded with {@link #imageDecoder()} (N×3×S×S). */
    public FloatMatrix embedDecoded(float[] chw, int n) {
        return embedder.embedImages(chw, n);
    }

    /** Embeds captions already tokenised with {@link #vocabulary()}. */
    public FloatMatrix embedTokens(int[][] tokens) {
        return embedder.embedTexts(tokens);
    }

    @Override
    public void close() {
        embedder.close();
        owned.close();
    }

    static Vocabulary readVocabulary(byte[] bytes) throws IOException {
        return Vocabulary.fromJson(VOCABULARY_FILE, bytes, new io.mmfuse.text.Tokenizer());
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
