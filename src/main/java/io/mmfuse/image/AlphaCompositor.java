package io.mmfuse.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Flattens 8-bit grey+alpha or BGRA onto a white background. Transparent regions of product photos
 * and icons are meant to read as background, and keeping the colour stored under alpha = 0
 * (often black) would invent dark shapes. Compositing happens before resizing, which is exactly
 * equivalent to resizing premultiplied colour, so no dark fringes appear at edges.
 */
final class AlphaCompositor {
    private AlphaCompositor() {}

    /** Returns a new Mat with one channel fewer; the caller's PointerScope owns it. */
    static Mat onWhite(Mat withAlpha) {
        int channels = withAlpha.channels();
        int colour = channels - 1;
        int cols = withAlpha.cols();
        Mat out = new Mat(withAlpha.rows(), cols, CV_8UC(colour));
        byte[] in = new byte[cols * channels];
        byte[] row = new byte[cols * colour];
        for (int y = 0; y < withAlpha.rows(); y++) {
            withAlpha.ptr(y).get(in);
            for (int x = 0; x < cols; x++) {
                int alpha = in[x * channels + colour] & 0xFF;
                int background = 255 * (255 - alpha);
                for (int c = 0; c < colour; c++) {
                    int v = in[x * channels + c] & 0xFF;
                    row[x * colour + c] = (byte) ((v * alpha + background + 127) / 255);
                }
            }
            out.ptr(y).put(row);
        }
        return out;
    }
}
