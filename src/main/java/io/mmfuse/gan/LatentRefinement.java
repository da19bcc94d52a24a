package io.mmfuse.gan;

import io.mmfuse.Cancellation;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.model.Tensors;
import java.util.List;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Moves each image's noise (z and the conditioning draw eps) uphill on the cosine between the image and
 * its prompt under one or more frozen retrieval critics, by normalised gradient steps that keep each
 * vector's length: re-ranking searches the generator's input space by drawing, this follows the slope
 * from the best draw. Each step scores the image shifted by a random 0 to {@value #SHIFT} pixels, so that
 * pixel-exact patterns that please a frozen encoder (the failure the matching loss's shift guards
 * against in training) do not pay. The generator stays in eval mode, so an image depends on its own
 * noise only and a batch's summed score gives each noise row its own gradient.
 */
final class LatentRefinement {
    /** Each step turns a vector by about this many radians (a step of STEP times its length, then rescaled). */
    static final double STEP = 0.05;
    /** Largest random shift of the scored image, in pixels, each way. */
    static final int SHIFT = 2;
    /** Odd constants that give each (sample column, step) its own stream of shifts (SplittableRandom mixes the seed). */
    private static final long COLUMN_MIX = 0x9E3779B97F4A7C15L;
    private static final long STEP_MIX = 0xC2B2AE3D27D4EB4FL;
    /** Images per forward and backward pass. */
    static final int CHUNK = 32;

    /**
     * Runs one unit of work on the shared generator exclusively ({@link TextToImage} holds its lock and
     * checks it is still open); {@code Runnable::run} where nothing else uses the generator.
     */
    @FunctionalInterface
    interface Exclusive {
        void run(Runnable work);
    }

    /** A frozen retrieval network and its unit embedding of each prompt (prompts x dimension, row-major). */
    record Critic(MultimodalAutoencoder network, float[] text) {
    }

    private LatentRefinement() {
    }

    /**
     * @param z images x noiseDim, updated in place
     * @param eps images x condDim, updated in place
     * @param cond images x textDim: what the generator takes as text for each image
     * @param perPrompt images of each prompt (image i shows prompt i / perPrompt)
     * @param seed with the image's sample column (i % perPrompt) and the step, draws the image's shift
     * @return images x 3 x S x S floats, generated from the refined noise
     */
    static float[] refine(Generator g, Device device, float[] z, float[] eps, float[] cond, int perPrompt,
            List<Critic> critics, int steps, long seed) {
        return refine(g, device, z, eps, cond, perPrompt, critics, steps, seed, SHIFT, Cancellation.NONE, Runnable::run);
    }

    /**
     * As {@link #refine(Generator, Device, float[], float[], float[], int, List, int, long)} with another
     * largest shift, asking {@code cancel} before every step (a step of a chunk of {@value #CHUNK} images
     * takes a fraction of a second on a CPU, a whole call minutes) and running each step through
     * {@code exclusive}, so that other calls on a shared generator wait for a step, not for the whole
     * refinement.
     */
    static float[] refine(Generator g, Device device, float[] z, float[] eps, float[] cond, int perPrompt,
            List<Critic> critics, int steps, long seed, int shift, Cancellation cancel, Exclusive exclusive) {
        GanConfig c = g.config();
        int images = z.length / c.noiseDim();
        int prompts = images / perPrompt;
        float[] out = new float[Math.multiplyExact(images, c.imageFloats())];
        for (int from = 0; from < images; from += CHUNK) {
            int first = from;
            int n = Math.min(CHUNK, images - from);
            float[] zc = slice(z, from, n, c.noiseDim());
            float[] ec = slice(eps, from, n, c.condDim());
            float[] tc = slice(cond, from, n, c.textDim());
            float[] zNorms = norms(zc, c.noiseDim());
            float[] eNorms = norms(ec, c.condDim());
            // what stays fixed over the steps, made once per chunk; each step's tensors go with its own scope
            try (PointerScope chunkScope = new PointerScope()) {
                Tensor text = Tensors.floats(tc, device, n, c.textDim());
                Tensor[] promptRows = new Tensor[critics.size()];
                for (int k = 0; k < promptRows.length; k++) {
                    int dim = critics.get(k).text().length / prompts;
                    promptRows[k] = Tensors.floats(promptRows(critics.get(k).text(), dim, from, n, perPrompt), device, n, dim);
                }
                for (int step = 0; step < steps; step++) {
                    cancel.check("refining images");
                    int thisStep = step;
                    inEval(g, exclusive, () -> {
                        try (PointerScope scope = new PointerScope()) {
                            Tensor zt = Tensors.floats(zc, device, n, c.noiseDim());
                            Tensor et = Tensors.floats(ec, device, n, c.condDim());
                            zt.set_requires_grad(true);
                            et.set_requires_grad(true);
                            Tensor generated = g.forward(zt, text, et).images();
                            int[] dx = new int[n];
                            int[] dy = new int[n];
                            for (int i = 0; i < n; i++) {
                                // by sample column, as the noise: row i of a batch refines as the single-prompt call
                                SplittableRandom r = new SplittableRandom(seed + COLUMN_MIX * ((first + i) % perPrompt)
                                        + STEP_MIX * thisStep);
                                dx[i] = r.nextInt(-shift, shift + 1);
                                dy[i] = r.nextInt(-shift, shift + 1);
                            }
                            Tensor shifted = RandomTranslation.apply(generated, dx, dy);
                            Tensor score = null;
                            for (int k = 0; k < promptRows.length; k++) {
                                Tensor s = critics.get(k).network().embedImages(shifted).mul(promptRows[k]).sum();
                                score = score == null ? s : score.add(s);
                            }
                            score.backward();
                            ascend(zc, Tensors.toHeap(zt.grad()), zNorms, c.noiseDim());
                            ascend(ec, Tensors.toHeap(et.grad()), eNorms, c.condDim());
                        }
                    });
                }
            }
            System.arraycopy(zc, 0, z, from * c.noiseDim(), zc.length);
            System.arraycopy(ec, 0, eps, from * c.condDim(), ec.length);
            inEval(g, exclusive, () -> {
                try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
                    Tensor refined = g.forward(Tensors.floats(zc, device, n, c.noiseDim()),
                            Tensors.floats(tc, device, n, c.textDim()), Tensors.floats(ec, device, n, c.condDim())).images();
                    Tensors.copyToHeap(refined, out, first * c.imageFloats());
                }
            });
        }
        Sampler.requireFinite(out, c.imageFloats());
        return out;
    }

    /**
     * Runs {@code work} through {@code exclusive}, the generator in eval mode (so an image depends on its
     * own noise only) and put back as it was: the generator is shared between calls, a step is not.
     */
    private static void inEval(Generator g, Exclusive exclusive, Runnable work) {
        exclusive.run(() -> {
            boolean wasTraining = g.is_training();
            g.eval();
            try {
                work.run();
            } finally {
                g.train(wasTraining);
            }
        });
    }

    /** The prompt embedding of each of images [from, from + n), one row per image. */
    private static float[] promptRows(float[] text, int dim, int from, int n, int perPrompt) {
        float[] out = new float[n * dim];
        for (int i = 0; i < n; i++) {
            System.arraycopy(text, (from + i) / perPrompt * dim, out, i * dim, dim);
        }
        return out;
    }

    /** Row i += STEP * |row i| * grad_i / |grad_i|, then rescaled to its length {@code norms[i]}. */
    static void ascend(float[] rows, float[] grad, float[] norms, int dim) {
        for (int i = 0; i < norms.length; i++) {
            double g2 = 0;
            for (int d = 0; d < dim; d++) {
                g2 += (double) grad[i * dim + d] * grad[i * dim + d];
            }
            if (g2 == 0 || norms[i] == 0) {
                continue;
            }
            double by = STEP * norms[i] / Math.sqrt(g2);
            double v2 = 0;
            for (int d = 0; d < dim; d++) {
                rows[i * dim + d] += (float) (by * grad[i * dim + d]);
                v2 += (double) rows[i * dim + d] * rows[i * dim + d];
            }
            double back = norms[i] / Math.sqrt(v2);
            for (int d = 0; d < dim; d++) {
                rows[i * dim + d] *= (float) back;
            }
        }
    }

    private static float[] norms(float[] rows, int dim) {
        float[] out = new float[rows.length / dim];
        for (int i = 0; i < out.length; i++) {
            double s = 0;
            for (int d = 0; d < dim; d++) {
                s += (double) rows[i * dim + d] * rows[i * dim + d];
            }
            out[i] = (float) Math.sqrt(s);
        }
        return out;
    }

    private static float[] slice(float[] rows, int from, int n, int dim) {
        float[] out = new float[n * dim];
        System.arraycopy(rows, from * dim, out, 0, n * dim);
        return out;
    }
}
