package io.mmfuse.gan;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;

import io.mmfuse.InvalidInputException;
import io.mmfuse.NativeBackendException;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.image.ImageWriter;
import io.mmfuse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Lays generated images out for people: one row per caption, one column per sample, 64 px tiles
 * with 2 px white gaps, the whole grid upscaled x2 (nearest neighbour, so pixels stay sharp) and
 * the caption printed under its row (OpenCV's Hershey font, headless; wrapped to two lines, then
 * cut with "..."; characters outside printable ASCII are drawn as '?', which the font lacks).
 */
public final class SampleGrid {
    public static final int TILE = GanConfig.SUPPORTED_IMAGE_SIZE;
    public static final int GAP = 2;
    public static final int SCALE = 2;
    /** Narrowest grid, so that a caption under a single sample stays readable. */
    public static final int MIN_WIDTH = 256;
    static final int LINE_HEIGHT = 16;
    static final int MAX_LINES = 2;
    private static final double FONT_SCALE = 0.45;
    private static final int PAD = 6;

    private SampleGrid() {
    }

    /** Interleaved 8-bit RGB pixels. */
    public record Rendered(byte[] rgb, int width, int height) {
    }

    /** Width in pixels of a grid with {@code columns} samples. */
    public static int width(int columns) {
        return Math.max(MIN_WIDTH, SCALE * (GAP + columns * (TILE + GAP)));
    }

    /** Height in pixels of a grid with {@code rows} captions. */
    public static int height(int rows) {
        return SCALE * GAP + rows * (SCALE * (TILE + GAP) + band());
    }

    /**
     * @param images rows x columns x 3 x 64 x 64 floats in [-1, 1], row-major (values outside are clamped)
     * @param captions one per row
     */
    public static Rendered render(float[] images, int rows, int columns, List<String> captions) {
        validate(images, rows, columns, captions);
        int w = width(columns);
        int h = height(rows);
        byte[] rgb = new byte[3 * w * h];
        java.util.Arrays.fill(rgb, (byte) 255);
        int tileFloats = 3 * TILE * TILE;
        ImageOptions options = ImageOptions.defaults();
        int rowStride = SCALE * (TILE + GAP) + band();
        for (int r = 0; r < rows; r++) {
            int y0 = SCALE * GAP + r * rowStride;
            for (int c = 0; c < columns; c++) {
                float[] chw = new float[tileFloats];
                System.arraycopy(images, (r * columns + c) * tileFloats, chw, 0, tileFloats);
                byte[] tile = ImageWriter.toRgb(chw, TILE, TILE, options);
                blitScaled(tile, rgb, w, SCALE * (GAP + c * (TILE + GAP)), y0);
            }
        }
        drawCaptions(rgb, w, h, rows, rowStride, captions);
        return new Rendered(rgb, w, h);
    }

    /** {@link #render} encoded as PNG. */
    public static byte[] png(float[] images, int rows, int columns, List<String> captions) {
        Rendered g = render(images, rows, columns, captions);
        return ImageWriter.encodePng(g.rgb(), g.width(), g.height());
    }

    /** Writes {@link #png} to {@code file} atomically. */
    public static void write(Path file, float[] images, int rows, int columns, List<String> captions) throws IOException {
        AtomicFiles.write(file, png(images, rows, columns, captions));
    }

    private static int band() {
        return MAX_LINES * LINE_HEIGHT + PAD;
    }

    private static void blitScaled(byte[] tile, byte[] dst, int dstWidth, int x0, int y0) {
        for (int y = 0; y < TILE * SCALE; y++) {
            int sy = y / SCALE;
            for (int x = 0; x < TILE * SCALE; x++) {
                int s = 3 * (sy * TILE + x / SCALE);
                int d = 3 * ((y0 + y) * dstWidth + x0 + x);
                dst[d] = tile[s];
                dst[d + 1] = tile[s + 1];
                dst[d + 2] = tile[s + 2];
            }
        }
    }

