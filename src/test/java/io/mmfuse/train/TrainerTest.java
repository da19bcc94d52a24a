package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.FloatMatrix;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainerTest {
    private static final DeviceChoice CPU = DeviceChoice.cpu("test");
    private static final TrainingData DATA = SyntheticData.make(32, 2, 32, 7);

    private static TrainConfig.Builder quick() {
        return TrainConfig.builder().epochs(6).batchSize(16).learningRate(3e-3).weightDecay(0.0).seed(11)
                .augment(false).threads(2).validateEveryEpoch(true);
    }

    private static double mean(double[] xs, int from, int to) {
        return Arrays.stream(xs, from, to).average().orElseThrow();
    }

    @Test
    void contrastiveLossDecreasesAndRetrievalBeatsChance() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        RecordingProgress progress = new RecordingProgress();
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 3)) {
            TrainResult result = new Trainer(quick().build(), progress).train(model, DATA, DATA);

            double[] losses = progress.losses();
            assertThat(losses).hasSize(6 * 4);
            assertThat(Arrays.stream(losses).allMatch(Double::isFinite)).isTrue();
            assertThat(mean(losses, losses.length - 4, losses.length)).isLessThan(0.7 * mean(losses, 0, 4));
            assertThat(progress.closed).isTrue();

            RetrievalReport best = result.bestValidation();
            // chance: R@1 = 1/32 text->image; R@5 = 5/32
            assertThat(best.textToImage().recallAt1()).isGreaterThan(4.0 / 32);
            assertThat(best.textToImage().recallAt5()).isGreaterThan(0.5);
            assertThat(best.imageToText().recallAt5()).isGreaterThan(0.5);
            assertThat(result.history()).hasSize(6);
            assertThat(result.stoppedByTimeBudget()).isFalse();
        }
    }

    @Test
    void seedObjectiveStaysBoundedWithUnitEmbeddings() {
        ModelConfig mc = SyntheticData.tinyModel().objective(ModelConfig.Objective.SEED).reconstructionWeight(1.0).build();
        RecordingProgress progress = new RecordingProgress();
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 3)) {
            new Trainer(quick().epochs(3).learningRate(1e-2).build(), progress).train(model, DATA, null);
            for (ProgressSink.Step s : progress.steps) {
                assertThat(s.alignment()).isBetween(-1.0 - 1e-5, 1.0 + 1e-5);
                assertThat(s.imageReconstruction()).isFinite().isNotNegative();
                assertThat(s.textReconstruction()).isFinite().isNotNegative();
            }
            try (Embedder embedder = new Embedder(model)) {
                assertUnitRows(embedder.embedImages(DATA.images(), DATA.imageCount()));
                assertUnitRows(embedder.embedTexts(DATA.captionTokens()));
            }
        }
    }

    @Test
    void sameSeedGivesSameTrajectoryOnOneThread() {
        ModelConfig mc = SyntheticData.tinyModel().dropout(0.1).build();
        TrainConfig tc = quick().epochs(2).threads(1).augment(true).build();
        double[][] runs = new double[2][];
        for (int run = 0; run < 2; run++) {
            RecordingProgress progress = new RecordingProgress();
            try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 5)) {
                new Trainer(tc, progress).train(model, DATA, null);
            }
            runs[run] = progress.losses();
        }
        assertThat(runs[0]).hasSize(8).containsExactly(runs[1]);
    }

    @Test
    void timeBudgetStopsEarly() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 3)) {
            TrainResult result = new Trainer(quick().epochs(50).timeBudget(Duration.ofMillis(1)).build(),
                    ProgressSink.NONE).train(model, DATA, DATA);
            assertThat(result.stoppedByTimeBudget()).isTrue();
            assertThat(result.history()).hasSize(1);
            assertThat(result.last().steps()).isEqualTo(1);
            assertThat(result.last().validation()).isNotNull();
        }
    }

    @Test
    void keepsTheBestValidatedEpoch() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        TrainingData validation = SyntheticData.make(32, 2, 32, 99); // unrelated: recall is noisy
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 3)) {
            TrainResult result = new Trainer(quick().epochs(4).build(), ProgressSink.NONE).train(model, DATA, validation);
            int argmax = 0;
            for (int i = 1; i < result.history().size(); i++) {
                if (result.history().get(i).validation().meanRecall() > result.history().get(argmax).validation().meanRecall()) {
                    argmax = i;
                }
            }
            assertThat(result.bestEpoch()).isEqualTo(argmax + 1);
            RetrievalReport now = Trainer.validate(model, validation);
            assertThat(now).isEqualTo(result.bestValidation());
        }
    }

    @Test
    void rejectsDataThatDoesNotFitTheModel() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        int[][] tokens = {{1, 2}, {3, SyntheticData.VOCAB}};
        TrainingData badTokens = new TrainingData(new float[2 * 3 * 32 * 32], 2, 32, tokens, new int[] {0, 1});
        TrainingData badSize = SyntheticData.make(4, 1, 16, 1);
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, CPU, 3)) {
            Trainer trainer = new Trainer(quick().build(), ProgressSink.NONE);
            assertThatThrownBy(() -> trainer.train(model, badTokens, null))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("captionTokens[1][1]");
            assertThatThrownBy(() -> trainer.train(model, badSize, null))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("imageSize");
        }
    }

    static void assertUnitRows(FloatMatrix m) {
        for (int r = 0; r < m.rows(); r++) {
            double s = 0;
            for (float v : m.row(r)) {
                s += v * v;
            }
            assertThat(Math.sqrt(s)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
