package io.mmfuse.bench.generation;

import io.mmfuse.train.ImageDegradation;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Altered copies of a batch of N×3×S×S images in the normalised [-1, 1] space, for asking whether a
 * model's reading of generated images rests on fine texture: a reading that holds on real images but
 * falls on generated ones once period-2 detail (the checkerboard a stride-2 transposed convolution
 * leaves) or pixel noise is taken away was carried by that texture, not by the outline.
 */
final class ImageViews {
    record View(String name, UnaryOperator<float[]> apply) {
    }

    private ImageViews() {
    }

    /** The images as drawn; each 2x2 block replaced by its mean; Gaussian noise of sd 0.2 (seed fixed). */
    static View[] all(int size) {
        return new View[] {
            new View("as drawn", a -> a),
            new View("2x2 low-pass", a -> {
                float[] out = a.clone();
                ImageDegradation.lowPass2(out, 0, out.length / (size * size), size);
                return out;
            }),
            new View("noise sd 0.2", a -> {
                float[] out = a.clone();
                ImageDegradation.addNoise(out, 0, out.length, 0.2, new Random(5));
                return out;
            }),
        };
    }
}