    private static void drawCaptions(byte[] rgb, int w, int h, int rows, int rowStride, List<String> captions) {
        try (PointerScope scope = new PointerScope()) {
            Mat canvas = new Mat(h, w, CV_8UC3);
            canvas.data().put(rgb);
            Scalar black = new Scalar(0, 0, 0, 0);
            int maxWidth = w - 2 * SCALE * GAP;
            for (int r = 0; r < rows; r++) {
                int top = SCALE * GAP + r * rowStride + SCALE * TILE;
                List<String> lines = wrap(printable(captions.get(r)), maxWidth);
                for (int i = 0; i < lines.size(); i++) {
                    Point origin = new Point(SCALE * GAP, top + PAD / 2 + (i + 1) * LINE_HEIGHT - 4);
                    putText(canvas, lines.get(i), origin, FONT_HERSHEY_SIMPLEX, FONT_SCALE, black, 1, LINE_AA, false);
                }
            }
            canvas.data().get(rgb);
        } catch (RuntimeException e) {
            throw new NativeBackendException("OpenCV could not draw the sample grid captions: " + e.getMessage(), e);
        }
    }

    /** Greedy word wrap to {@link #MAX_LINES} lines of at most maxWidth pixels; the last line ellipsised. */
    static List<String> wrap(String text, int maxWidth) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        String[] words = text.trim().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String candidate = line.isEmpty() ? words[i] : line + " " + words[i];
            if (textWidth(candidate) <= maxWidth) {
                line.setLength(0);
                line.append(candidate);
                continue;
            }
            if (lines.size() == MAX_LINES - 1 || line.isEmpty()) {
                // no room for another line (or one word wider than the grid): cut here
                String rest = String.join(" ", java.util.Arrays.copyOfRange(words, i, words.length));
                lines.add(ellipsise(line.isEmpty() ? rest : line + " " + rest, maxWidth));
                return lines;
            }
            lines.add(line.toString());
            line.setLength(0);
            line.append(words[i]);
            if (textWidth(words[i]) > maxWidth) {
                String rest = String.join(" ", java.util.Arrays.copyOfRange(words, i, words.length));
                lines.add(ellipsise(rest, maxWidth));
                return lines;
            }
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    private static String ellipsise(String text, int maxWidth) {
        if (textWidth(text) <= maxWidth) {
            return text;
        }
        int n = text.length();
        while (n > 0 && textWidth(text.substring(0, n) + "...") > maxWidth) {
            n--;
        }
        return text.substring(0, n).stripTrailing() + "...";
    }

    static int textWidth(String s) {
        try (PointerScope scope = new PointerScope()) {
            return getTextSize(s, FONT_HERSHEY_SIMPLEX, FONT_SCALE, 1, new int[1]).width();
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.isWhitespace(cp)) {
                b.append(' ');
            } else {
                b.append(cp >= 0x20 && cp < 0x7f ? (char) cp : '?');
            }
        });
        return b.toString();
    }

    private static void validate(float[] images, int rows, int columns, List<String> captions) {
        if (rows < 1 || columns < 1 || (long) rows * columns > 4096) {
            throw new InvalidInputException("grid", "rows and columns must be >= 1 and at most 4096 tiles, got "
                    + rows + "x" + columns);
        }
        if (images == null || (long) images.length != (long) rows * columns * 3 * TILE * TILE) {
            throw new InvalidInputException("images", (images == null ? "null" : images.length + " floats")
                    + ", a " + rows + "x" + columns + " grid of 3x64x64 needs " + (long) rows * columns * 3 * TILE * TILE);
        }
        if (captions == null || captions.size() != rows) {
            throw new InvalidInputException("captions", "need one per row (" + rows + "), got "
                    + (captions == null ? "null" : captions.size()));
        }
        for (int i = 0; i < rows; i++) {
            if (captions.get(i) == null) {
                throw new InvalidInputException("captions[" + i + "]", "is null");
            }
        }
    }
}
