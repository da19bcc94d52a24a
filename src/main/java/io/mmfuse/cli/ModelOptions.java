package io.mmfuse.cli;

import io.mmfuse.model.ModelConfig;
import picocli.CommandLine.Option;

/** Model shape options shared by the training commands; unset options keep the library defaults. */
final class ModelOptions {
    @Option(names = "--objective", description = "Alignment objective: ${COMPLETION-CANDIDATES} (default: contrastive).")
    ModelConfig.Objective objective;

    @Option(names = "--text-encoder", description = "Text tower: ${COMPLETION-CANDIDATES} (default: BOW).")
    ModelConfig.TextEncoderKind textEncoder;

    @Option(names = "--image-size", description = "Model input side in pixels, a multiple of 16 (default: 64).")
    Integer imageSize;

    @Option(names = "--common-dim", description = "Embedding dimension (default: 256).")
    Integer commonDim;

    @Option(names = "--cnn-width", description = "Channels of the first conv block (default: 32).")
    Integer cnnWidth;

    @Option(names = "--reconstruction-weight", description = "Weight of the autoencoder reconstruction terms; 0 turns the decoders off.")
    Double reconstructionWeight;

    ModelConfig apply(ModelConfig base) {
        ModelConfig.Builder b = base.toBuilder();
        if (objective != null) {
            b.objective(objective);
            if (objective == ModelConfig.Objective.SEED && reconstructionWeight == null) {
                // The founding design's objective is defined together with reconstruction.
                b.reconstructionWeight(1.0);
            }
        }
        if (textEncoder != null) {
            b.textEncoder(textEncoder);
        }
        if (imageSize != null) {
            b.imageSize(imageSize);
        }
        if (commonDim != null) {
            b.commonDim(commonDim);
        }
        if (cnnWidth != null) {
            b.cnnWidth(cnnWidth);
        }
        if (reconstructionWeight != null) {
            b.reconstructionWeight(reconstructionWeight);
        }
        return b.build();
    }
}
