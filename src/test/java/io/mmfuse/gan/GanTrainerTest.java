package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.train.Checkpoint;
import io.mmfuse.train.LoadedCheckpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GanTrainerTest {
    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    static Path textModel;
    static MmfuseModel model;
    static GanTrainingData data;

    @BeforeAll
    static void setUp() {
        textModel = GanFixtures.textModel(shared.resolve("text-model"));
        model = MmfuseModel.load(textModel, GanFixtures.CPU);
        data = GanFixtures.data(model);
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static GanTrainOptions.Builder steps(long n) {
        return GanTrainOptions.builder().maxSteps(n).historyEvery(10).device(GanFixtures.CPU);
    }

    private GanTrainOptions.Builder withGrids(Path out, long n) {
        List<String> preview = List.of(GanFixtures.captions().get(0), GanFixtures.captions().get(5));
        return steps(n).outputDir(out).sampleEvery((int) n).previewSamples(3)
                .preview(preview, model.embedTexts(preview).data());
    }

    @Test
    void hardNegativesAreSwapsOrObjectReplacementsOfTheirOwnCaption() {
        List<String> captions = GanFixtures.captions();
        GanTrainingData swaps = data.withHardNegatives(model, captions, false, 1);
        GanTrainingData mixed = data.withHardNegatives(model, captions, true, 1);
        // Every synthetic caption names a modified object, so every caption gets a hard negative.
        assertThat(mixed.hardNegativeCount()).isEqualTo(captions.size()).isGreaterThan(swaps.hardNegativeCount());
        io.mmfuse.train.CaptionEdits edits = io.mmfuse.train.CaptionEdits.of(model.vocabulary());
        int dim = data.textDim();
        int replaced = 0;
        for (int c = 0; c < captions.size(); c++) {
            int[] tokens = model.tokenize(captions.get(c), "c");
            int[] swap = edits.swapLastPhrases(tokens);
            assertThat(swaps.hasHardNegative()[c]).isEqualTo(swap != null);
            if (swap != null) {
                float[] expected = model.embedTokens(new int[][] {swap}).row(0);
                assertThat(Arrays.copyOfRange(swaps.hardNegatives(), c * dim, c * dim + dim))
                        .containsExactly(expected, org.assertj.core.data.Offset.offset(1e-5f));
                float[] m = Arrays.copyOfRange(mixed.hardNegatives(), c * dim, c * dim + dim);
                // Not Arrays.equals: the two sets are embedded in batches of different make-up, and
                // the GEMM's blocking (so its rounding) may differ with the batch.
                replaced += maxAbsDiff(m, Arrays.copyOfRange(swaps.hardNegatives(), c * dim, c * dim + dim)) > 1e-4 ? 1 : 0;
            }
            assertThat(Arrays.copyOfRange(mixed.hardNegatives(), c * dim, c * dim + dim))
                    .isNotEqualTo(Arrays.copyOfRange(data.captionEmbeddings(), c * dim, c * dim + dim));
        }
        assertThat(replaced).as("about half of the swappable captions get an object replacement instead")
                .isBetween(swaps.hardNegativeCount() / 4, swaps.hardNegativeCount() * 3 / 4);
    }

    @Test
    void aShortRunKeepsBothLossesInAHealthyRange() {
        GanTrainResult r = new GanTrainer(GanFixtures.tiny().build(), steps(40).build(), GanProgressSink.NONE).train(data);
        assertThat(r.steps()).isEqualTo(40);
        assertThat(r.stepsThisRun()).isEqualTo(40);
        assertThat(r.history()).hasSize(4);
        for (GanTrainResult.Window w : r.history()) {
            assertThat(w.dLoss()).as("D loss, %s", w).isFinite().isBetween(0.05, 5.0);
            assertThat(w.gLoss()).as("G loss, %s", w).isFinite().isBetween(-10.0, 10.0);
            assertThat(w.kl()).as("KL, %s", w).isFinite().isGreaterThanOrEqualTo(0.0);
            assertThat(w.dWrong()).isFinite();
            assertThat(w.matching()).isNaN();
        }
        GanTrainResult.Window first = r.history().get(0);
        GanTrainResult.Window last = r.history().get(3);
        // D learns to tell real-and-matching from generated images: its margin opens up.
        assertThat(last.dReal() - last.dFake()).isGreaterThan(first.dReal() - first.dFake());
        assertThat(last.dLoss()).isLessThan(first.dLoss());
        assertThat(r.last().examplesPerSecond()).isPositive();
    }

    @Test
    void theWordHeadLearnsTheCaptionsWordsFromRealImages() {
        GanTrainingData withWords = data.withWords(model, GanFixtures.captions());
        int classes = model.vocabulary().size();
        GanConfig c = GanFixtures.tiny().wordWeight(1).wordClasses(classes).lrD(1e-3).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            CaptionBatches batches = new CaptionBatches(withWords, c.batchSize(), new java.util.Random(1));
            CaptionBatches.Batch probe = batches.next();
            float[] pixels = AdversarialStep.gather(withWords.images(), probe.images(), GanTrainingData.IMAGE_FLOATS);
            org.bytedeco.pytorch.Tensor images = io.mmfuse.model.Tensors.floats(pixels, nets.device, probe.size(), 3, 64, 64);
            org.bytedeco.pytorch.Tensor targets = io.mmfuse.model.Tensors.floats(withWords.words().targets(probe.captions()),
                    nets.device, probe.size(), classes);
            org.bytedeco.pytorch.Tensor text = io.mmfuse.model.Tensors.floats(AdversarialStep.gather(
                    withWords.captionEmbeddings(), probe.captions(), c.textDim()), nets.device, probe.size(), c.textDim());
            double before = wordLoss(nets, images, text, targets);
            AdversarialStep step = new AdversarialStep(nets, withWords, null, null);
            for (int i = 1; i <= 80; i++) {
                AdversarialStep.Values v = step.run(batches.next(), i);
                assertThat(v.dLoss()).isFinite();
                assertThat(v.gLoss()).isFinite();
            }
            double after = wordLoss(nets, images, text, targets);
            // The same images scored against the words of the next caption in the probe (another image's).
            int[] rotated = new int[probe.size()];
            for (int i = 0; i < rotated.length; i++) {
                rotated[i] = probe.captions()[(i + 1) % rotated.length];
            }
            double others = wordLoss(nets, images, text, io.mmfuse.model.Tensors.floats(withWords.words().targets(rotated),
                    nets.device, probe.size(), classes));
            assertThat(after).as("word loss on real images").isLessThan(0.6 * before);
            assertThat(after).as("the head reads these images, not only word frequencies").isLessThan(others);
        }
    }

    private static double wordLoss(GanNetworks nets, org.bytedeco.pytorch.Tensor images, org.bytedeco.pytorch.Tensor text,
                                   org.bytedeco.pytorch.Tensor targets) {
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
            return AdversarialLoss.words(nets.discriminator.judge(images, text, true, null).words(), targets).item_float();
        }
    }

    @Test
    void aWordLossNeedsWordLabelsFromTheSameVocabulary() {
        GanConfig c = GanFixtures.tiny().wordWeight(1).wordClasses(model.vocabulary().size()).build();
        assertThatThrownBy(() -> new GanTrainer(c, steps(1).build(), GanProgressSink.NONE).train(data))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("data.words:");
        GanTrainingData withWords = data.withWords(model, GanFixtures.captions());
        GanConfig other = c.toBuilder().wordClasses(model.vocabulary().size() + 1).build();
        assertThatThrownBy(() -> new GanTrainer(other, steps(1).build(), GanProgressSink.NONE).train(withWords))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("data.words:");
    }

    @Test
    void theSameSeedGivesTheSameImagesAndAnotherSeedOthers() throws Exception {
        GanConfig config = GanFixtures.tiny().build();
        byte[][] grids = new byte[3][];
        long[] seeds = {7, 7, 8};
        for (int i = 0; i < 3; i++) {
            Path out = tmp.resolve("run" + i);
            GanTrainResult r = new GanTrainer(config.toBuilder().seed(seeds[i]).build(), withGrids(out, 5).build(),
                    GanProgressSink.NONE).train(data);
            assertThat(r.grids()).containsExactly(out.resolve("grid-000005.png"));
            grids[i] = Files.readAllBytes(r.grids().get(0));
        }
        assertThat(grids[1]).isEqualTo(grids[0]);
        assertThat(Arrays.equals(grids[2], grids[0])).isFalse();
    }

    @Test
    void everyVariantTrains() {
        GanConfig[] variants = {
                GanFixtures.tiny().discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL).build(),
                GanFixtures.tiny().loss(GanConfig.Loss.NON_SATURATING).emaDecay(0).spectralNorm(false).build(),
                GanFixtures.tiny().discriminatorShift(3).build(),
                GanFixtures.tiny().discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL).discriminatorShift(2).build(),
                GanFixtures.tiny().patchWeight(1).build(),
                GanFixtures.tiny().discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL).patchWeight(0.5).build(),
        };
        for (GanConfig c : variants) {
            GanTrainResult r = new GanTrainer(c, steps(3).build(), GanProgressSink.NONE).train(data);
            assertThat(r.last().dLoss()).as("%s", c).isFinite();
            assertThat(r.last().gLoss()).as("%s", c).isFinite();
            assertThat(Double.isNaN(r.last().dWrong()))
                    .isEqualTo(c.discriminator() == GanConfig.DiscriminatorMode.UNCONDITIONAL);
        }
    }

    @Test
    void theFeatureDiscriminatorTrainsOnAFrozenEncoderOfTheRightWidth() {
        try (LoadedCheckpoint frozen = Checkpoint.load(textModel, GanFixtures.CPU)) {
            float[] before = io.mmfuse.model.Tensors.toHeap(frozen.model().parameters().get(0));
            int width = frozen.model().config().cnnWidth();
            GanConfig c = GanFixtures.tiny().featureWeight(1).featureWidth(width).build();
            // Unaugmented, the encoder's features are shared between D's and G's updates; shifted, computed per view.
            for (GanConfig variant : new GanConfig[] {c, c.toBuilder().discriminatorShift(2).build()}) {
                GanTrainResult r = new GanTrainer(variant, steps(3).build(), GanProgressSink.NONE).train(data, frozen.model());
                assertThat(r.last().dLoss()).as("%s", variant).isFinite();
                assertThat(r.last().gLoss()).as("%s", variant).isFinite();
            }
            assertThat(io.mmfuse.model.Tensors.toHeap(frozen.model().parameters().get(0))).containsExactly(before);
            assertThatThrownBy(() -> new GanTrainer(c, steps(1).build(), GanProgressSink.NONE).train(data))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("matchingModel:");
            GanConfig wrongWidth = c.toBuilder().featureWidth(width + 1).build();
            assertThatThrownBy(() -> new GanTrainer(wrongWidth, steps(1).build(), GanProgressSink.NONE)
                    .train(data, frozen.model()))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("featureWidth " + (width + 1));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3})
    void theMatchingLossTrainsThroughAFrozenRetrievalModel(int shift) {
        try (LoadedCheckpoint frozen = Checkpoint.load(textModel, GanFixtures.CPU)) {
            float[] before = io.mmfuse.model.Tensors.toHeap(frozen.model().parameters().get(0));
            GanConfig c = GanFixtures.tiny().matchingWeight(0.5).matchingShift(shift).build();
            GanTrainResult r = new GanTrainer(c, steps(3).build(), GanProgressSink.NONE).train(data, frozen.model());
            assertThat(r.last().matching()).isFinite().isPositive();
            assertThat(io.mmfuse.model.Tensors.toHeap(frozen.model().parameters().get(0))).containsExactly(before);
        }
    }

    @Test
    void resumingContinuesAtTheCheckpointsStep() throws Exception {
        Path out = tmp.resolve("resume");
        GanConfig c = GanFixtures.tiny().build();
        GanTrainResult first = new GanTrainer(c, steps(6).outputDir(out).checkpointEvery(4).textModelDir(textModel).build(),
                GanProgressSink.NONE).train(data);
        Path ckpt = out.resolve(GanTrainOptions.CHECKPOINT_DIR);
        assertThat(first.checkpoint()).isEqualTo(ckpt);
        assertThat(GanCheckpoint.info(ckpt).step()).isEqualTo(6);

        GanTrainResult second = new GanTrainer(c, steps(9).outputDir(out).checkpointEvery(4).resumeFrom(ckpt).build(),
                GanProgressSink.NONE).train(data);
        assertThat(second.steps()).isEqualTo(9);
        assertThat(second.stepsThisRun()).isEqualTo(3);
        assertThat(second.history().get(0).firstStep()).isEqualTo(7);
        assertThat(GanCheckpoint.info(ckpt).step()).isEqualTo(9);
        assertThat(ckpt.resolve(GanCheckpoint.TEXT_MODEL_DIR).resolve("config.json")).isRegularFile();

        GanConfig wider = c.toBuilder().genWidth(16).build();
        assertThatThrownBy(() -> new GanTrainer(wider, steps(12).resumeFrom(ckpt).build(), GanProgressSink.NONE).train(data))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("resumeFrom:");
    }

    @Test
    void aResumedRunTrainsAtItsOwnLearningRatesNotTheCheckpoints() {
        Path out = tmp.resolve("decay");
        GanConfig c = GanFixtures.tiny().build();
        new GanTrainer(c, steps(2).outputDir(out).checkpointEvery(2).textModelDir(textModel).build(), GanProgressSink.NONE)
                .train(data);
        Path ckpt = out.resolve(GanTrainOptions.CHECKPOINT_DIR);
        GanConfig decayed = c.toBuilder().lrG(1e-5).lrD(3e-5).build();
        new GanTrainer(decayed, steps(3).outputDir(out).checkpointEvery(1).resumeFrom(ckpt).build(), GanProgressSink.NONE)
                .train(data);
        assertThat(GanCheckpoint.info(ckpt).config()).isEqualTo(decayed);
        try (GanNetworks nets = GanNetworks.create(decayed, GanFixtures.CPU)) {
            GanCheckpoint.restore(ckpt, nets);
            // The Adam states saved after the resumed step carry the rates that step ran at.
            assertThat(nets.optimizerG.param_groups().get(0).options().get_lr()).isEqualTo(1e-5);
            assertThat(nets.optimizerD.param_groups().get(0).options().get_lr()).isEqualTo(3e-5);
        }
    }

    @Test
    void aDivergedLossStopsTrainingWithTheStep() {
        float[] huge = new float[data.images().length];
        Arrays.fill(huge, 3e38f);
        for (int i = 0; i < huge.length; i += 2) {
            huge[i] = -3e38f;
        }
        GanTrainingData bad = new GanTrainingData(huge, data.imageCount(), data.captionEmbeddings(), data.captionImage());
        assertThatThrownBy(() -> new GanTrainer(GanFixtures.tiny().build(), steps(5).build(), GanProgressSink.NONE).train(bad))
                .isInstanceOf(MmfuseException.class).hasMessageContaining("at step 1");
    }

    @Test
    void inconsistentInputsAreRejectedBeforeTraining() {
        GanTrainer wrongDim = new GanTrainer(GanFixtures.tiny().textDim(16).build(), steps(1).build(), GanProgressSink.NONE);
        assertThatThrownBy(() -> wrongDim.train(data)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("data.captionEmbeddings:");
        GanTrainer needsModel = new GanTrainer(GanFixtures.tiny().matchingWeight(1).build(), steps(1).build(), GanProgressSink.NONE);
        assertThatThrownBy(() -> needsModel.train(data)).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("matchingModel:");
        GanTrainingData oneImage = new GanTrainingData(Arrays.copyOf(data.images(), GanTrainingData.IMAGE_FLOATS), 1,
                GanFixtures.unitRows(2, GanFixtures.TEXT_DIM, 1), new int[] {0, 0});
        assertThatThrownBy(() -> new GanTrainer(GanFixtures.tiny().build(), steps(1).build(), GanProgressSink.NONE).train(oneImage))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("data.captionImage:");
        assertThatThrownBy(() -> steps(1).checkpointEvery(5).outputDir(tmp).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("textModelDir:");
        assertThatThrownBy(() -> steps(1).sampleEvery(5).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("outputDir:");
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
