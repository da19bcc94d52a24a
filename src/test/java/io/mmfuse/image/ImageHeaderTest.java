package io.mmfuse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mmfuse.image.ImageDecodeException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

class ImageHeaderTest {
    /** A 2 x 2 8-bit greyscale uncompressed big-endian TIFF with pixels 0, 85, 170, 255. */
    private static byte[] bigEndianGreyTiff() {
        short[][] entries = { // tag, type (3 = SHORT), value; count is always 1
            {256, 3, 2}, {257, 3, 2}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
            {273, 3, 0 /* patched below */}, {277, 3, 1}, {278, 3, 2}, {279, 3, 4}};
        int ifdSize = 2 + entries.length * 12 + 4;
        int pixelOffset = 8 + ifdSize;
        ByteBuffer b = ByteBuffer.allocate(pixelOffset + 4).order(ByteOrder.BIG_ENDIAN);
        b.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        b.putShort((short) entries.length);
        for (short[] e : entries) {
            short value = e[0] == 273 ? (short) pixelOffset : e[2];
            b.putShort(e[0]).putShort(e[1]).putInt(1).putShort(value).putShort((short) 0);
        }
        b.putInt(0); // no next IFD
        b.put(new byte[] {0, 85, (byte) 170, (byte) 255});
        return b.array();
    }

    @Test
    void bigEndianTiffIsReadAndDecoded() {
        byte[] tiff = bigEndianGreyTiff();
        ImageHeader h = ImageHeader.read("be.tiff", tiff);
        assertThat(h).isEqualTo(new ImageHeader(ImageFormat.TIFF, 2, 2));

        ImageOptions opts = ImageOptions.defaults().withSize(2);
        float[] chw = new ImageDecoder(opts).decode(ImageSource.of("be.tiff", tiff));
        assertThat(ImageWriter.toRgb(chw, 2, 2, opts))
                .containsExactly(0, 0, 0, 85, 85, 85, (byte) 170, (byte) 170, (byte) 170, (byte) 255, (byte) 255, (byte) 255);

        byte[] cut = Arrays.copyOf(tiff, tiff.length - 1); // last strip byte missing
        ImageDecodeException e = org.junit.jupiter.api.Assertions.assertThrows(ImageDecodeException.class,
                () -> new ImageDecoder(opts).decode(ImageSource.of("be.tiff", cut)));
        assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
    }

    @Test
    void topDownBmpWithNegativeHeightIsAccepted() {
        byte[] bmp;
        try (PointerScope scope = new PointerScope()) {
            Mat redLeft = Fixtures.redLeftBlueRight(40, 40);
            Mat redTop = new Mat();
            org.bytedeco.opencv.global.opencv_core.transpose(redLeft, redTop);
            bmp = Fixtures.encode(".bmp", redTop);
        }
        ByteBuffer b = ByteBuffer.wrap(bmp).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(22)).isEqualTo(40);
        b.putInt(22, -40); // same rows, now declared top-down: the picture flips vertically

        assertThat(ImageHeader.read("td.bmp", bmp).height()).isEqualTo(40);
        float[] chw = new ImageDecoder().decode(ImageSource.of("td.bmp", bmp));
        int s = 64;
        assertThat(chw[0 * s * s + 5 * s + 30]).as("top is now blue: R").isCloseTo(-1f, within(1e-5f));
        assertThat(chw[2 * s * s + 5 * s + 30]).as("top is now blue: B").isCloseTo(1f, within(1e-5f));
        assertThat(chw[0 * s * s + 60 * s + 30]).as("bottom is now red: R").isCloseTo(1f, within(1e-5f));
    }

    @Test
    void zeroSizedHeaderIsCorrupt() {
        ImageDecodeException e = org.junit.jupiter.api.Assertions.assertThrows(ImageDecodeException.class,
                () -> ImageHeader.read("zero.png", Fixtures.pngHeaderOnly(0, 10)));
        assertThat(e.reason()).isEqualTo(Reason.CORRUPT);
    }

    @Test
    void signatureWithoutHeaderIsTruncated() {
        byte[] png = Arrays.copyOf(Fixtures.pngHeaderOnly(10, 10), 10);
        ImageDecodeException e = org.junit.jupiter.api.Assertions.assertThrows(ImageDecodeException.class,
                () -> ImageHeader.read("stub.png", png));
        assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
    }
}
