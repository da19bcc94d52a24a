package io.mmfuse.gan;

import io.mmfuse.MmfuseException;
import io.mmfuse.model.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The logits a trained discriminator gives images against their captions: how real and how well matched
 * it finds each one. Ranking a generator's draws by them is discriminator rejection sampling (Azadi et
 * al., 2019) restricted to keeping the best; a matching-aware D has seen generated images throughout
 * training, which a retrieval model trained on real images only has not.
 */
final class DiscriminatorScores {
    private DiscriminatorScores() {
    }

    /**
     * @param text rows x textDim frozen caption embeddings, or null when D reads tokens (learned caption
     *     encoding) or ignores the caption (unconditional)
     * @param tokens one row of caption token ids per prompt (read when D encodes captions itself)
     * @param images rows x perRow images of 3 x size x size floats, row r's in images r * perRow ...
     * @return rows * perRow logits, in image order
     */
    static float[] score(Discriminator d, GanConfig config, Device device, float[] text, int[][] tokens, float[] images,
            int rows, int perRow) {
        int textDim = config.textDim();
        int imageFloats = config.imageFloats();
        int size = config.imageSize();
        int total = rows * perRow;
        // a learned caption encoder runs once per prompt, not once per image
        float[] captions = !d.conditional() ? null
                : config.learnedCaptions() ? Sampler.captionCodes(d::encodeCaptions, config, device, tokens) : text;
        float[] out = new float[total];
        for (int from = 0; from < total; from += Sampler.CHUNK) {
            int n = Math.min(Sampler.CHUNK, total - from);
            try (PointerScope scope = new PointerScope(); NoGradGuard guard = new NoGradGuard()) {
                Tensor batch = Tensors.floats(images, from * imageFloats, n * imageFloats, device, n, 3, size, size);
                Tensor rowsText = null;
                if (captions != null) {
                    float[] perImage = new float[n * textDim];
                    for (int k = 0; k < n; k++) {
                        System.arraycopy(captions, (from + k) / perRow * textDim, perImage, k * textDim, textDim);
                    }
                    rowsText = Tensors.floats(perImage, device, n, textDim);
                }
                Tensors.copyToHeap(d.forward(batch, rowsText), out, from);
            }
        }
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                throw new MmfuseException("the discriminator scored image " + i + " " + out[i]
                        + " (diverged or corrupt weights, or NaN in the image)");
            }
        }
        return out;
    }
}
