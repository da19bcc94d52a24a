package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.mmfuse.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleGridTest {
    private static final int FLOATS = 3 * 64 * 64;

    @TempDir
    Path tmp;

    /** rows x columns tiles; tile (r, c) is a flat colour: red = r / rows, green = c / columns (in [-1, 1]). */
    private static float[] tiles(int rows, int columns) {
        float[] out = new float[rows * columns * FLOATS];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                int base = (r * columns + c) * FLOATS;
                Arrays.fill(out, base, base + 4096, 2f * r / rows - 1);
                Arrays.fill(out, base + 4096, base + 8192, 2f * c / columns - 1);
                Arrays.fill(out, base + 8192, base + FLOATS, -1f);
            }
        }
        return out;
    }

    @Test
    void theGridHasTheDocumentedLayoutAndDecodes() throws Exception {
        int rows = 2;
        int columns = 5;
        Path file = tmp.resolve("grid.png");
        SampleGrid.write(file, tiles(rows, columns), rows, columns, List.of("a red circle above a blue square", "second row"));
        byte[] png = Files.readAllBytes(file);
        try (PointerScope scope = new PointerScope()) {
            Mat m = imdecode(new Mat(new BytePointer(png)), IMREAD_COLOR);
            assertThat(m.cols()).isEqualTo(SampleGrid.width(columns)).isEqualTo(2 * (2 + 5 * 66));
            assertThat(m.rows()).isEqualTo(SampleGrid.height(rows));
        }
        SampleGrid.Rendered g = SampleGrid.render(tiles(rows, columns), rows, columns, List.of("a", "b"));
        // tile (1, 3): scaled x2 at x = 2 * (2 + 3 * 66), y = 2 * 2 + one row stride
        int rowStride = (g.height() - 4) / rows;
        int x = 2 * (2 + 3 * 66) + 10;
        int y = 4 + rowStride + 10;
        int p = 3 * (y * g.width() + x);
        assertThat(g.rgb()[p] & 0xff).isEqualTo(128);   // red: r / rows = 0.5
        assertThat(g.rgb()[p + 1] & 0xff).isEqualTo(153); // green: 3 / 5 = 0.6
        assertThat(g.rgb()[p + 2] & 0xff).isEqualTo(0);
        // the gap left of the first tile is white
        int gap = 3 * ((4 + 10) * g.width() + 1);
        assertThat(new int[] {g.rgb()[gap] & 0xff, g.rgb()[gap + 1] & 0xff, g.rgb()[gap + 2] & 0xff})
                .containsExactly(255, 255, 255);
    }

    @Test
    void theCaptionIsDrawnUnderItsRow() {
        SampleGrid.Rendered blank = SampleGrid.render(tiles(1, 1), 1, 1, List.of(""));
        SampleGrid.Rendered text = SampleGrid.render(tiles(1, 1), 1, 1, List.of("a dog"));
        int bandStart = 2 * 2 + 2 * 64;
        assertThat(darkPixels(blank, bandStart)).isZero();
        assertThat(darkPixels(text, bandStart)).isGreaterThan(20);
        assertThat(blank.width()).isEqualTo(SampleGrid.MIN_WIDTH);
    }

    @Test
    void longCaptionsWrapToTwoLinesAndAreCut() {
        String caption = "a very long caption about a dog that runs across the green grass of a park while a child "
                + "throws a red ball and a black cat watches from the fence";
        List<String> lines = SampleGrid.wrap(caption, 200);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).endsWith("...");
        for (String l : lines) {
            assertThat(SampleGrid.textWidth(l)).isLessThanOrEqualTo(200);
        }
        assertThat(SampleGrid.wrap("a dog", 200)).containsExactly("a dog");
        assertThat(SampleGrid.wrap("supercalifragilisticexpialidocious-and-then-some-more", 60).get(0)).endsWith("...");
    }

    @Test
    void inconsistentArgumentsAreRejected() {
        assertThatThrownBy(() -> SampleGrid.render(new float[FLOATS], 1, 2, List.of("x")))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("images:");
        assertThatThrownBy(() -> SampleGrid.render(new float[FLOATS], 1, 1, List.of("x", "y")))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captions:");
        assertThatThrownBy(() -> SampleGrid.render(new float[0], 0, 1, List.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("grid:");
    }

    private static int darkPixels(SampleGrid.Rendered g, int fromRow) {
        int n = 0;
        for (int y = fromRow; y < g.height(); y++) {
            for (int x = 0; x < g.width(); x++) {
                int p = 3 * (y * g.width() + x);
                if ((g.rgb()[p] & 0xff) < 128) {
                    n++;
                }
            }
        }
        return n;
    }
}
