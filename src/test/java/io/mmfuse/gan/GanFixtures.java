package io.mmfuse.gan;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.text.Tokenizer;
import io.mmfuse.text.Vocabulary;
import io.mmfuse.train.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Tiny GANs, a small untrained retrieval model and coloured-shape data for the GAN tests. */
final class GanFixtures {
    static final DeviceChoice CPU = DeviceChoice.cpu("test");
    static final int TEXT_DIM = 32;
    static final Dataset SHAPES = SyntheticShapes.generate(
            SyntheticShapes.Config.defaults().withSeed(5).withSplitSizes(24, 0, 0).withCaptionsPerImage(2));

    private GanFixtures() {
    }

    /** Widths 8, batch 8, 32-d captions, 2 threads: a few dozen steps take seconds. */
    static GanConfig.Builder tiny() {
        return GanConfig.builder().textDim(TEXT_DIM).noiseDim(16).condDim(8).genWidth(8).discWidth(8).batchSize(8)
                .threads(2).seed(7);
    }

    static List<String> captions() {
        List<String> out = new ArrayList<>();
        for (Sample s : SHAPES.train()) {
            out.addAll(s.captions());
        }
        return out;
    }

    /**
     * Writes an untrained retrieval checkpoint (64 px images, 32-d space, vocabulary of the shape
     * captions) to {@code dir}; its embeddings are arbitrary but fixed, which is all the GAN needs.
     */
    static Path textModel(Path dir) {
        return textModel(dir, 64, 3, captions());
    }

    /** As {@link #textModel(Path)} with other weights, image size or vocabulary: a second retrieval model. */
    static Path textModel(Path dir, int imageSize, long seed, List<String> vocabularyCaptions) {
        Vocabulary vocabulary = Vocabulary.build(vocabularyCaptions, new Tokenizer(), 1, 1000);
        ModelConfig mc = ModelConfig.builder().imageSize(imageSize).cnnWidth(4).commonDim(TEXT_DIM).tokenDim(16)
                .hiddenDim(32).vocabSize(vocabulary.size()).maxTokens(12).dropout(0.0).build();
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, seed)) {
            Checkpoint.save(dir, mc, m, Map.of(MmfuseModel.VOCABULARY_FILE, vocabulary.toJson()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** The shape images (decoded to [-1, 1]) with their captions embedded by {@code model}. */
    static GanTrainingData data(MmfuseModel model) {
        ImageDecoder decoder = new ImageDecoder(ImageOptions.defaults());
        List<Sample> samples = SHAPES.train();
        int imageFloats = 3 * 64 * 64;
        float[] images = new float[samples.size() * imageFloats];
        List<String> captions = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            decoder.decodeInto(samples.get(i).image(), images, i * imageFloats);
            for (String c : samples.get(i).captions()) {
                captions.add(c);
                owners.add(i);
            }
        }
        return GanTrainingData.embed(model, images, samples.size(), captions,
                owners.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Random unit rows, for tests that need no text model. */
    static float[] unitRows(int rows, int dim, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] out = new float[rows * dim];
        for (int i = 0; i < rows; i++) {
            double n = 0;
            for (int j = 0; j < dim; j++) {
                out[i * dim + j] = (float) r.nextGaussian();
                n += out[i * dim + j] * out[i * dim + j];
            }
            for (int j = 0; j < dim; j++) {
                out[i * dim + j] /= (float) Math.sqrt(n);
            }
        }
        return out;
    }
}
