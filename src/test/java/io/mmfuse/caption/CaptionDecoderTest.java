package io.mmfuse.caption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Tensors;
import io.mmfuse.search.FloatMatrix;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The decoder, its training and both decoders on a two-image toy set with synthetic embeddings. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CaptionDecoderTest {
    static final DeviceChoice CPU = DeviceChoice.cpu("test");
    static final int DIM = 16;
    static final CaptionVocabulary VOCAB = CaptionVocabulary.ofWords(List.of("a", "red", "circle", "above", "blue",
            "square", "green", "triangle", "left", "of", "white", "big"));
    static final List<String> CAPTIONS = List.of("a red circle above a blue square", "a green triangle left of a white circle");

    private CaptionDecoder decoder;
    private CaptionTrainResult result;
    private FloatMatrix embeddings;

    static CaptionDecoderConfig tinyConfig() {
        return CaptionDecoderConfig.builder().imageDim(DIM).tokenDim(16).hiddenDim(32).vocabSize(VOCAB.size())
                .dropout(0.0).maxLength(10).build();
    }

    static FloatMatrix unitRows(int rows, int dim, long seed) {
        Random r = new Random(seed);
        float[] data = new float[rows * dim];
        for (int i = 0; i < rows; i++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                data[i * dim + j] = (float) r.nextGaussian();
                norm += data[i * dim + j] * data[i * dim + j];
            }
            for (int j = 0; j < dim; j++) {
                data[i * dim + j] /= (float) Math.sqrt(norm);
            }
        }
        return new FloatMatrix(rows, dim, data);
    }

    @BeforeAll
    void trainOnTwoImages() {
        embeddings = unitRows(2, DIM, 7);
        CaptionTrainingData data = CaptionTrainingData.encode(embeddings, CAPTIONS, new int[] {0, 1}, VOCAB, 10);
        decoder = CaptionDecoder.create(tinyConfig(), CPU, 3);
        result = new CaptionerTrainer(CaptionTrainConfig.builder().epochs(120).batchSize(2).learningRate(1e-2)
                .threads(2).build(), CaptionProgress.NONE).train(decoder, data, null);
    }

    @AfterAll
    void close() {
        decoder.close();
    }

    @Test
    void shapesOfForwardAndStep() {
        try (PointerScope scope = new PointerScope()) {
            Tensor images = Tensors.floats(new float[3 * DIM], decoder.device(), 3, DIM);
            Tensor tokens = Tensors.longs(new long[] {2, 4, 5, 0, 2, 6, 7, 8, 2, 0, 0, 0}, decoder.device(), 3, 4);
            assertThat(decoder.forward(images, tokens).shape()).containsExactly(3, 4, VOCAB.size());
            Tensor h0 = decoder.initialHidden(images);
            assertThat(h0.shape()).containsExactly(1, 3, 32);
            CaptionDecoder.Step step = decoder.step(Tensors.longs(new long[] {2, 2, 2}, decoder.device(), 3), h0);
            assertThat(step.logits().shape()).containsExactly(3, VOCAB.size());
            assertThat(step.hidden().shape()).containsExactly(1, 3, 32);
        }
        assertThat(decoder.parameterCount()).isGreaterThan(0);
    }

    @Test
    void teacherForcingPadsAndAppendsEos() {
        TeacherForcing.Batch b = TeacherForcing.build(new int[][] {{4, 5, 6}, {7}}, new int[] {0, 1}, 0, 2, 10);
        assertThat(b.width()).isEqualTo(4);
        assertThat(b.inputs()).containsExactly(2, 4, 5, 6, 2, 7, 0, 0);
        assertThat(b.targets()).containsExactly(4, 5, 6, 3, 7, 3, 0, 0);
        assertThat(b.targetTokens()).isEqualTo(6);
        TeacherForcing.Batch cut = TeacherForcing.build(new int[][] {{4, 5, 6}}, new int[] {0}, 0, 1, 2);
        assertThat(cut.inputs()).containsExactly(2, 4, 5);
        assertThat(cut.targets()).containsExactly(4, 5, 3);
    }

    @Test
    void trainingLowersTheLossAndGreedyReproducesTheTrainingCaptions() {
        assertThat(result.history()).hasSize(120);
        assertThat(result.last().loss()).isLessThan(result.history().get(0).loss() / 10);
        assertThat(result.bestEpoch()).isEqualTo(120);
        List<GeneratedCaption> greedy = new CaptionGenerator(decoder, VOCAB).greedy(embeddings);
        assertThat(greedy).extracting(GeneratedCaption::text).containsExactlyElementsOf(CAPTIONS);
        assertThat(greedy.get(0).complete()).isTrue();
        assertThat(greedy.get(0).ids()).endsWith(CaptionVocabulary.EOS);
        assertThat(greedy.get(0).score()).isCloseTo(greedy.get(0).logProb() / 8, org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void beamWidthOneIsGreedy() {
        CaptionGenerator g = new CaptionGenerator(decoder, VOCAB);
        FloatMatrix other = unitRows(4, DIM, 99); // images the decoder never saw: less confident paths
        for (FloatMatrix m : List.of(embeddings, other)) {
            for (int i = 0; i < m.rows(); i++) {
                GeneratedCaption greedy = g.greedy(m.slice(i, i + 1)).get(0);
                List<GeneratedCaption> beam = g.beam(m.row(i), 1);
                assertThat(beam).hasSize(1);
                assertThat(beam.get(0)).isEqualTo(greedy);
            }
        }
    }

    @Test
    void beamResultsAreSortedByScoreAndDeterministic() {
        CaptionGenerator g = new CaptionGenerator(decoder, VOCAB);
        FloatMatrix other = unitRows(3, DIM, 5);
        for (int i = 0; i < other.rows(); i++) {
            List<GeneratedCaption> beam = g.beam(other.row(i), 4);
            assertThat(beam).hasSize(4);
            List<Double> scores = new ArrayList<>();
            beam.forEach(c -> scores.add(c.score()));
            assertThat(scores).isSortedAccordingTo(java.util.Comparator.reverseOrder());
            assertThat(beam).doesNotHaveDuplicates();
            assertThat(g.beam(other.row(i), 4)).isEqualTo(beam);
            for (GeneratedCaption c : beam) {
                assertThat(c.words().size()).isLessThanOrEqualTo(10);
                assertThat(c.ids()).doesNotContain(CaptionVocabulary.PAD, CaptionVocabulary.BOS, CaptionVocabulary.UNK);
            }
        }
        // On a training image the best beam is its caption.
        assertThat(g.beam(embeddings.row(0), 3).get(0).text()).isEqualTo(CAPTIONS.get(0));
    }

    @Test
    void greedyIsDeterministicAndIndependentOfBatching() {
        CaptionGenerator g = new CaptionGenerator(decoder, VOCAB);
        FloatMatrix other = unitRows(5, DIM, 11);
        List<GeneratedCaption> all = g.greedy(other);
        for (int i = 0; i < other.rows(); i++) {
            assertThat(g.greedy(other.slice(i, i + 1)).get(0).text()).isEqualTo(all.get(i).text());
        }
        assertThat(g.greedy(other)).isEqualTo(all);
    }

    @Test
    void rejectsBadArguments() {
        CaptionGenerator g = new CaptionGenerator(decoder, VOCAB);
        assertThatThrownBy(() -> g.beam(embeddings.row(0), 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("width");
        assertThatThrownBy(() -> g.beam(embeddings.row(0), CaptionGenerator.MAX_BEAM_WIDTH + 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("width");
        assertThatThrownBy(() -> g.beam(new float[3], 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("embedding");
        assertThatThrownBy(() -> g.greedy(new FloatMatrix(1, 3, new float[3]))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("embeddings");
        float[] nan = embeddings.row(0);
        nan[2] = Float.NaN;
        assertThatThrownBy(() -> g.beam(nan, 2)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new CaptionGenerator(decoder, CaptionVocabulary.ofWords(List.of("a"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vocabulary");
        assertThatThrownBy(() -> CaptionDecoderConfig.builder().vocabSize(4).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("vocabSize");
        assertThatThrownBy(() -> CaptionTrainConfig.builder().epochs(0).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("epochs");
        CaptionTrainingData wrongDim = new CaptionTrainingData(unitRows(1, 8, 1), new int[][] {{4}}, new int[] {0});
        assertThatThrownBy(() -> new CaptionerTrainer(CaptionTrainConfig.defaults(), null).train(decoder, wrongDim, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("imageDim");
        assertThatThrownBy(() -> new CaptionTrainingData(embeddings, new int[][] {{4}}, new int[] {5}))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("captionImage[0]");
    }

    @Test
    void validationKeepsTheBestEpochPatienceAndTheTimeBudgetStopEarly() {
        FloatMatrix emb = unitRows(4, DIM, 21);
        CaptionTrainingData train = CaptionTrainingData.encode(emb.slice(0, 2), CAPTIONS, new int[] {0, 1}, VOCAB, 10);
        CaptionTrainingData val = CaptionTrainingData.encode(emb.slice(2, 4),
                List.of("a big blue square", "a white triangle"), new int[] {0, 1}, VOCAB, 10);
        try (CaptionDecoder d = CaptionDecoder.create(tinyConfig(), CPU, 4)) {
            CaptionTrainResult r = new CaptionerTrainer(CaptionTrainConfig.builder().epochs(40).batchSize(2)
                    .learningRate(2e-2).threads(2).patience(0).build(), null).train(d, train, val);
            assertThat(r.history()).hasSize(40);
            assertThat(r.stoppedEarly()).isFalse();
            assertThat(r.bestEpoch()).as("captions of unseen images: overfits well before 40 epochs").isLessThan(38);
            double best = r.history().stream().mapToDouble(CaptionEpochStats::validationLoss).min().orElseThrow();
            assertThat(r.bestValidationLoss()).isEqualTo(best);
            assertThat(r.history().get(r.bestEpoch() - 1).validationLoss()).isEqualTo(best);
            // The decoder holds the best epoch's weights.
            assertThat(CaptionerTrainer.loss(d, val)).isCloseTo(best, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(d.is_training()).isFalse();
        }
        try (CaptionDecoder d = CaptionDecoder.create(tinyConfig(), CPU, 4)) {
            CaptionTrainResult r = new CaptionerTrainer(CaptionTrainConfig.builder().epochs(40).batchSize(2)
                    .learningRate(2e-2).threads(2).patience(2).build(), null).train(d, train, val);
            assertThat(r.stoppedEarly()).isTrue();
            assertThat(r.history()).hasSize(r.bestEpoch() + 2);
            assertThat(CaptionerTrainer.loss(d, val)).isEqualTo(r.bestValidationLoss());
        }
        try (CaptionDecoder d = CaptionDecoder.create(tinyConfig(), CPU, 4)) {
            CaptionTrainResult r = new CaptionerTrainer(CaptionTrainConfig.builder().epochs(1_000_000).batchSize(1)
                    .timeBudget(Duration.ofMillis(300)).threads(2).patience(0).build(), null).train(d, train, val);
            assertThat(r.outOfTime()).isTrue();
            assertThat(r.history().size()).isLessThan(1_000_000);
        }
    }

    @Test
    void sameSeedSameRun() {
        CaptionTrainingData data = CaptionTrainingData.encode(embeddings, CAPTIONS, new int[] {0, 1}, VOCAB, 10);
        CaptionTrainConfig tc = CaptionTrainConfig.builder().epochs(5).batchSize(1).threads(2).build();
        double[] losses = new double[2];
        for (int run = 0; run < 2; run++) {
            try (CaptionDecoder d = CaptionDecoder.create(tinyConfig().toBuilder().dropout(0.2).build(), CPU, 8)) {
                losses[run] = new CaptionerTrainer(tc, null).train(d, data, null).last().loss();
            }
        }
        assertThat(losses[1]).isEqualTo(losses[0]);
    }
}
