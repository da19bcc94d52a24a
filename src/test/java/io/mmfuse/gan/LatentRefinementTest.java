package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.mmfuse.Cancellation;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.model.Tensors;
import io.mmfuse.search.FloatMatrix;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorVector;
import org.junit.jupiter.api.Test;

class LatentRefinementTest {
    @Test
    void aStepTurnsEachRowTowardsItsGradientAndKeepsItsLength() {
        int dim = 40;
        Random r = new Random(3);
        float[] rows = new float[2 * dim];
        float[] grad = new float[2 * dim];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) r.nextGaussian();
            grad[i] = (float) r.nextGaussian() * (i < dim ? 1e-3f : 50f); // the gradient's scale does not matter
        }
        float[] before = rows.clone();
        float[] norms = {norm(rows, 0, dim), norm(rows, 1, dim)};
        LatentRefinement.ascend(rows, grad, norms, dim);
        for (int i = 0; i < 2; i++) {
            assertThat(norm(rows, i, dim)).as("row %d keeps its length", i).isCloseTo(norms[i], offset(1e-4f));
            double turned = Math.acos(dot(rows, before, i, dim) / (norms[i] * norms[i]));
            assertThat(turned).as("row %d turns by about STEP radians", i)
                    .isBetween(0.5 * LatentRefinement.STEP, LatentRefinement.STEP * 1.01);
            assertThat(dot(rows, grad, i, dim)).as("row %d moved uphill", i).isGreaterThan(dot(before, grad, i, dim));
        }
    }

    @Test
    void aRowWithoutGradientOrLengthStaysWhereItIs() {
        float[] rows = {1, 2, 0, 0};
        float[] grad = {0, 0, 5, 5};
        LatentRefinement.ascend(rows, grad, new float[] {(float) Math.sqrt(5), 0}, 2);
        assertThat(rows).containsExactly(1, 2, 0, 0);
    }

    @Test
    void refinementClimbsTheCriticsCosineAndEachImageDependsOnlyOnItsOwnNoise() {
        GanConfig config = GanFixtures.tiny().build();
        ModelConfig mc = ModelConfig.builder().imageSize(64).cnnWidth(4).commonDim(16).tokenDim(16).hiddenDim(32)
                .vocabSize(50).maxTokens(12).dropout(0.0).build();
        int prompts = 2;
        int perPrompt = 3;
        int images = prompts * perPrompt;
        try (Generator g = new Generator(config);
             MultimodalAutoencoder critic = MultimodalAutoencoder.create(mc, GanFixtures.CPU, 5);
             Device device = GanFixtures.CPU.toTorch()) {
            MatchingLoss.freeze(g);
            MatchingLoss.freeze(critic);
            // DCGAN's initialisation (weights of sd 0.02) draws nearly flat images; with the weights scaled up the
            // images depend on the noise as a trained generator's do
            try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
                TensorVector params = g.parameters();
                for (long i = 0; i < params.size(); i++) {
                    if (params.get(i).dim() > 1) {
                        params.get(i).mul_(new Scalar(4.0));
                    }
                }
            }
            float[] text = GanFixtures.unitRows(prompts, 16, 1);
            List<LatentRefinement.Critic> critics = List.of(new LatentRefinement.Critic(critic, text));
            Sampler.Noise noise = Sampler.noise(config, images, 3L, 1f);
            float[] cond = GanFixtures.unitRows(images, config.textDim(), 2);
            float[] before = LatentRefinement.refine(g, device, noise.z().clone(), noise.eps().clone(), cond, perPrompt,
                    critics, 0, 9L);
            // unshifted, the score climbed is the one measured; with shifts, only its average over shifts is
            float[] climbed = LatentRefinement.refine(g, device, noise.z().clone(), noise.eps().clone(), cond, perPrompt,
                    critics, 10, 9L, 0, Cancellation.NONE, Runnable::run);
            double start = score(critic, before, text, perPrompt);
            assertThat(score(critic, climbed, text, perPrompt)).as("critic's summed cosine after 10 unshifted steps, from %s", start)
                    .isGreaterThan(start);
            float[] z = noise.z().clone();
            float[] after = LatentRefinement.refine(g, device, z, noise.eps().clone(), cond, perPrompt, critics, 30, 9L);
            double moved = 0;
            for (int i = 0; i < after.length; i++) {
                moved = Math.max(moved, Math.abs(after[i] - before[i]));
            }
            assertThat(moved).as("largest pixel change").isGreaterThan(0.05);
            assertThat(z).as("the refined noise is handed back").isNotEqualTo(noise.z());
            // the last prompt's images alone, refined as one prompt of 3: the same images (shifts follow the sample
            // column); 10 steps, as float rounding of other batch sizes grows with every step
            int imageFloats = config.imageFloats();
            int from = (prompts - 1) * perPrompt;
            float[] inBatch = Arrays.copyOfRange(LatentRefinement.refine(g, device, noise.z().clone(), noise.eps().clone(),
                    cond, perPrompt, critics, 10, 9L), from * imageFloats, images * imageFloats);
            float[] alone = LatentRefinement.refine(g, device,
                    Arrays.copyOfRange(noise.z(), from * config.noiseDim(), images * config.noiseDim()),
                    Arrays.copyOfRange(noise.eps(), from * config.condDim(), images * config.condDim()),
                    Arrays.copyOfRange(cond, from * config.textDim(), images * config.textDim()), perPrompt,
                    List.of(new LatentRefinement.Critic(critic, Arrays.copyOfRange(text, 16, 32))), 10, 9L);
            double largest = 0;
            for (int i = 0; i < alone.length; i++) {
                largest = Math.max(largest, Math.abs(alone[i] - inBatch[i]));
            }
            assertThat(largest).as("largest difference from the batch's images").isLessThan(1e-3);
        }
    }

    /** Summed cosine of each image with its prompt under the critic, unshifted. */
    private static double score(MultimodalAutoencoder critic, float[] images, float[] text, int perPrompt) {
        int n = images.length / (3 * 64 * 64);
        try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
            float[] e = Tensors.toHeap(critic.embedImages(Tensors.floats(images, GanFixtures.CPU.toTorch(), n, 3, 64, 64)));
            return Arrays.stream(CandidateRanking.cosines(new FloatMatrix(n, e.length / n, e), text, n / perPrompt)).sum();
        }
    }

    private static float norm(float[] rows, int row, int dim) {
        return (float) Math.sqrt(dot(rows, rows, row, dim));
    }

    private static double dot(float[] a, float[] b, int row, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            s += (double) a[row * dim + d] * b[row * dim + d];
        }
        return s;
    }
}
