package io.mmfuse.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/** Encoded test images, generated on the fly (OpenCV imencode, javax.imageio, or by hand). */
final class Fixtures {
    private Fixtures() {}

    /** Left half pure red, right half pure blue, 8-bit BGR; caller's scope owns it. */
    static Mat redLeftBlueRight(int width, int height) {
        Mat m = new Mat(height, width, CV_8UC3, new Scalar(255, 0, 0, 0)); // BGR blue
        try (Mat left = m.apply(new Rect(0, 0, width / 2, height))) {
            left.put(new Scalar(0, 0, 255, 0)); // BGR red
        }
        return m;
    }

    static Mat solid(int width, int height, int type, Scalar bgr) {
        return new Mat(height, width, type, bgr);
    }

    /** OpenCV imencode to the given extension (".png", ".jpg", ...), optional imwrite params. */
    static byte[] encode(String ext, Mat image, int... params) {
        try (PointerScope scope = new PointerScope()) {
            BytePointer out = new BytePointer();
            boolean ok = params.length == 0 ? imencode(ext, image, out) : imencode(ext, image, out, new IntPointer(params));
            if (!ok) {
                throw new IllegalStateException("imencode " + ext + " failed");
            }
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }

    static byte[] redLeftBlueRight(String ext, int width, int height) {
        try (PointerScope scope = new PointerScope()) {
            return encode(ext, redLeftBlueRight(width, height));
        }
    }

    /**
     * A 4-component JPEG as Photoshop writes CMYK: Adobe APP14 marker (transform 0) and inverted
     * samples. javax.imageio writes a 4-band raster as a CMYK frame; the marker is spliced in.
     */
    static byte[] adobeCmykJpeg(int width, int height, int c, int m, int y, int k) {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, width, height, 4, null);
        int[] inverted = {255 - c, 255 - m, 255 - y, 255 - k};
        for (int row = 0; row < height; row++) {
            for (int col = 0; col < width; col++) {
                raster.setPixel(col, row, inverted);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(raster, null, null), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        byte[] plain = out.toByteArray();
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0};
        byte[] result = new byte[plain.length + app14.length];
        System.arraycopy(plain, 0, result, 0, 2);
        System.arraycopy(app14, 0, result, 2, app14.length);
        System.arraycopy(plain, 2, result, 2 + app14.length, plain.length - 2);
        return result;
    }

    /** An animated GIF89a with one frame per colour (packed 0xRRGGBB), written by javax.imageio. */
    static byte[] animatedGif(int width, int height, int... rgbFrames) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.prepareWriteSequence(null);
            for (int rgb : rgbFrames) {
                BufferedImage frame = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                for (int row = 0; row < height; row++) {
                    for (int col = 0; col < width; col++) {
                        frame.setRGB(col, row, rgb);
                    }
                }
                writer.writeToSequence(new IIOImage(frame, null, null), null);
            }
            writer.endWriteSequence();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** PNG signature, an IHDR chunk declaring width x height (8-bit RGB), optional IEND; no pixel data. */
    static byte[] pngHeaderOnly(long width, long height) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        byte[] ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes()).putInt((int) width).putInt((int) height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0).array();
        chunk(b, ihdr);
        chunk(b, "IEND".getBytes());
        return b.array();
    }

    private static void chunk(ByteBuffer b, byte[] typeAndData) {
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        b.putInt(typeAndData.length - 4).put(typeAndData).putInt((int) crc.getValue());
    }

    /** Offset of the first occurrence of an ASCII tag (PNG chunk type, ...), or -1. */
    static int indexOf(byte[] data, String ascii) {
        byte[] needle = ascii.getBytes();
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
