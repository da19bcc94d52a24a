package io.mmfuse.server;

import io.mmfuse.gan.Sampling;

/**
 * Text to image as the server needs it: one prompt in, a PNG grid out. Implementations are called
 * from one batcher thread at a time; the server closes them.
 */
public interface ImageGenerator extends AutoCloseable {
    /**
     * @throws io.mmfuse.InvalidInputException naming {@code text} for a prompt the model cannot use
     */
    byte[] generatePng(String prompt, int samples, long seed, Sampling sampling);

    @Override
    void close();
}
