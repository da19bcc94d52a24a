package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withPrecision;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.model.Tensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generator and discriminator that read caption tokens through encoders of their own (GanConfig.CaptionEncoding.LEARNED). */
class LearnedCaptionsTest {
    @TempDir
    static Path shared;

    static Path textModel;
    static MmfuseModel model;
    static List<String> captions;
    static GanTrainingData data;
    static GanConfig config;

    @BeforeAll
    static void setUp() {
        textModel = GanFixtures.textModel(shared.resolve("text-model"));
        model = MmfuseModel.load(textModel, GanFixtures.CPU);
        captions = GanFixtures.captions();
        data = GanFixtures.data(model).withTokens(model, captions).withHardNegatives(model, captions, false, 3);
        config = GanFixtures.tiny().orderNegativeRate(0.5).captionEncoder(GanConfig.CaptionEncoding.LEARNED)
                .captionVocabulary(model.vocabulary().size()).build();
    }

    @AfterAll
    static void tearDown() {
        model.close();
    }

    private static GanTrainOptions.Builder steps(long n) {
        return GanTrainOptions.builder().maxSteps(n).historyEvery(5).device(GanFixtures.CPU);
    }

    @Test
    void tokensAndHardNegativeTokensFollowTheCaptions() {
        CaptionTokens tokens = data.tokens();
        assertThat(tokens.vocabulary()).isEqualTo(model.vocabulary().size());
        io.mmfuse.train.CaptionEdits edits = io.mmfuse.train.CaptionEdits.of(model.vocabulary());
        for (int c = 0; c < captions.size(); c++) {
            int[] ids = model.tokenize(captions.get(c), "c");
            assertThat(tokens.captions()[c]).containsExactly(ids);
            int[] swap = edits.swapLastPhrases(ids);
            if (swap == null) {
                assertThat(tokens.hardNegatives()[c]).isNull();
            } else {
                assertThat(tokens.hardNegatives()[c]).containsExactly(swap);
            }
        }
        int withNegative = 0;
        while (tokens.hardNegatives()[withNegative] == null) {
            withNegative++;
        }
        int[][] wrong = tokens.mismatched(new int[] {withNegative, 2}, new boolean[] {true, false});
        assertThat(wrong[0]).isSameAs(tokens.hardNegatives()[withNegative]);
        assertThat(wrong[1]).isSameAs(tokens.captions()[2]);
    }

