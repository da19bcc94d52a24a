package io.mmfuse.eval.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.model.DeviceChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny classifier (32 px, width 4) trained for a few steps: plumbing, persistence, determinism. */
class AttributeClassifierTest {
    private static final DeviceChoice CPU = DeviceChoice.cpu("test");
    private static final AttributeClassifierConfig TINY =
            AttributeClassifierConfig.builder().imageSize(32).width(4).hidden(16).build();
    private static final ClassifierTrainConfig SHORT =
            ClassifierTrainConfig.builder().epochs(2).batchSize(16).threads(1).seed(5).build();
    private static SceneImages data;

    @BeforeAll
    static void generate() {
        SyntheticShapes.Config cfg = SyntheticShapes.Config.defaults().withSeed(9).withSplitSizes(48, 0, 0).withSize(32);
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(cfg);
        data = SceneImages.decode(g.dataset().train(), g.scenes(), 32, 32, 1);
    }

    private static AttributeClassifier trained(long seed) {
        AttributeClassifier c = AttributeClassifier.create(TINY, CPU, seed);
        ClassifierTrainingSummary s = new AttributeClassifierTrainer(SHORT.toBuilder().seed(seed).build(),
                ClassifierProgress.NONE).train(c, data);
        assertThat(s.steps()).isEqualTo(6);
        assertThat(s.images()).isEqualTo(96);
        assertThat(s.lastEpochLoss()).isFinite().isPositive();
        return c;
    }

    @Test
    void predictsOneCanonicalAttributeSetPerImage() {
        try (AttributeClassifier c = trained(5)) {
            List<SceneAttributes> p = c.predict(data.images(), data.count());

            assertThat(p).hasSize(48);
            assertThat(c.is_training()).isFalse();
        }
    }

    @Test
    void sameSeedTrainsTheSameWeights() {
        try (AttributeClassifier a = trained(5); AttributeClassifier b = trained(5); AttributeClassifier c = trained(6)) {
            float[] la = a.logits(data.images(), data.count());

            assertThat(b.logits(data.images(), data.count())).isEqualTo(la);
            assertThat(Arrays.equals(c.logits(data.images(), data.count()), la)).isFalse();
        }
    }

    @Test
    void saveAndLoadGiveTheSameLogits(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("classifier");
        try (AttributeClassifier c = trained(5)) {
            c.save(dir);
            c.save(dir); // replacing a saved classifier is allowed
            try (AttributeClassifier loaded = AttributeClassifier.load(dir, CPU)) {
                assertThat(loaded.config()).isEqualTo(TINY);
                assertThat(loaded.logits(data.images(), data.count())).isEqualTo(c.logits(data.images(), data.count()));
            }
        }
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("classifier");
        }
    }

    @Test
    void loadRejectsCorruptWeightsAndSaveRefusesForeignDirectories(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("classifier");
        try (AttributeClassifier c = AttributeClassifier.create(TINY, CPU, 1)) {
            c.save(dir);
            byte[] w = Files.readAllBytes(dir.resolve(AttributeClassifier.WEIGHTS));
            w[w.length / 2] ^= 1;
            Files.write(dir.resolve(AttributeClassifier.WEIGHTS), w);
            assertThatThrownBy(() -> AttributeClassifier.load(dir, CPU))
                    .isInstanceOf(MmfuseException.class).hasMessageContaining("checksum");

            Path foreign = Files.createDirectories(tmp.resolve("foreign"));
            Files.writeString(foreign.resolve("notes.txt"), "keep me");
            assertThatThrownBy(() -> c.save(foreign)).isInstanceOf(InvalidInputException.class);
            assertThat(foreign.resolve("notes.txt")).exists();
        }
        assertThatThrownBy(() -> AttributeClassifier.load(tmp.resolve("absent"), CPU))
                .isInstanceOf(MmfuseException.class).hasMessageContaining("no attribute classifier");
    }

    @Test
    void rejectsImagesOfTheWrongSizeOrWithNonFiniteValues() {
        try (AttributeClassifier c = AttributeClassifier.create(TINY, CPU, 1)) {
            assertThatThrownBy(() -> c.predict(new float[3 * 64 * 64], 1))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("images");
            float[] two = new float[2 * 3 * 32 * 32];
            two[3 * 32 * 32 + 7] = Float.NaN;
            assertThatThrownBy(() -> c.predict(two, 2))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("images[1]");
        }
        assertThatThrownBy(() -> AttributeClassifierConfig.builder().imageSize(40).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("imageSize");
    }
}
