package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Tensors;
import io.mmfuse.train.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Saving and restoring the full training state, without a text model in the loop. */
class GanCheckpointTest {
    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    private static final int WORD_CLASSES = 10;

    static Path textModel;
    static GanTrainingData data;

    @BeforeAll
    static void setUp() {
        textModel = GanFixtures.textModel(shared.resolve("text-model"));
        int images = 6;
        int[][] words = new int[12][];
        for (int c = 0; c < words.length; c++) {
            words[c] = new int[] {2 + c % 5, 7 + c % 3};
        }
        data = new GanTrainingData(new float[images * GanTrainingData.IMAGE_FLOATS], images,
                GanFixtures.unitRows(12, GanFixtures.TEXT_DIM, 4), new int[] {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5},
                null, null, new CaptionWords(words, WORD_CLASSES));
    }

    private static void steps(GanNetworks nets, long from, int n, long seed) {
        CaptionBatches batches = new CaptionBatches(data, nets.config.batchSize(), new Random(seed));
        AdversarialStep step = new AdversarialStep(nets, data, null, null);
        torch.manual_seed(seed);
        for (int i = 1; i <= n; i++) {
            step.run(batches.next(), from + i);
        }
    }

    private static float[] weights(Module m) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector p = m.parameters();
            float[][] parts = new float[(int) p.size()][];
            int total = 0;
            for (int i = 0; i < parts.length; i++) {
                parts[i] = Tensors.toHeap(p.get(i));
                total += parts[i].length;
            }
            float[] out = new float[total];
            int at = 0;
            for (float[] part : parts) {
                System.arraycopy(part, 0, out, at, part.length);
                at += part.length;
            }
            return out;
        }
    }

    @ParameterizedTest
    @CsvSource({"INPUT, TRANSPOSED, 0", "PER_BLOCK, TRANSPOSED, 0", "INPUT, RESIZE_CONV, 0", "INPUT, TRANSPOSED_REFINED, 0",
            "INPUT, TRANSPOSED, 1"})
    void aRestoredStateTrainsOnExactlyLikeTheOriginal(GanConfig.GeneratorConditioning conditioning,
            GanConfig.GeneratorUpsampling upsampling, double wordWeight) {
        GanConfig c = GanFixtures.tiny().generatorConditioning(conditioning).generatorUpsampling(upsampling)
                .wordWeight(wordWeight).wordClasses(wordWeight > 0 ? WORD_CLASSES : 0).build();
        Path dir = tmp.resolve("ckpt");
        try (GanNetworks original = GanNetworks.create(c, GanFixtures.CPU)) {
            steps(original, 0, 3, 11);
            GanCheckpoint.save(dir, original, 3, textModel);
            try (GanNetworks restored = GanNetworks.create(c, GanFixtures.CPU)) {
                assertThat(GanCheckpoint.restore(dir, restored)).isEqualTo(3);
                assertThat(weights(restored.generator)).containsExactly(weights(original.generator));
                assertThat(weights(restored.average)).containsExactly(weights(original.average));
                // Identical next steps only if the Adam moments (and step counts) came back too.
                steps(original, 3, 2, 12);
                steps(restored, 3, 2, 12);
                assertThat(weights(restored.generator)).containsExactly(weights(original.generator));
                assertThat(weights(restored.discriminator)).containsExactly(weights(original.discriminator));
            }
            try (GanNetworks fresh = GanNetworks.create(c, GanFixtures.CPU)) {
                GanCheckpoint.restore(dir, fresh);
                GanOptimizers.setLearningRate(fresh.optimizerG, c.lrG());
                try (GanNetworks noMoments = GanNetworks.create(c, GanFixtures.CPU)) {
                    // weights only, Adam restarted: the same batches move the weights differently
                    loadWeightsOnly(dir, noMoments);
                    steps(fresh, 3, 1, 13);
                    steps(noMoments, 3, 1, 13);
                    assertThat(weights(noMoments.generator)).isNotEqualTo(weights(fresh.generator));
                }
            }
        }
        GanCheckpoint.Info info = GanCheckpoint.info(dir);
        assertThat(info.step()).isEqualTo(3);
        assertThat(info.config()).isEqualTo(c);
        assertThat(info.textModel().resolve("config.json")).isRegularFile();
    }

    @Test
    void restoringIntoOtherNetworksIsRefused() {
        Path dir = tmp.resolve("ckpt");
        try (GanNetworks nets = GanNetworks.create(GanFixtures.tiny().build(), GanFixtures.CPU)) {
            GanCheckpoint.save(dir, nets, 0, textModel);
        }
        try (GanNetworks other = GanNetworks.create(GanFixtures.tiny().discWidth(16).build(), GanFixtures.CPU)) {
            assertThatThrownBy(() -> GanCheckpoint.restore(dir, other)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("differ");
        }
        try (GanNetworks other = GanNetworks.create(GanFixtures.tiny()
                .generatorConditioning(GanConfig.GeneratorConditioning.PER_BLOCK).build(), GanFixtures.CPU)) {
            assertThatThrownBy(() -> GanCheckpoint.restore(dir, other)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("differ");
        }
    }

    @Test
    void anUnrelatedDirectoryIsNeverReplaced() throws Exception {
        Path dir = tmp.resolve("precious");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("notes.txt"), "keep me");
        try (GanNetworks nets = GanNetworks.create(GanFixtures.tiny().build(), GanFixtures.CPU)) {
            assertThatThrownBy(() -> GanCheckpoint.save(dir, nets, 0, textModel)).isInstanceOf(InvalidInputException.class);
        }
        assertThat(dir.resolve("notes.txt")).hasContent("keep me");
        assertThatThrownBy(() -> GanCheckpoint.info(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a GAN checkpoint");
    }

    private static void loadWeightsOnly(Path dir, GanNetworks nets) {
        try (GanNetworks donor = GanNetworks.create(nets.config, GanFixtures.CPU)) {
            GanCheckpoint.restore(dir, donor);
            GeneratorAverage.copy(donor.generator, nets.generator);
            GeneratorAverage.copy(donor.average, nets.average);
            try (PointerScope scope = new PointerScope(); org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
                TensorVector dst = nets.discriminator.parameters();
                TensorVector src = donor.discriminator.parameters();
                for (long i = 0; i < dst.size(); i++) {
                    dst.get(i).copy_(src.get(i));
                }
                TensorVector db = nets.discriminator.buffers();
                TensorVector sb = donor.discriminator.buffers();
                for (long i = 0; i < db.size(); i++) {
                    db.get(i).copy_(sb.get(i));
                }
            }
        }
    }
}
