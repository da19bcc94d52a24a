package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.FloatMatrix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CheckpointTest {
    private static final DeviceChoice CPU = DeviceChoice.cpu("test");
    private static final TrainingData DATA = SyntheticData.make(8, 2, 32, 5);
    private static final Map<String, byte[]> EXTRAS = Map.of("vocabulary.json",
            "{\"tokens\":[\"<pad>\",\"dog\"]}".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path tmp;

    private static MultimodalAutoencoder trained(ModelConfig mc) {
        MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 21);
        // one epoch so BatchNorm running statistics and weights differ from a fresh model
        new Trainer(TrainConfig.builder().epochs(1).batchSize(4).threads(2).augment(false).build(), ProgressSink.NONE)
                .train(m, DATA, null);
        return m;
    }

    @ParameterizedTest
    @EnumSource(ModelConfig.TextEncoderKind.class)
    void roundTripGivesIdenticalEmbeddings(ModelConfig.TextEncoderKind kind) {
        ModelConfig mc = SyntheticData.tinyModel().textEncoder(kind).build();
        Path dir = tmp.resolve("ckpt");
        FloatMatrix images;
        FloatMatrix texts;
        try (MultimodalAutoencoder m = trained(mc); Embedder e = new Embedder(m)) {
            images = e.embedImages(DATA.images(), DATA.imageCount());
            texts = e.embedTexts(DATA.captionTokens());
            Checkpoint.save(dir, mc, m, EXTRAS);
        }
        try (LoadedCheckpoint loaded = Checkpoint.load(dir, CPU); Embedder e = new Embedder(loaded.model())) {
            assertThat(loaded.config()).isEqualTo(mc);
            assertThat(loaded.extras()).containsOnlyKeys("vocabulary.json");
            assertThat(loaded.extras().get("vocabulary.json")).isEqualTo(EXTRAS.get("vocabulary.json"));
            assertThat(e.embedImages(DATA.images(), DATA.imageCount()).data()).containsExactly(images.data());
            assertThat(e.embedTexts(DATA.captionTokens()).data()).containsExactly(texts.data());
        }
    }

    @Test
    void trainingResumesFromALoadedCheckpoint() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        TrainConfig tc = TrainConfig.builder().epochs(3).batchSize(8).learningRate(3e-3).threads(2).augment(false).build();
        TrainingData data = SyntheticData.make(32, 2, 32, 7);
        Path dir = tmp.resolve("resume");
        double firstRunStart;
        double firstRunEnd;
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 2)) {
            TrainResult r = new Trainer(tc, ProgressSink.NONE).train(m, data, null);
            firstRunStart = r.history().get(0).loss();
            firstRunEnd = r.last().loss();
            Checkpoint.save(dir, mc, m, Map.of());
        }
        try (LoadedCheckpoint loaded = Checkpoint.load(dir, CPU)) {
            TrainResult resumed = new Trainer(tc.toBuilder().epochs(1).build(), ProgressSink.NONE)
                    .train(loaded.model(), data, null);
            // Picks up near where the first run ended, far below a fresh start.
            assertThat(resumed.history().get(0).loss()).isLessThan((firstRunStart + firstRunEnd) / 2);
        }
    }

    @Test
    void tfidfTableIsSavedWithTheModel() {
        ModelConfig mc = SyntheticData.tinyModel().tfidfWeighting(true).build();
        Path dir = tmp.resolve("tfidf");
        float[] before;
        try (MultimodalAutoencoder m = trained(mc); Embedder e = new Embedder(m)) {
            before = e.embedTexts(DATA.captionTokens()).data();
            Checkpoint.save(dir, mc, m, Map.of());
        }
        try (Embedder e = Embedder.open(dir, CPU)) {
            assertThat(e.embedTexts(DATA.captionTokens()).data()).containsExactly(before);
        }
    }

    @Test
    void replacesAnExistingCheckpointAndLeavesNoTemporaries() throws Exception {
        ModelConfig mc = SyntheticData.tinyModel().build();
        Path dir = tmp.resolve("ckpt");
        try (MultimodalAutoencoder a = MultimodalAutoencoder.create(mc, CPU, 1);
             MultimodalAutoencoder b = MultimodalAutoencoder.create(mc, CPU, 2)) {
            Checkpoint.save(dir, mc, a, Map.of("note.txt", new byte[] {1}));
            Checkpoint.save(dir, mc, b, Map.of("other.txt", new byte[] {2}));
            try (LoadedCheckpoint loaded = Checkpoint.load(dir, CPU)) {
                assertThat(loaded.extras()).containsOnlyKeys("other.txt");
                float[] expected = new Embedder(b).embedTexts(DATA.captionTokens()).data();
                assertThat(new Embedder(loaded.model()).embedTexts(DATA.captionTokens()).data()).containsExactly(expected);
            }
        }
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString()).toList()).containsExactly("ckpt");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("config.json", "model.pt", "other.txt");
        }
    }

    @Test
    void missingOrIncompleteCheckpointsAreReported() throws Exception {
        assertThatThrownBy(() -> Checkpoint.load(tmp.resolve("nope"), CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("not a directory");
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        assertThatThrownBy(() -> Checkpoint.load(empty, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("missing config.json");

        Path dir = saved("ckpt");
        Files.delete(dir.resolve("model.pt"));
        assertThatThrownBy(() -> Checkpoint.load(dir, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("missing model.pt");
    }

    @Test
    void corruptFilesAreReported() throws Exception {
        Path flipped = saved("flipped");
        byte[] weights = Files.readAllBytes(flipped.resolve("model.pt"));
        weights[weights.length / 2] ^= 0x5a;
        Files.write(flipped.resolve("model.pt"), weights);
        assertThatThrownBy(() -> Checkpoint.load(flipped, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("model.pt does not match its checksum");

        Path badJson = saved("badjson");
        Files.writeString(badJson.resolve("config.json"), "{ not json");
        assertThatThrownBy(() -> Checkpoint.load(badJson, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("not valid JSON");

        Path badConfig = saved("badconfig");
        String json = Files.readString(badConfig.resolve("config.json")).replace("\"imageSize\" : 32", "\"imageSize\" : 30");
        Files.writeString(badConfig.resolve("config.json"), json);
        assertThatThrownBy(() -> Checkpoint.load(badConfig, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("imageSize");

        // weights that do not fit the config: pass the checksum, fail the shapes
        Path mismatched = saved("mismatched");
        String wider = Files.readString(mismatched.resolve("config.json")).replace("\"cnnWidth\" : 8", "\"cnnWidth\" : 16");
        Files.writeString(mismatched.resolve("config.json"), wider);
        assertThatThrownBy(() -> Checkpoint.load(mismatched, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("cannot load the weights");
    }

    @Test
    void otherFormatVersionsAreIncompatible() throws Exception {
        Path dir = saved("v2");
        String json = Files.readString(dir.resolve("config.json")).replace("\"formatVersion\" : 1", "\"formatVersion\" : 2");
        Files.writeString(dir.resolve("config.json"), json);
        assertThatThrownBy(() -> Checkpoint.load(dir, CPU))
                .isInstanceOf(CheckpointException.class).hasMessageContaining("format version 2");
    }

    @Test
    void refusesBadExtrasAndForeignDirectories() throws Exception {
        ModelConfig mc = SyntheticData.tinyModel().build();
        Path foreign = Files.createDirectory(tmp.resolve("home"));
        Files.writeString(foreign.resolve("thesis.tex"), "precious");
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 1)) {
            for (String bad : List.of("../evil", "model.pt", "config.json", "a/b", "")) {
                assertThatThrownBy(() -> Checkpoint.save(tmp.resolve("x"), mc, m, Map.of(bad, new byte[0])))
                        .as(bad).isInstanceOf(InvalidInputException.class);
            }
            assertThatThrownBy(() -> Checkpoint.save(foreign, mc, m, Map.of()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("refusing");
            assertThatThrownBy(() -> Checkpoint.save(tmp.resolve("y"), mc.toBuilder().commonDim(16).build(), m, Map.of()))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("config");
        }
        assertThat(Files.readString(foreign.resolve("thesis.tex"))).isEqualTo("precious");
    }

    private Path saved(String name) {
        ModelConfig mc = SyntheticData.tinyModel().build();
        Path dir = tmp.resolve(name);
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 1)) {
            Checkpoint.save(dir, mc, m, EXTRAS);
        }
        return dir;
    }
}
