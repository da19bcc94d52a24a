package io.mmfuse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mmfuse.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageWriterTest {
    @Test
    void normalisedTensorRoundTripsThroughPng(@TempDir Path dir) throws Exception {
        ImageOptions options = ImageOptions.defaults().withSize(32)
                .withNormalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
        ImageDecoder decoder = new ImageDecoder(options);
        float[] original = decoder.decode(ImageSource.of("src.jpg", Fixtures.redLeftBlueRight(".jpg", 90, 70)));

        Path out = dir.resolve("sub/sample.png");
        ImageWriter.writePng(out, original, 32, 32, options);

        assertThat(out).exists();
        try (Stream<Path> files = Files.list(out.getParent())) {
            assertThat(files).containsExactly(out); // no temp file left behind
        }
        float[] reread = decoder.decode(ImageSource.of(out));
        for (int i = 0; i < original.length; i++) {
            float std = options.std()[i / (32 * 32)];
            assertThat(reread[i]).isCloseTo(original[i], within(0.51f / 255f / std + 1e-5f));
        }
    }

    @Test
    void rgbBytesAreWrittenInRgbOrder(@TempDir Path dir) throws Exception {
        byte[] rgb = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 10, 20, 30};
        Path out = dir.resolve("four.png");
        ImageWriter.writePng(out, rgb, 2, 2);
        ImageOptions opts = ImageOptions.defaults().withSize(2);
        float[] chw = new ImageDecoder(opts).decode(ImageSource.of(out));
        assertThat(ImageWriter.toRgb(chw, 2, 2, opts)).containsExactly(rgb);
        ImageWriter.writePng(out, new byte[12], 2, 2); // overwrite is fine
        assertThat(new ImageDecoder(opts).decode(ImageSource.of(out))[0]).isEqualTo(-1f);
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThatThrownBy(() -> ImageWriter.encodePng(new byte[11], 2, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("rgb");
        assertThatThrownBy(() -> ImageWriter.toRgb(new float[5], 2, 2, ImageOptions.defaults()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("chw");
    }
}