    @Test
    void theDiscriminatorJudgesTheSameImageDifferentlyUnderAnotherCaption() {
        try (GanNetworks nets = GanNetworks.create(config, GanFixtures.CPU);
             PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            int[] rows = {0, 1, 2, 3};
            Tensor images = Tensors.floats(AdversarialStep.gather(data.images(), new int[] {0, 0, 1, 1},
                    GanTrainingData.IMAGE_FLOATS), nets.device, 4, 3, 64, 64);
            Tensor own = nets.discriminator.encodeCaptions(CaptionEncoder.inputs(data.tokens().rows(rows),
                    config.captionVocabulary(), nets.device));
            Tensor swapped = nets.discriminator.encodeCaptions(CaptionEncoder.inputs(data.tokens().rows(new int[] {2, 3, 0, 1}),
                    config.captionVocabulary(), nets.device));
            float[] a = Tensors.toHeap(nets.discriminator.forward(images, own));
            float[] b = Tensors.toHeap(nets.discriminator.forward(images, swapped));
            for (int i = 0; i < 4; i++) {
                assertThat(Math.abs(a[i] - b[i])).as("row %d", i).isGreaterThan(1e-6f);
            }
            float[] codes = Tensors.toHeap(own);
            for (int i = 0; i < 4; i++) {
                double norm = 0;
                for (int j = 0; j < config.textDim(); j++) {
                    norm += codes[i * config.textDim() + j] * codes[i * config.textDim() + j];
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            }
        }
    }

    @Test
    void aShortRunTrainsBothEncodersAndTheCheckpointDrawsWhatTheTrainerDrew() throws Exception {
        List<String> prompts = List.of(captions.get(0), captions.get(7));
        int[][] promptTokens = {model.tokenize(prompts.get(0), "p"), model.tokenize(prompts.get(1), "p")};
        Path out = shared.resolve("run");
        GanTrainOptions options = steps(20).checkpointEvery(20).sampleEvery(20).outputDir(out).textModelDir(textModel)
                .preview(prompts, model.embedTexts(prompts).data()).previewTokens(promptTokens).previewSamples(2)
                .previewSeed(5).build();
        GanTrainResult r = new GanTrainer(config, options, GanProgressSink.NONE).train(data);
        for (GanTrainResult.Window w : r.history()) {
            assertThat(w.dLoss()).as("D loss, %s", w).isFinite().isBetween(0.05, 5.0);
            assertThat(w.gLoss()).as("G loss, %s", w).isFinite();
            assertThat(w.dWrong()).isFinite();
        }
        try (TextToImage t2i = TextToImage.load(r.checkpoint(), GanFixtures.CPU)) {
            assertThat(t2i.config()).isEqualTo(config);
            assertThat(t2i.generatePng(prompts, 2, 5)).isEqualTo(Files.readAllBytes(r.grids().get(0)));
            float[] first = t2i.generate(prompts.get(0), 1, 1L);
            float[] second = t2i.generate(prompts.get(1), 1, 1L);
            assertThat(first).isNotEqualTo(second);
            // re-ranking a learned-caption checkpoint scores with the frozen text model it was trained beside
            float[] plain = t2i.generate(prompts.get(1), 16, 3L);
            float[] expected = CandidateRanking.best(plain, model.embedDecoded(plain, 16),
                    model.embedTexts(List.of(prompts.get(1))).data(), 1, 4, 4);
            assertThat(expected).as("the fixture's ranking keeps more than the first draws")
                    .isNotEqualTo(CandidateRanking.best(plain, model.embedDecoded(plain, 16), new float[model.dimension()], 1, 4, 4));
            assertThat(t2i.generate(prompts.get(1), 4, 3L, Sampling.DEFAULT.withCandidates(4))).containsExactly(expected);
            // the discriminator scores with its own caption encoder, each image against its own prompt (equal
            // up to float rounding: LibTorch's CPU kernels block differently for other batch sizes)
            float[] both = t2i.generate(prompts, 3, 2L);
            float[] scores = t2i.discriminatorScores(prompts, both, 3);
            assertThat(Arrays.copyOf(scores, 3)).containsExactly(t2i.discriminatorScores(prompts.subList(0, 1),
                    Arrays.copyOf(both, 3 * config.imageFloats()), 3), withPrecision(1e-5f));
            assertThat(Arrays.copyOfRange(scores, 3, 6)).containsExactly(t2i.discriminatorScores(prompts.subList(1, 2),
                    Arrays.copyOfRange(both, 3 * config.imageFloats(), both.length), 3), withPrecision(1e-5f));
            assertThat(t2i.discriminatorScores(List.of(prompts.get(1), prompts.get(0)), both, 3)).isNotEqualTo(scores);
        }
    }

    @Test
    void learnedCaptionsNeedTokensFromTheSameVocabulary() {
        GanTrainingData noTokens = GanFixtures.data(model);
        assertThatThrownBy(() -> new GanTrainer(config.toBuilder().orderNegativeRate(0).build(), steps(1).build(),
                GanProgressSink.NONE).train(noTokens))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("data.tokens:");
        GanConfig otherVocabulary = config.toBuilder().captionVocabulary(model.vocabulary().size() + 1).build();
        assertThatThrownBy(() -> new GanTrainer(otherVocabulary, steps(1).build(), GanProgressSink.NONE).train(data))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("captionVocabulary");
        GanTrainingData negativesFirst = GanFixtures.data(model).withHardNegatives(model, captions, false, 3)
                .withTokens(model, captions);
        assertThatThrownBy(() -> new GanTrainer(config, steps(1).build(), GanProgressSink.NONE).train(negativesFirst))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("withTokens before withHardNegatives");
        assertThatThrownBy(() -> new GanTrainer(config, steps(2).outputDir(shared.resolve("x")).sampleEvery(1)
                .preview(List.of(captions.get(0)), model.embedTexts(List.of(captions.get(0))).data()).build(),
                GanProgressSink.NONE).train(data))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("previewTokens:");
    }

    @Test
    void theConfigKeepsFrozenAndLearnedApart() {
        assertThatThrownBy(() -> GanFixtures.tiny().captionVocabulary(10).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captionVocabulary:");
        assertThat(config.sameArchitecture(GanFixtures.tiny().orderNegativeRate(0.5).build())).isFalse();
        assertThat(config.learnedCaptions()).isTrue();
        assertThat(GanConfig.defaults().captionEncoder()).isEqualTo(GanConfig.CaptionEncoding.FROZEN);
        assertThatThrownBy(() -> new CaptionTokens(new int[][] {{2, 3}, {}}, null, 10))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captions[1]:");
        assertThatThrownBy(() -> new CaptionTokens(new int[][] {{2, 30}}, null, 10))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("id 30");
    }
}
