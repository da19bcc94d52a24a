package io.mmfuse.server;

import io.mmfuse.Cancellation;
import io.mmfuse.gan.Sampling;
import io.mmfuse.gan.TextToImage;

/** {@link ImageGenerator} over a GAN checkpoint. */
public final class CheckpointGenerator implements ImageGenerator {
    private final TextToImage gan;

    public CheckpointGenerator(TextToImage gan) {
        this.gan = gan;
    }

    @Override
    public byte[] generatePng(String prompt, int samples, long seed, Sampling sampling, Cancellation cancel) {
        return gan.generatePng(prompt, samples, seed, sampling, cancel);
    }

    @Override
    public void close() {
        gan.close();
    }
}
