package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.createCPUGenerator;
import static org.bytedeco.pytorch.global.torch.randn;

import io.mmfuse.Cancellation;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.Tensors;
import java.util.Arrays;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Draws a grid of images from a generator: rows are captions, columns samples. Column j uses the
 * same noise z_j and conditioning draw eps_j in every row, so a grid shows what the caption
 * changes; both come from a LibTorch CPU generator seeded per call (same seed, same images, on any
 * thread, independent of the global generator). The generator runs in eval mode (BatchNorm running
 * statistics), so an image does not depend on what else is in its batch.
 */
final class Sampler {
    /** Images per forward pass: bounds native memory for large requests. */
    static final int CHUNK = 64;

    private Sampler() {
    }

    /**
     * The text a generator with learned caption encoding takes for {@code tokens} (one row per
     * caption, unpadded ids): rows x textDim floats.
     */
    static float[] captionCodes(Generator g, Device device, int[][] tokens) {
        return captionCodes(g::encodeCaptions, g.config(), device, tokens);
    }

    /** As {@link #captionCodes(Generator, Device, int[][])} for any network's caption encoder (a discriminator's too). */
    static float[] captionCodes(Function<CaptionEncoder.Inputs, Tensor> encoder, GanConfig config, Device device,
            int[][] tokens) {
        float[] out = new float[Math.multiplyExact(tokens.length, config.textDim())];
        for (int from = 0; from < tokens.length; from += CHUNK) {
            int n = Math.min(CHUNK, tokens.length - from);
            try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
                int[][] chunk = Arrays.copyOfRange(tokens, from, from + n);
                Tensor codes = encoder.apply(CaptionEncoder.inputs(chunk, config.captionVocabulary(), device));
                Tensors.copyToHeap(codes, out, from * config.textDim());
            }
        }
        return out;
    }

    /**
     * @param text rows x textDim caption embeddings (with learned caption encoding: {@link #captionCodes})
     * @param truncation psi in [0, 1] (checked by the caller): the noise z and the conditioning draw eps
     *     are scaled by it, so 1 samples the distribution the generator was trained on and 0 gives each
     *     caption its one mean image (the truncation trick of BigGAN and StyleGAN, applied in z space)
     * @return rows x samples x 3 x 64 x 64 floats in [-1, 1], row-major
     * @throws MmfuseException when the generator produced NaN or infinity
     */
    static float[] sample(Generator g, Device device, float[] text, int rows, int samples, long seed,
            float truncation) {
        return sample(g, device, text, rows, noise(g.config(), samples, seed, truncation), Cancellation.NONE);
    }

    /**
     * The noise z and conditioning draw eps of {@code samples} columns: samples x noiseDim and samples x
     * condDim floats, scaled by {@code truncation}.
     */
    static Noise noise(GanConfig c, int samples, long seed, float truncation) {
        float[] z;
        float[] eps;
        try (PointerScope scope = new PointerScope()) {
            GeneratorOptional gen = new GeneratorOptional(createCPUGenerator(seed));
            z = Tensors.toHeap(randn(new long[] {samples, c.noiseDim()}, gen));
            eps = Tensors.toHeap(randn(new long[] {samples, c.condDim()}, gen));
        }
        if (truncation != 1f) {
            scale(z, truncation);
            scale(eps, truncation);
        }
        return new Noise(z, eps);
    }

    /** One column's noise per sample: z is samples x noiseDim, eps samples x condDim, row-major. */
    record Noise(float[] z, float[] eps) {
    }

    /**
     * As {@link #sample(Generator, Device, float[], int, int, long, float)} with the columns' noise given,
     * asking {@code cancel} before each chunk.
     */
    static float[] sample(Generator g, Device device, float[] text, int rows, Noise noise, Cancellation cancel) {
        GanConfig c = g.config();
        int textDim = c.textDim();
        float[] z = noise.z();
        float[] eps = noise.eps();
        int samples = z.length / c.noiseDim();
        int total = rows * samples;
        int imageFloats = c.imageFloats();
        float[] out = new float[Math.multiplyExact(total, imageFloats)];
        boolean wasTraining = g.is_training();
        g.eval();
        try {
            for (int from = 0; from < total; from += CHUNK) {
                cancel.check("generating images");
                int n = Math.min(CHUNK, total - from);
                float[] zc = new float[n * c.noiseDim()];
                float[] ec = new float[n * c.condDim()];
                float[] tc = new float[n * textDim];
                for (int k = 0; k < n; k++) {
                    int row = (from + k) / samples;
                    int col = (from + k) % samples;
                    System.arraycopy(z, col * c.noiseDim(), zc, k * c.noiseDim(), c.noiseDim());
                    System.arraycopy(eps, col * c.condDim(), ec, k * c.condDim(), c.condDim());
                    System.arraycopy(text, row * textDim, tc, k * textDim, textDim);
                }
                try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
                    Tensor images = g.forward(Tensors.floats(zc, device, n, c.noiseDim()),
                            Tensors.floats(tc, device, n, textDim), Tensors.floats(ec, device, n, c.condDim())).images();
                    Tensors.copyToHeap(images, out, from * imageFloats);
                }
            }
        } finally {
            g.train(wasTraining);
        }
        requireFinite(out, imageFloats);
        return out;
    }

    /** @throws MmfuseException naming the first image that holds NaN or infinity */
    static void requireFinite(float[] images, int imageFloats) {
        for (int i = 0; i < images.length; i++) {
            if (!Float.isFinite(images[i])) {
                throw new MmfuseException("the generator produced " + images[i] + " in image " + i / imageFloats
                        + " (diverged or corrupt weights)");
            }
        }
    }

    private static void scale(float[] v, float by) {
        for (int i = 0; i < v.length; i++) {
            v[i] *= by;
        }
    }
}
