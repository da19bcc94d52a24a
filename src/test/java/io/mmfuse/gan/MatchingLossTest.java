package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.model.Tensors;
import io.mmfuse.train.Checkpoint;
import io.mmfuse.train.LoadedCheckpoint;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatchingLossTest {
    private static final int B = 4;

    @TempDir
    Path tmp;

    @Test
    void orderNegativesAreExtraColumnsOnlyWhereACaptionHasOne() {
        Path textModel = GanFixtures.textModel(tmp.resolve("text-model"));
        try (LoadedCheckpoint frozen = Checkpoint.load(textModel, GanFixtures.CPU);
             PointerScope scope = new PointerScope()) {
            MatchingLoss loss = new MatchingLoss(frozen.model(), GanFixtures.tiny().matchingWeight(1).build());
            Tensor images = noiseImages(3);
            Tensor text = captions(5);
            int[] ids = {0, 1, 2, 3};

            double plain = loss.compute(images, text, ids).item_float();
            double none = loss.compute(images, text, ids, text, new boolean[B]).item_float();
            // A negative identical to the true caption ties with it: the image-to-text term rises.
            double tied = loss.compute(images, text, ids, text, new boolean[] {true, true, true, true}).item_float();

            assertThat(none).isCloseTo(plain, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(tied).isGreaterThan(plain + 1e-3);
        }
    }

    @Test
    void aShiftingLossScoresAShiftedImageEachCall() {
        Path textModel = GanFixtures.textModel(tmp.resolve("text-model"));
        try (LoadedCheckpoint frozen = Checkpoint.load(textModel, GanFixtures.CPU);
             PointerScope scope = new PointerScope()) {
            MatchingLoss plain = new MatchingLoss(frozen.model(), GanFixtures.tiny().matchingWeight(1).build());
            MatchingLoss shifting = new MatchingLoss(frozen.model(), GanFixtures.tiny().matchingWeight(1).matchingShift(4).build());
            Tensor images = noiseImages(4);
            Tensor text = captions(6);
            int[] ids = {0, 1, 2, 3};
            double unshifted = plain.compute(images, text, ids).item_float();
            assertThat(plain.compute(images, text, ids).item_float()).isEqualTo((float) unshifted);
            org.bytedeco.pytorch.global.torch.manual_seed(1);
            double first = shifting.compute(images, text, ids).item_float();
            double second = shifting.compute(images, text, ids).item_float();
            org.bytedeco.pytorch.global.torch.manual_seed(1);
            assertThat(shifting.compute(images, text, ids).item_float()).as("seeded: reproducible").isEqualTo((float) first);
            assertThat(Set.of(unshifted, first, second)).as("noise images score differently when moved").hasSize(3);
        }
    }

    /** B images of uniform noise in [-1, 1]. */
    private static Tensor noiseImages(long seed) {
        Random rng = new Random(seed);
        float[] pixels = new float[B * 3 * 64 * 64];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = rng.nextFloat() * 2 - 1;
        }
        return Tensors.floats(pixels, GanFixtures.CPU.toTorch(), B, 3, 64, 64);
    }

    /** B random unit caption embeddings. */
    private static Tensor captions(long seed) {
        return Tensors.floats(GanFixtures.unitRows(B, GanFixtures.TEXT_DIM, seed), GanFixtures.CPU.toTorch(), B,
                GanFixtures.TEXT_DIM);
    }
}
