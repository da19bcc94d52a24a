package io.mmfuse.server;

import io.mmfuse.Cancellation;
import io.mmfuse.gan.Sampling;

/**
 * Text to image as the server needs it: one prompt in, a PNG grid out. Implementations are called
 * from one batcher thread at a time; the server closes them.
 */
public interface ImageGenerator extends AutoCloseable {
    /**
     * @param cancel asked between units of work; true once the request's deadline has passed
     * @throws io.mmfuse.InvalidInputException naming {@code text} for a prompt the model cannot use
     * @throws io.mmfuse.CancelledException when {@code cancel} asked it to stop
     */
    byte[] generatePng(String prompt, int samples, long seed, Sampling sampling, Cancellation cancel);

    @Override
    void close();
}
