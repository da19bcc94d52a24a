package io.mmfuse.image;

import io.mmfuse.image.ImageDecodeException.Reason;
import java.util.Arrays;
import java.util.List;

/**
 * The outcome of {@link ImageDecoder#decodeAll}: pixels of the images that decoded, in input
 * order, and one {@link Failure} per image that did not.
 *
 * @param imageSize side of each square image
 * @param data {@code decoded.size()} images of 3 x imageSize x imageSize floats (RGB planes, CHW),
 *     concatenated in input order; shared, not copied
 * @param decoded where each image in {@code data} came from, in the same order
 * @param failures the inputs that were rejected, in input order
 */
public record DecodedBatch(int imageSize, float[] data, List<Decoded> decoded, List<Failure> failures) {
    /** Input position and name of one decoded image. */
    public record Decoded(int index, String name) {}

    /** Input position, name and reason of one rejected image; {@code message} is the full exception message. */
    public record Failure(int index, String name, Reason reason, String message) {}

    public DecodedBatch {
        decoded = List.copyOf(decoded);
        failures = List.copyOf(failures);
        if (data.length != (long) decoded.size() * 3 * imageSize * imageSize) {
            throw new IllegalArgumentException("data holds " + data.length + " floats, expected "
                    + decoded.size() + " images of 3x" + imageSize + "x" + imageSize);
        }
    }

    /** Number of decoded images. */
    public int count() {
        return decoded.size();
    }

    public int floatsPerImage() {
        return 3 * imageSize * imageSize;
    }

    /** A copy of the i-th decoded image (i counts decoded images, not inputs). */
    public float[] image(int i) {
        int per = floatsPerImage();
        return Arrays.copyOfRange(data, i * per, (i + 1) * per);
    }

    /** Input indices of the decoded images, ascending. */
    public int[] indices() {
        return decoded.stream().mapToInt(Decoded::index).toArray();
    }
}
