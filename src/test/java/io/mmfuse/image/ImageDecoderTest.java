package io.mmfuse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.opencv.global.opencv_core.CV_16UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;

import io.mmfuse.image.ImageDecodeException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {
    private static final int S = 64;
    private final ImageDecoder decoder = new ImageDecoder();

    /** Value of channel c (0 = R) at (x, y) of a decoded 3 x S x S tensor. */
    private static float at(float[] chw, int c, int x, int y) {
        return chw[c * S * S + y * S + x];
    }

    /** Expected normalised value of an 8-bit sample with the default mean/std of 0.5. */
    private static float norm(int v) {
        return (v / 255f - 0.5f) / 0.5f;
    }

    private static void assertRgb(float[] chw, int x, int y, int r, int g, int b, float tolerance) {
        assertThat(at(chw, 0, x, y)).as("R at %d,%d", x, y).isCloseTo(norm(r), within(tolerance));
        assertThat(at(chw, 1, x, y)).as("G at %d,%d", x, y).isCloseTo(norm(g), within(tolerance));
        assertThat(at(chw, 2, x, y)).as("B at %d,%d", x, y).isCloseTo(norm(b), within(tolerance));
    }

    private static ImageDecodeException rejection(ImageDecoder d, ImageSource src) {
        try {
            d.decode(src);
        } catch (ImageDecodeException e) {
            return e;
        }
        throw new AssertionError(src.name() + " was decoded but should have been rejected");
    }

    @ParameterizedTest
    @ValueSource(strings = {".jpg", ".png", ".bmp", ".webp", ".tiff", ".gif"})
    void decodesEachFormatWithRgbOrderAndLayout(String ext) {
        byte[] bytes = Fixtures.redLeftBlueRight(ext, 80, 60);
        float[] chw = decoder.decode(ImageSource.of("img" + ext, bytes));

        assertThat(chw).hasSize(3 * S * S);
        float tol = ext.equals(".jpg") || ext.equals(".gif") ? 0.06f : 1e-5f; // lossy / palette
        assertRgb(chw, 8, 32, 255, 0, 0, tol);
        assertRgb(chw, 56, 32, 0, 0, 255, tol);
        for (float v : chw) {
            assertThat(v).isBetween(-1f, 1f);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".jpg", ".png", ".bmp", ".webp", ".tiff", ".gif"})
    void headerReportsFormatAndSizeWithoutDecoding(String ext) {
        ImageHeader h = ImageHeader.read("x" + ext, Fixtures.redLeftBlueRight(ext, 80, 60));
        assertThat(h.format().name()).isEqualTo(switch (ext) {
            case ".jpg" -> "JPEG";
            case ".tiff" -> "TIFF";
            default -> ext.substring(1).toUpperCase();
        });
        assertThat(h.width()).isEqualTo(80);
        assertThat(h.height()).isEqualTo(60);
    }

    @Test
    void lossyAndLosslessWebpHeadersBothParse() {
        try (PointerScope scope = new PointerScope()) {
            Mat img = Fixtures.redLeftBlueRight(50, 30);
            byte[] lossy = Fixtures.encode(".webp", img, org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY, 80);
            byte[] lossless = Fixtures.encode(".webp", img, org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY, 101);
            assertThat(new String(lossy, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("VP8 ");
            assertThat(new String(lossless, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("VP8L");
            for (byte[] b : List.of(lossy, lossless)) {
                ImageHeader h = ImageHeader.read("w", b);
                assertThat(h.width()).isEqualTo(50);
                assertThat(h.height()).isEqualTo(30);
            }
        }
    }

    @Test
    void greyscaleBecomesThreeEqualChannels() {
        try (PointerScope scope = new PointerScope()) {
            byte[] png = Fixtures.encode(".png", Fixtures.solid(20, 20, CV_8UC1, new Scalar(200)));
            float[] chw = decoder.decode(ImageSource.of("grey.png", png));
            assertRgb(chw, 5, 5, 200, 200, 200, 1e-5f);
        }
    }

    @Test
    void alphaIsCompositedOnWhite() {
        try (PointerScope scope = new PointerScope()) {
            // Columns 0-63: transparent black; 64-127: opaque red; 128-191: half-transparent red.
            Mat rgba = new Mat(S, 3 * S, CV_8UC4, new Scalar(0, 0, 0, 0));
            rgba.apply(new org.bytedeco.opencv.opencv_core.Rect(S, 0, S, S)).put(new Scalar(0, 0, 255, 255));
            rgba.apply(new org.bytedeco.opencv.opencv_core.Rect(2 * S, 0, S, S)).put(new Scalar(0, 0, 255, 128));
            for (String ext : List.of(".png", ".webp", ".tiff")) {
                byte[] bytes = ext.equals(".webp")
                        ? Fixtures.encode(ext, rgba, org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY, 101)
                        : Fixtures.encode(ext, rgba);
                float[] chw = new ImageDecoder(ImageOptions.defaults().withSize(3 * S)).decode(ImageSource.of("a" + ext, bytes));
                int side = 3 * S;
                assertThat(chw[0 * side * side + 10 * side + 10]).as(ext + " transparent -> white R").isCloseTo(1f, within(1e-5f));
                assertThat(chw[2 * side * side + 10 * side + 10]).as(ext + " transparent -> white B").isCloseTo(1f, within(1e-5f));
                assertThat(chw[0 * side * side + 10 * side + S + 10]).as(ext + " opaque red R").isCloseTo(1f, within(1e-5f));
                assertThat(chw[1 * side * side + 10 * side + S + 10]).as(ext + " opaque red G").isCloseTo(-1f, within(1e-5f));
                // 50% red over white: G = (0 * 128 + 255 * 127) / 255 = 127.
                assertThat(chw[1 * side * side + 10 * side + 2 * S + 10]).as(ext + " half red G").isCloseTo(norm(127), within(1e-5f));
                assertThat(chw[0 * side * side + 10 * side + 2 * S + 10]).as(ext + " half red R").isCloseTo(1f, within(1e-5f));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {".png", ".tiff"})
    void sixteenBitIsScaledTo8Bit(String ext) {
        try (PointerScope scope = new PointerScope()) {
            // BGR: B = 0, G = 128 * 257, R = 65535.
            byte[] bytes = Fixtures.encode(ext, Fixtures.solid(16, 16, CV_16UC3, new Scalar(0, 128 * 257, 65535, 0)));
            float[] chw = decoder.decode(ImageSource.of("deep" + ext, bytes));
            assertRgb(chw, 3, 3, 255, 128, 0, 1e-5f);
        }
    }

    @Test
    void adobeCmykJpegDecodesToRgb() {
        byte[] jpeg = Fixtures.adobeCmykJpeg(16, 16, 0, 255, 255, 0); // CMYK red
        assertThat(ImageHeader.read("cmyk.jpg", jpeg).format()).isEqualTo(ImageFormat.JPEG);
        float[] chw = decoder.decode(ImageSource.of("cmyk.jpg", jpeg));
        assertRgb(chw, 8, 8, 255, 0, 0, 0.03f);
    }

    @Test
    void gifYieldsItsFirstFrame() {
        byte[] gif = Fixtures.animatedGif(12, 10, 0xFF0000, 0x0000FF);
        ImageHeader h = ImageHeader.read("anim.gif", gif);
        assertThat(h.format()).isEqualTo(ImageFormat.GIF);
        assertThat(h.width()).isEqualTo(12);
        assertThat(h.height()).isEqualTo(10);
        float[] chw = decoder.decode(ImageSource.of("anim.gif", gif));
        assertRgb(chw, 30, 30, 255, 0, 0, 0.02f);
    }

    @Test
    void upAndDownscalingSquashToTheConfiguredSize() {
        ImageDecoder small = new ImageDecoder(ImageOptions.defaults().withSize(32));
        int side = 32;
        for (int[] wh : new int[][] {{8, 8}, {300, 200}, {20, 90}}) {
            float[] chw = small.decode(ImageSource.of("r.png", Fixtures.redLeftBlueRight(".png", wh[0], wh[1])));
            assertThat(chw).hasSize(3 * side * side);
            // Squash keeps the split at the middle column whatever the aspect ratio.
            assertThat(chw[0 * side * side + 16 * side + 4]).as("%s left R", Arrays.toString(wh)).isCloseTo(1f, within(1e-5f));
            assertThat(chw[2 * side * side + 16 * side + 27]).as("%s right B", Arrays.toString(wh)).isCloseTo(1f, within(1e-5f));
            assertThat(chw[0 * side * side + 16 * side + 27]).as("%s right R", Arrays.toString(wh)).isCloseTo(-1f, within(1e-5f));
        }
    }

    @Test
    void customNormalisationIsApplied() {
        float[] mean = {0.485f, 0.456f, 0.406f};
        float[] std = {0.229f, 0.224f, 0.225f};
        ImageDecoder imagenet = new ImageDecoder(ImageOptions.defaults().withNormalization(mean, std));
        try (PointerScope scope = new PointerScope()) {
            byte[] png = Fixtures.encode(".png", Fixtures.solid(10, 10, CV_8UC3, new Scalar(255, 255, 255, 0)));
            float[] chw = imagenet.decode(ImageSource.of("white.png", png));
            for (int c = 0; c < 3; c++) {
                assertThat(chw[c * S * S + 100]).isCloseTo((1f - mean[c]) / std[c], within(1e-4f));
            }
        }
    }

    @Test
    void noisyImageStaysInRange() {
        try (PointerScope scope = new PointerScope()) {
            Mat noise = new Mat(97, 131, CV_8UC3);
            byte[] random = new byte[97 * 131 * 3];
            new Random(7).nextBytes(random);
            noise.data().put(random);
            float[] chw = decoder.decode(ImageSource.of("noise.png", Fixtures.encode(".png", noise)));
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : chw) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertThat(min).isBetween(-1f, -0.5f);
            assertThat(max).isBetween(0.5f, 1f);
        }
    }

    @Test
    void toChwConvertsAnInMemoryBgrMat() {
        try (PointerScope scope = new PointerScope()) {
            float[] chw = decoder.toChw(Fixtures.redLeftBlueRight(100, 100));
            assertRgb(chw, 5, 5, 255, 0, 0, 1e-5f);
            assertRgb(chw, 60, 5, 0, 0, 255, 1e-5f);
        }
    }

    // ---- bad inputs ----

    @Test
    void emptyInputIsEmpty() {
        ImageDecodeException e = rejection(decoder, ImageSource.of("nothing.png", new byte[0]));
        assertThat(e.reason()).isEqualTo(Reason.EMPTY);
        assertThat(e.sourceName()).isEqualTo("nothing.png");
        assertThat(e.getMessage()).startsWith("nothing.png: empty input");
    }

    @Test
    void randomBytesAreUnsupported() {
        byte[] noise = new byte[4096];
        new Random(42).nextBytes(noise);
        noise[0] = 0x00; // keep clear of every magic number
        ImageDecodeException e = rejection(decoder, ImageSource.of("noise.bin", noise));
        assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT);
        assertThat(e.getMessage()).contains("noise.bin").contains("unrecognised");
    }

    @Test
    void svgAndTextAreUnsupported() {
        byte[] svg = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"
                .getBytes(StandardCharsets.UTF_8);
        ImageDecodeException e = rejection(decoder, ImageSource.of("logo.svg", svg));
        assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT);
        assertThat(e.getMessage()).contains("logo.svg").contains("SVG");

        ImageDecodeException t = rejection(decoder, ImageSource.of("notes.jpg", "just some words\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(t.reason()).isEqualTo(Reason.UNSUPPORTED_FORMAT);
        assertThat(t.getMessage()).contains("text");
    }

    @ParameterizedTest
    @ValueSource(strings = {".jpg", ".png", ".bmp", ".webp", ".tiff", ".gif"})
    void cutInHalfIsTruncated(String ext) {
        byte[] full = Fixtures.redLeftBlueRight(ext, 120, 90);
        byte[] half = Arrays.copyOf(full, full.length / 2);
        ImageDecodeException e = rejection(decoder, ImageSource.of("half" + ext, half));
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.TRUNCATED);
        assertThat(e.getMessage()).contains("half" + ext);
    }

    @Test
    void jpegMissingOnlyItsEndMarkerIsTruncated() {
        byte[] full = Fixtures.redLeftBlueRight(".jpg", 64, 64);
        assertThat(full[full.length - 2] & 0xFF).isEqualTo(0xFF);
        assertThat(full[full.length - 1] & 0xFF).isEqualTo(0xD9);
        byte[] cut = Arrays.copyOf(full, full.length - 2);
        assertThat(rejection(decoder, ImageSource.of("cut.jpg", cut)).reason()).isEqualTo(Reason.TRUNCATED);
        // Trailing bytes after the end marker are tolerated (cameras append data there).
        byte[] padded = Arrays.copyOf(full, full.length + 100);
        assertThat(decoder.decode(ImageSource.of("padded.jpg", padded))).hasSize(3 * S * S);
    }

    @Test
    void pngMissingIendIsTruncated() {
        byte[] full = Fixtures.redLeftBlueRight(".png", 64, 64);
        int iend = Fixtures.indexOf(full, "IEND");
        byte[] cut = Arrays.copyOf(full, iend - 4);
        assertThat(rejection(decoder, ImageSource.of("cut.png", cut)).reason()).isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void corruptPngBodyWithValidHeaderIsCorrupt() {
        byte[] png = Fixtures.redLeftBlueRight(".png", 64, 64);
        int idat = Fixtures.indexOf(png, "IDAT");
        for (int i = idat + 6; i < idat + 20; i++) {
            png[i] ^= 0x5A; // breaks both the zlib stream and the chunk CRC, leaves the chunk lengths
        }
        ImageDecodeException e = rejection(decoder, ImageSource.of("broken.png", png));
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void pngDeclaringTenGigapixelsIsRejectedFromTheHeader() {
        byte[] bomb = Fixtures.pngHeaderOnly(100_000, 100_000);
        long start = System.nanoTime();
        ImageDecodeException e = rejection(decoder, ImageSource.of("bomb.png", bomb));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
        assertThat(e.getMessage()).contains("bomb.png").contains("100000x100000");
        assertThat(millis).as("rejected from the header, not by decoding").isLessThan(500);
    }

    @Test
    void jpegWhoseFrameHeaderIsInflatedIsRejected() {
        byte[] jpeg = Fixtures.redLeftBlueRight(".jpg", 64, 64);
        int sof = -1;
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                sof = i;
                break;
            }
        }
        assertThat(sof).isPositive();
        jpeg[sof + 5] = jpeg[sof + 6] = jpeg[sof + 7] = jpeg[sof + 8] = (byte) 0xFF; // 65535 x 65535
        ImageDecodeException e = rejection(decoder, ImageSource.of("big.jpg", jpeg));
        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
    }

    @Test
    void webpCanvasDeclaringHugeSizeIsRejected() {
        // RIFF/WEBP container with a VP8X chunk declaring a 20000 x 20000 canvas.
        byte[] vp8x = new byte[30];
        System.arraycopy("RIFF".getBytes(), 0, vp8x, 0, 4);
        vp8x[4] = 22;
        System.arraycopy("WEBPVP8X".getBytes(), 0, vp8x, 8, 8);
        vp8x[16] = 10;
        int minusOne = 20_000 - 1;
        for (int at : new int[] {24, 27}) {
            vp8x[at] = (byte) minusOne;
            vp8x[at + 1] = (byte) (minusOne >> 8);
            vp8x[at + 2] = (byte) (minusOne >> 16);
        }
        ImageDecodeException e = rejection(decoder, ImageSource.of("big.webp", vp8x));
        assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
        assertThat(e.getMessage()).contains("20000x20000");
    }

    @Test
    void sizeLimitsAreEnforcedBeforeReadingFiles(@TempDir Path dir) throws Exception {
        byte[] png = Fixtures.redLeftBlueRight(".png", 64, 64);
        ImageDecoder strict = new ImageDecoder(ImageOptions.defaults().withMaxBytes(png.length - 1));
        assertThat(rejection(strict, ImageSource.of("mem.png", png)).reason()).isEqualTo(Reason.TOO_LARGE_BYTES);
        Path file = Files.write(dir.resolve("big.png"), png);
        ImageDecodeException e = rejection(strict, ImageSource.of(file));
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE_BYTES);
        assertThat(e.getMessage()).contains("big.png");

        ImageDecoder fewPixels = new ImageDecoder(ImageOptions.defaults().withMaxPixels(64 * 64 - 1));
        assertThat(rejection(fewPixels, ImageSource.of(file)).reason()).isEqualTo(Reason.TOO_MANY_PIXELS);
        assertThat(decoder.decode(ImageSource.of(file))).hasSize(3 * S * S);
    }

    @Test
    void missingFileIsAnIoError(@TempDir Path dir) {
        ImageDecodeException e = rejection(decoder, ImageSource.of(dir.resolve("absent.jpg")));
        assertThat(e.reason()).isEqualTo(Reason.IO_ERROR);
        assertThat(e.getMessage()).contains("absent.jpg");
    }

    // ---- batches and threads ----

    @Test
    void decodeAllKeepsOrderAndReportsFailures() {
        byte[] good = Fixtures.redLeftBlueRight(".png", 40, 40);
        byte[] jpeg = Fixtures.redLeftBlueRight(".jpg", 40, 40);
        List<ImageSource> sources = List.of(
                ImageSource.of("a.png", good),
                ImageSource.of("empty.png", new byte[0]),
                ImageSource.of("b.jpg", jpeg),
                ImageSource.of("vector.svg", "<svg/>".getBytes(StandardCharsets.UTF_8)),
                ImageSource.of("half.jpg", Arrays.copyOf(jpeg, jpeg.length / 2)),
                ImageSource.of("c.webp", Fixtures.redLeftBlueRight(".webp", 40, 40)));
        List<Integer> ticks = new ArrayList<>();
        DecodedBatch batch = decoder.decodeAll(sources, 2, ticks::add);

        assertThat(batch.decoded()).extracting(DecodedBatch.Decoded::name).containsExactly("a.png", "b.jpg", "c.webp");
        assertThat(batch.indices()).containsExactly(0, 2, 5);
        assertThat(batch.failures()).extracting(DecodedBatch.Failure::index, DecodedBatch.Failure::name, DecodedBatch.Failure::reason)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1, "empty.png", Reason.EMPTY),
                        org.assertj.core.groups.Tuple.tuple(3, "vector.svg", Reason.UNSUPPORTED_FORMAT),
                        org.assertj.core.groups.Tuple.tuple(4, "half.jpg", Reason.TRUNCATED));
        assertThat(batch.failures().get(2).message()).contains("half.jpg");
        assertThat(batch.data()).hasSize(3 * 3 * S * S);
        assertThat(batch.image(0)).containsExactly(decoder.decode(sources.get(0)));
        assertThat(batch.image(1)).containsExactly(decoder.decode(sources.get(2)));
        assertThat(batch.image(2)).containsExactly(decoder.decode(sources.get(5)));
        assertThat(ticks).containsExactly(1, 2, 3, 4, 5, 6);

        DecodedBatch serial = decoder.decodeAll(sources, 1);
        assertThat(serial.data()).containsExactly(batch.data());
        assertThatThrownBy(() -> decoder.decodeAll(sources, 0)).isInstanceOf(io.mmfuse.InvalidInputException.class)
                .hasMessageContaining("threads");

        java.util.concurrent.ExecutorService pool = ImageDecoder.newDecodePool(2);
        try {
            for (int round = 0; round < 3; round++) { // the caller's pool stays usable after every call
                DecodedBatch pooled = decoder.decodeAll(sources, pool, 2, null);
                assertThat(pooled.data()).containsExactly(batch.data());
                assertThat(pooled.indices()).containsExactly(0, 2, 5);
            }
            assertThat(pool.isShutdown()).isFalse();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentDecodesAreIdentical() throws Exception {
        ImageSource src = ImageSource.of("shared.jpg", Fixtures.redLeftBlueRight(".jpg", 300, 200));
        float[] expected = decoder.decode(src);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<float[]>> tasks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                tasks.add(() -> decoder.decode(src));
            }
            for (Future<float[]> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).containsExactly(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void optionsAreValidated() {
        assertThatThrownBy(() -> ImageOptions.defaults().withSize(0)).hasMessageContaining("ImageOptions.size");
        assertThatThrownBy(() -> ImageOptions.defaults().withNormalization(new float[] {0, 0, 0}, new float[] {1, 0, 1}))
                .hasMessageContaining("ImageOptions.std");
        assertThatThrownBy(() -> ImageOptions.defaults().withNormalization(new float[] {0, 0}, new float[] {1, 1, 1}))
                .hasMessageContaining("ImageOptions.mean");
        assertThat(ImageOptions.defaults()).isEqualTo(ImageOptions.defaults());
        assertThat(ImageOptions.defaults().floatsPerImage()).isEqualTo(3 * 64 * 64);
    }
}
