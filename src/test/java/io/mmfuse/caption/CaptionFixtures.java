package io.mmfuse.caption;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import io.mmfuse.data.SyntheticShapes;
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

/** Small synthetic-shapes data and an untrained retrieval checkpoint for the captioner tests. */
final class CaptionFixtures {
    static final DeviceChoice CPU = DeviceChoice.cpu("test");

    private CaptionFixtures() {
    }

    static Dataset shapes(int train, int val, int test) {
        return SyntheticShapes.generate(SyntheticShapes.Config.defaults().withSeed(5).withSplitSizes(train, val, test)
                .withSize(32).withCaptionsPerImage(2));
    }

    static List<String> captions(List<Sample> samples) {
        List<String> out = new ArrayList<>();
        samples.forEach(s -> out.addAll(s.captions()));
        return out;
    }

    /** A freshly initialised (untrained) 32 px, 32-d retrieval model saved with its vocabulary. */
    static Path retrievalCheckpoint(Path dir, Dataset dataset) {
        Vocabulary vocabulary = Vocabulary.build(captions(dataset.train()), new Tokenizer(), 1, 1000);
        ModelConfig mc = ModelConfig.builder().imageSize(32).cnnWidth(8).commonDim(32).tokenDim(32).hiddenDim(64)
                .vocabSize(vocabulary.size()).maxTokens(16).dropout(0.0).build();
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 1)) {
            Checkpoint.save(dir, mc, model, Map.of(MmfuseModel.VOCABULARY_FILE, vocabulary.toJson()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
