package io.mmfuse.data;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.fillConvexPoly;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import io.mmfuse.MmfuseException;
import io.mmfuse.NativeBackendException;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Draws a {@link SceneSpec} with OpenCV and encodes it as PNG. Shapes are drawn without
 * anti-aliasing (LINE_8), integer geometry only, so the same scene and noise give the same bytes.
 */
final class ShapeRenderer {
    private ShapeRenderer() {}

    /** @param rnd supplies the background noise */
    static byte[] renderPng(SceneSpec scene, int size, SplittableRandom rnd) {
        byte[] background = noisyBackground(size, rnd);
        // Every Mat, Point, Scalar and the encode buffer is released when the scope closes.
        try (PointerScope scope = new PointerScope()) {
            Mat image = new Mat(size, size, opencv_core.CV_8UC3);
            image.data().put(background);
            for (ShapeSpec shape : scene.objects()) {
                draw(image, shape);
            }
            BytePointer png = new BytePointer();
            if (!imencode(".png", image, png)) {
                throw new NativeBackendException("OpenCV could not encode " + scene.imageId() + " as PNG");
            }
            byte[] bytes = new byte[(int) png.limit()];
            png.get(bytes);
            return bytes;
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new NativeBackendException("OpenCV failed drawing " + scene.imageId() + ": " + e.getMessage(), e);
        }
    }

    /** Dark grey with a little per-pixel grey noise, BGR interleaved. */
    private static byte[] noisyBackground(int size, SplittableRandom rnd) {
        int base = 24 + rnd.nextInt(24);
        byte[] pixels = new byte[size * size * 3];
        for (int p = 0; p < size * size; p++) {
            byte v = (byte) (base + rnd.nextInt(-6, 7));
            pixels[3 * p] = v;
            pixels[3 * p + 1] = v;
            pixels[3 * p + 2] = v;
        }
        return pixels;
    }

    private static void draw(Mat image, ShapeSpec s) {
        Scalar colour = new Scalar(s.colour().blue(), s.colour().green(), s.colour().red(), 0);
        int x = s.centerX();
        int y = s.centerY();
        int r = s.radius();
        switch (s.shape()) {
            case CIRCLE -> circle(image, new Point(x, y), r, colour, FILLED, LINE_8, 0);
            case SQUARE -> {
                int h = Math.round(r * 0.8f); // corners stay within r of the centre
                rectangle(image, new Point(x - h, y - h), new Point(x + h, y + h), colour, FILLED, LINE_8, 0);
            }
            case TRIANGLE -> {
                int half = Math.round(r * 0.866f);
                Point corners = new Point(3);
                corners.position(0).x(x).y(y - r);
                corners.position(1).x(x - half).y(y + r / 2);
                corners.position(2).x(x + half).y(y + r / 2);
                fillConvexPoly(image, corners.position(0), 3, colour, LINE_8, 0);
            }
            case CROSS -> {
                int w = Math.max(1, Math.round(r * 0.3f));
                int arm = Math.round(r * 0.95f);
                rectangle(image, new Point(x - arm, y - w), new Point(x + arm, y + w), colour, FILLED, LINE_8, 0);
                rectangle(image, new Point(x - w, y - arm), new Point(x + w, y + arm), colour, FILLED, LINE_8, 0);
            }
        }
    }
}
