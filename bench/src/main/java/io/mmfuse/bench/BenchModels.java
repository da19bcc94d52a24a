package io.mmfuse.bench;

import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import java.util.SplittableRandom;

/**
 * The model and inputs of the encoder and training benchmarks. bench/anchors/model_anchor.py
 * builds the same layers and the same token ids (same formula), so both sides run identical shapes.
 */
final class BenchModels {
    /** ModelConfig's placeholder vocabulary size; Flickr8k's vocabulary is of this order. */
    static final int VOCAB = 10_000;
    static final long SEED = 42;

    private BenchModels() {}

    /** "contrastive" = ModelConfig.defaults() (what training uses by default), "seed" = the founding design. */
    static ModelConfig config(String objective) {
        ModelConfig base = switch (objective) {
            case "contrastive" -> ModelConfig.defaults();
            case "seed" -> ModelConfig.seedDesign();
            default -> throw new IllegalArgumentException("objective must be contrastive or seed, got " + objective);
        };
        return base.toBuilder().vocabSize(VOCAB).build();
    }

    static MultimodalAutoencoder model(ModelConfig config) {
        return MultimodalAutoencoder.create(config, DeviceChoice.cpu("benchmark"), SEED);
    }

    /** Caption r has 8 + (7r mod 13) tokens, id_j = (131r + 17j) mod (VOCAB - 1) + 1: no padding id inside. */
    static int[][] tokens(int rows) {
        int[][] out = new int[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = new int[8 + (7 * r) % 13];
            for (int j = 0; j < out[r].length; j++) {
                out[r][j] = (131 * r + 17 * j) % (VOCAB - 1) + 1;
            }
        }
        return out;
    }

    /** Standard-normal pixels: the values do not change the work, only the shapes do. */
    static float[] images(int count, int side) {
        float[] out = new float[count * 3 * side * side];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
