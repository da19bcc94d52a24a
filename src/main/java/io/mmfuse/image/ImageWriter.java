package io.mmfuse.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.mmfuse.InvalidInputException;
import io.mmfuse.NativeBackendException;
import io.mmfuse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;

/** Writes RGB pixels or normalised CHW tensors as PNG files (sample grids, debugging). */
public final class ImageWriter {
    private ImageWriter() {}

    /**
     * Writes a normalised CHW RGB tensor (as produced by {@link ImageDecoder}) as a PNG, undoing the
     * normalisation of {@code options}; values outside the pixel range are clamped.
     */
    public static void writePng(Path path, float[] chw, int width, int height, ImageOptions options)
            throws IOException {
        writePng(path, toRgb(chw, width, height, options), width, height);
    }

    /** Writes interleaved 8-bit RGB ({@code width * height * 3} bytes, row-major) as a PNG, atomically. */
    public static void writePng(Path path, byte[] rgb, int width, int height) throws IOException {
        Objects.requireNonNull(path, "path");
        AtomicFiles.write(path, encodePng(rgb, width, height));
    }

    /** Encodes interleaved 8-bit RGB ({@code width * height * 3} bytes, row-major) as PNG bytes. */
    public static byte[] encodePng(byte[] rgb, int width, int height) {
        Objects.requireNonNull(rgb, "rgb");
        checkSize(width, height);
        if (rgb.length != 3L * width * height) {
            throw new InvalidInputException("rgb", "has " + rgb.length + " bytes, " + width + "x" + height
                    + " RGB needs " + 3L * width * height);
        }
        byte[] bgr = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        try (PointerScope scope = new PointerScope()) {
            Mat image = new Mat(height, width, CV_8UC3);
            image.data().put(bgr);
            BytePointer out = new BytePointer();
            if (!imencode(".png", image, out)) {
                throw new NativeBackendException("OpenCV could not encode a " + width + "x" + height + " PNG");
            }
            byte[] png = new byte[(int) out.limit()];
            out.get(png);
            return png;
        } catch (RuntimeException e) {
            if (e instanceof NativeBackendException) {
                throw e;
            }
            throw new NativeBackendException("OpenCV PNG encoding failed: " + e.getMessage(), e);
        }
    }

    /** De-normalises a CHW RGB tensor into interleaved 8-bit RGB, clamping to [0, 255]. */
    public static byte[] toRgb(float[] chw, int width, int height, ImageOptions options) {
        Objects.requireNonNull(chw, "chw");
        Objects.requireNonNull(options, "options");
        checkSize(width, height);
        int plane = width * height;
        if (chw.length != 3L * plane) {
            throw new InvalidInputException("chw", "has " + chw.length + " floats, 3x" + height + "x" + width
                    + " needs " + 3L * plane);
        }
        float[] mean = options.mean();
        float[] std = options.std();
        byte[] rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                float v = (chw[c * plane + i] * std[c] + mean[c]) * 255f;
                int q = Float.isNaN(v) ? 0 : Math.round(Math.max(0f, Math.min(255f, v)));
                rgb[3 * i + c] = (byte) q;
            }
        }
        return rgb;
    }

    private static void checkSize(int width, int height) {
        if (width < 1 || height < 1 || (long) width * height > Integer.MAX_VALUE / 3) {
            throw new InvalidInputException("size", "width and height must be positive and fit one array, got "
                    + width + "x" + height);
        }
    }
}
