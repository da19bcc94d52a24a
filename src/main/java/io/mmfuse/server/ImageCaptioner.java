package io.mmfuse.server;

import java.util.List;

/**
 * Image to text as the server needs it. Implementations are called from one batcher thread at a
 * time; the server closes them.
 */
public interface ImageCaptioner extends AutoCloseable {
    /** A retrieved corpus caption with its squared L2 distance in the joint space. */
    record Retrieved(int rank, String caption, float distance) {
    }

    /** Both methods for one image: the nearest corpus captions and the decoder's greedy and beam outputs. */
    record Captions(List<Retrieved> retrieved, String greedy, String beam) {
        public Captions {
            retrieved = List.copyOf(retrieved);
        }
    }

    /**
     * @param name how errors name the image (e.g. "image")
     * @throws io.mmfuse.image.ImageDecodeException naming it when the bytes are not a usable image
     */
    Captions caption(String name, byte[] image, int k, int beamWidth);

    @Override
    void close();
}
