package io.mmfuse.train;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.model.Tensors;
import io.mmfuse.search.FloatMatrix;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Batched, gradient-free embedding with a PointerScope per batch on the calling thread; results go
 * straight into one heap array. Does not change the model's train/eval mode: callers put it in
 * eval mode first.
 */
final class BatchedInference {
    static final int DEFAULT_BATCH = 256;

    private BatchedInference() {
    }

    static FloatMatrix images(MultimodalAutoencoder model, float[] chw, int n, int batch) {
        ModelConfig mc = model.config();
        int floats = mc.imageFloats();
        if (chw == null) {
            throw new InvalidInputException("images", "is null");
        }
        if (n <= 0) {
            throw new InvalidInputException("n", "must be > 0, got " + n);
        }
        if (chw.length != (long) n * floats) {
            throw new InvalidInputException("images", "has " + chw.length + " floats, expected " + n + " x 3 x "
                    + mc.imageSize() + " x " + mc.imageSize() + " = " + (long) n * floats);
        }
        int dim = mc.commonDim();
        float[] out = new float[n * dim];
        long side = mc.imageSize();
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int start = 0; start < n; start += batch) {
                int count = Math.min(batch, n - start);
                try (PointerScope scope = new PointerScope()) {
                    Tensor x = Tensors.floats(chw, start * floats, count * floats, model.device(), count, 3, side, side);
                    Tensors.copyToHeap(model.embedImages(x), out, start * dim);
                }
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("embedding images", e);
        }
        return new FloatMatrix(n, dim, out);
    }

    static FloatMatrix texts(MultimodalAutoencoder model, int[][] tokens, int batch) {
        ModelConfig mc = model.config();
        if (tokens == null || tokens.length == 0) {
            throw new InvalidInputException("tokens", "no captions");
        }
        int n = tokens.length;
        int dim = mc.commonDim();
        float[] out = new float[n * dim];
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int start = 0; start < n; start += batch) {
                int end = Math.min(n, start + batch);
                try (PointerScope scope = new PointerScope()) {
                    int[] width = new int[1];
                    long[] ids = Tensors.padTokens(tokens, start, end, mc.maxTokens(), mc.vocabSize(), width);
                    Tensor t = Tensors.longs(ids, model.device(), end - start, width[0]);
                    Tensors.copyToHeap(model.embedTexts(t), out, start * dim);
                }
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("embedding texts", e);
        }
        return new FloatMatrix(n, dim, out);
    }
}
