package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.model.Tensors;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class RandomTranslationTest {
    private static final int B = 16;
    private static final int C = 2;
    private static final int H = 7;
    private static final int W = 9;

    @Test
    void eachImageIsAnExactWholePixelShiftWithBorderPixelsRepeated() {
        float[] in = new float[B * C * H * W];
        Random r = new Random(5);
        for (int i = 0; i < in.length; i++) {
            in[i] = r.nextFloat() * 2 - 1;
        }
        Set<String> seen = new HashSet<>();
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            float[] out = Tensors.toHeap(RandomTranslation.apply(Tensors.floats(in, GanFixtures.CPU.toTorch(), B, C, H, W), 2));
            for (int b = 0; b < B; b++) {
                String match = null;
                for (int dy = -2; dy <= 2 && match == null; dy++) {
                    for (int dx = -2; dx <= 2 && match == null; dx++) {
                        if (isShift(in, out, b, dx, dy)) {
                            match = dx + "," + dy;
                        }
                    }
                }
                assertThat(match).as("image %d is a shift of at most 2 px", b).isNotNull();
                seen.add(match);
            }
        }
        assertThat(seen.size()).as("images draw their own shifts").isGreaterThan(3);
    }

    @Test
    void noShiftReturnsTheImagesAndGradientsReachTheInput() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.randn(2, 3, 8, 8);
            assertThat(RandomTranslation.apply(x, 0).equal(x)).isTrue();
            x.set_requires_grad(true);
            RandomTranslation.apply(x, 3).sum().backward();
            // Every output pixel samples exactly one input pixel: the gradients sum to the pixel count.
            assertThat(x.grad().sum().item_float()).isEqualTo(2 * 3 * 8 * 8, org.assertj.core.data.Offset.offset(1e-3f));
        }
    }

    @Test
    void explicitOffsetsShiftEachImageByItsOwn() {
        float[] in = new float[3 * C * H * W];
        Random r = new Random(6);
        for (int i = 0; i < in.length; i++) {
            in[i] = r.nextFloat();
        }
        int[] dx = {1, -2, 0};
        int[] dy = {0, 1, -1};
        try (PointerScope scope = new PointerScope()) {
            float[] out = Tensors.toHeap(RandomTranslation.apply(Tensors.floats(in, GanFixtures.CPU.toTorch(), 3, C, H, W), dx, dy));
            for (int b = 0; b < 3; b++) {
                assertThat(isShift(in, out, b, dx[b], dy[b])).as("image %d", b).isTrue();
            }
        }
    }

    @Test
    void offsetsCoverTheRangeEvenly() {
        int[] counts = new int[5];
        for (int i = 0; i < 1000; i++) {
            counts[RandomTranslation.offset(i / 1000f, 2) + 2]++;
        }
        assertThat(counts).containsOnly(200);
        assertThat(RandomTranslation.offset(Math.nextDown(1f), 2)).isEqualTo(2);
    }

    private static boolean isShift(float[] in, float[] out, int b, int dx, int dy) {
        for (int c = 0; c < C; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    int sy = Math.max(0, Math.min(H - 1, y + dy));
                    int sx = Math.max(0, Math.min(W - 1, x + dx));
                    float expected = in[((b * C + c) * H + sy) * W + sx];
                    float actual = out[((b * C + c) * H + y) * W + x];
                    if (Math.abs(expected - actual) > 1e-5f) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
